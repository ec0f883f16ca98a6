"""Caps and rules: each refusal is a 400 naming the field, in the caller's language, and nothing saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from buddynet import events
from buddynet.features.funding.models import (
    AllowanceCap,
    AllowancePayment,
    BudgetLine,
    DeclaredAllowance,
    Expense,
    Funder,
    Grant,
    ProgressReport,
    Tranche,
)
from buddynet.features.funding.services import default_end_date
from tests.conftest import World, client_for
from tests.funding.builders import seed_caps

MODELS = (Funder, Grant, BudgetLine, Tranche, Expense, AllowancePayment, DeclaredAllowance, ProgressReport,
          AllowanceCap)
GRANTS, EXPENSES = "/api/v1/funding/grants/", "/api/v1/funding/expenses/"
PAYMENTS, DECLARED = "/api/v1/funding/allowance-payments/", "/api/v1/funding/declared-allowances/"


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}


def refused(response: Any, field: str, before: dict[str, Any]) -> None:
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert all(isinstance(m, str) and m for m in response.json()[field])
    assert snapshot() == before


@pytest.fixture
def grant(world: World) -> Grant:
    g = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-1", amount=Decimal("40000"),
                             start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))
    BudgetLine.objects.create(grant=g, kind="operating", amount=Decimal("1000"))
    return g


def payment(w: World, **extra: Any) -> dict[str, Any]:
    return {"volunteer": w.volunteer.pk, "kind": "flat_rate", "paid_on": "2026-03-01", "year": 2026, "days": 10,
            "amount": "440.20", **extra}


# --- grants --------------------------------------------------------------------------------------
def test_it_refuses_a_grant_above_the_funders_cap(world: World) -> None:
    before = snapshot()
    response = client_for(world.admin).post(GRANTS, {
        "funder": world.funder.pk, "project": world.project.pk, "reference": "WVG-9", "amount": "50000.01",
        "start_date": "2026-01-01"}, format="json")
    refused(response, "amount", before)
    assert "€\xa050.000,00" in response.json()["amount"][0]  # nl-BE money (issue 17)


def test_a_funder_with_a_higher_cap_accepts_a_larger_grant(world: World) -> None:
    world.funder.grant_cap = Decimal("80000")
    world.funder.save()
    response = client_for(world.admin).post(GRANTS, {
        "funder": world.funder.pk, "project": world.project.pk, "reference": "WVG-9", "amount": "75000",
        "start_date": "2026-01-01"}, format="json")
    assert response.status_code == 201, response.content


def test_a_grant_runs_three_years_unless_told_otherwise(world: World) -> None:
    response = client_for(world.admin).post(GRANTS, {
        "funder": world.funder.pk, "project": world.project.pk, "reference": "WVG-9", "amount": "50000",
        "start_date": "2026-01-01"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["end_date"] == "2028-12-31"
    assert default_end_date(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)


def test_it_refuses_the_cap_in_english_when_asked(world: World) -> None:
    response = client_for(world.admin).post(GRANTS, {
        "funder": world.funder.pk, "project": world.project.pk, "reference": "WVG-9", "amount": "60000",
        "start_date": "2026-01-01"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["amount"] == ["A grant of this funder is at most €50,000.00."]


# --- expenses ------------------------------------------------------------------------------------
def expense(grant: Grant, **extra: Any) -> dict[str, Any]:
    return {"grant": grant.pk, "budget_line": grant.budget_lines.get().pk, "date": "2026-05-04", "amount": "250.00",
            "description": "Koffie en taart voor de duo-dag", "supplier": "Bakkerij Peeters", **extra}


@pytest.mark.parametrize("day", ["2024-12-31", "2028-01-01"])
def test_it_refuses_an_expense_outside_the_grant_period(world: World, grant: Grant, day: str) -> None:
    before = snapshot()
    response = client_for(world.coordinator).post(EXPENSES, expense(grant, date=day), format="json")
    refused(response, "date", before)


def test_it_refuses_overspending_a_budget_line_without_a_justification(world: World, grant: Grant) -> None:
    client = client_for(world.coordinator)
    assert client.post(EXPENSES, expense(grant, amount="900"), format="json").status_code == 201
    before = snapshot()

    response = client.post(EXPENSES, expense(grant, amount="100.01"), format="json")

    refused(response, "overspend_justification", before)
    justified = client.post(EXPENSES, expense(grant, amount="100.01", overspend_justification="Extra vorming"),
                            format="json")
    assert justified.status_code == 201, justified.content
    assert Expense.objects.filter(grant=grant).count() == 2


def test_an_expense_takes_a_receipt_upload(world: World, grant: Grant, settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    body = {**expense(grant), "receipt": SimpleUploadedFile("bon.pdf", b"%PDF-1.4 bon", "application/pdf")}

    response = client_for(world.coordinator).post(EXPENSES, body, format="multipart")

    assert response.status_code == 201, response.content
    stored = Expense.objects.get()
    assert stored.receipt.name.startswith("funding/receipts/")
    assert stored.receipt.read() == b"%PDF-1.4 bon"


def test_it_refuses_a_budget_line_of_another_grant(world: World, grant: Grant) -> None:
    other = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-2", amount=Decimal("100"),
                                 start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))
    line = BudgetLine.objects.create(grant=other, kind="other", amount=Decimal("100"))
    before = snapshot()
    response = client_for(world.coordinator).post(EXPENSES, expense(grant, budget_line=line.pk), format="json")
    refused(response, "budget_line", before)


# --- volunteer allowances (Belgian law) ----------------------------------------------------------
@pytest.mark.django_db
def test_the_legal_caps_are_seeded_per_year() -> None:
    AllowanceCap.objects.all().delete()
    seed_caps()  # the data migration's own function
    assert {c.year: (c.daily_cap, c.yearly_cap) for c in AllowanceCap.objects.all()}.items() >= {
        2024: (Decimal("41.48"), Decimal("1659.29")), 2025: (Decimal("42.31"), Decimal("1692.51")),
        2026: (Decimal("44.02"), Decimal("1760.83"))}.items()


def test_it_refuses_more_than_the_daily_cap(world: World) -> None:
    before = snapshot()
    # 10 days × 44.02 = 440.20 is the most for ten days in 2026.
    response = client_for(world.coordinator).post(PAYMENTS, payment(world, amount="440.21"), format="json")
    refused(response, "amount", before)
    assert client_for(world.coordinator).post(PAYMENTS, payment(world), format="json").status_code == 201


def test_the_daily_cap_follows_the_year(world: World) -> None:
    response = client_for(world.coordinator).post(PAYMENTS, payment(world, year=2024, amount="414.81"),
                                                  format="json")
    assert response.status_code == 400  # 2024: 41.48 a day
    assert client_for(world.coordinator).post(PAYMENTS, payment(world, year=2024, amount="414.80"),
                                              format="json").status_code == 201


def test_it_refuses_a_payment_over_the_yearly_cap_counting_other_organisations(world: World) -> None:
    client = client_for(world.coordinator)
    assert client.post(DECLARED, {"volunteer": world.volunteer.pk, "year": 2026, "organisation": "Rode Kruis",
                                  "days": 20, "amount": "800.00"}, format="json").status_code == 201
    assert client.post(PAYMENTS, payment(world, days=20, amount="880.40"), format="json").status_code == 201
    before = snapshot()

    # 800 + 880.40 = 1,680.40; the cap is 1,760.83, so 80.43 is left, not 80.44.
    response = client.post(PAYMENTS, payment(world, days=2, amount="80.44"), format="json")

    refused(response, "amount", before)
    assert client.post(PAYMENTS, payment(world, days=2, amount="80.43"), format="json").status_code == 201


def test_it_warns_when_a_volunteer_approaches_the_yearly_cap(world: World) -> None:
    heard: list[dict[str, Any]] = []

    def listener(**payload: Any) -> None:
        heard.append(payload)

    events.subscribe("allowance_cap_approaching", listener)
    try:
        client = client_for(world.coordinator)
        low = client.post(PAYMENTS, payment(world, days=20, amount="880.40"), format="json")
        high = client.post(PAYMENTS, payment(world, days=13, amount="572.26"), format="json")
    finally:
        events._subscribers["allowance_cap_approaching"].remove(listener)

    # 80 % of 1,760.83 is 1,408.66: 880.40 stays under it, 880.40 + 572.26 = 1,452.66 does not.
    assert low.status_code == 201 and low.json()["warning"] is None
    assert high.status_code == 201 and "€\xa01.760,83" in high.json()["warning"]
    assert heard == [{"volunteer": world.volunteer, "year": 2026, "days": 33, "amount": Decimal("1452.66")}]


def test_it_refuses_a_flat_rate_in_a_year_with_real_costs(world: World) -> None:
    client = client_for(world.coordinator)
    assert client.post(PAYMENTS, payment(world, kind="real_cost", days=0, amount="312.50"),
                       format="json").status_code == 201
    before = snapshot()
    refused(client.post(PAYMENTS, payment(world), format="json"), "kind", before)
    # Another year is another year.
    assert client.post(PAYMENTS, payment(world, year=2025, amount="423.10"), format="json").status_code == 201


def test_it_refuses_real_costs_in_a_year_with_a_flat_rate(world: World) -> None:
    client = client_for(world.coordinator)
    assert client.post(PAYMENTS, payment(world), format="json").status_code == 201
    before = snapshot()
    refused(client.post(PAYMENTS, payment(world, kind="real_cost", amount="12.00"), format="json"), "kind", before)


def test_it_refuses_a_flat_rate_for_a_year_without_caps(world: World) -> None:
    before = snapshot()
    refused(client_for(world.coordinator).post(PAYMENTS, payment(world, year=2030), format="json"), "year", before)


def test_it_refuses_more_paid_days_than_the_volunteer_pages_show(world: World, monkeypatch: Any) -> None:
    from buddynet.features.funding import services

    monkeypatch.setattr(services, "volunteered_days", lambda *, volunteer_ids, year: {world.volunteer.pk: 8})
    before = snapshot()
    refused(client_for(world.coordinator).post(PAYMENTS, payment(world), format="json"), "days", before)


def test_an_administrator_edits_a_cap_and_the_rule_follows(world: World) -> None:
    AllowanceCap.objects.filter(year=2026).update(daily_cap=Decimal("50.00"))
    response = client_for(world.coordinator).post(PAYMENTS, payment(world, amount="500.00"), format="json")
    assert response.status_code == 201, response.content


# --- reports -------------------------------------------------------------------------------------
def test_it_refuses_a_report_period_outside_the_grant(world: World, grant: Grant) -> None:
    before = snapshot()
    response = client_for(world.coordinator).post("/api/v1/funding/reports/", {
        "grant": grant.pk, "period_start": "2024-06-01", "period_end": "2025-05-31"}, format="json")
    refused(response, "period_start", before)


@pytest.mark.parametrize("start", ["9999-01-01", "0001-01-01"])
def test_a_grant_in_year_1_or_9999_is_refused_with_a_field_message(world, start):
    """Issue 21 item 4: a start in 9999 without an end was a 500 (the default end overflowed)."""
    from rest_framework.test import APIClient

    from buddynet.features.funding.models import Grant

    client = APIClient()
    client.force_authenticate(world.admin)
    before = Grant.objects.count()
    response = client.post("/api/v1/funding/grants/", {
        "funder": world.funder.pk, "project": world.project.pk, "reference": "X-9999", "amount": "1000",
        "start_date": start}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "start_date" in response.json()
    assert Grant.objects.count() == before


# --- dates in the refusals are written for the reader, not as ISO ---------------------------------
@pytest.mark.parametrize(("language", "period"), [("nl-be", "1 jan. 2025 – 31 dec. 2027"),
                                                  ("en", "1 Jan 2025 – 31 Dec 2027")])
def test_the_grant_period_in_a_refusal_is_a_readable_date(world: World, grant: Grant, language: str,
                                                          period: str) -> None:
    client = client_for(world.coordinator)
    expense_refused = client.post(EXPENSES, expense(grant, date="2028-01-01"), format="json",
                                  HTTP_ACCEPT_LANGUAGE=language)
    report_refused = client.post("/api/v1/funding/reports/", {
        "grant": grant.pk, "period_start": "2024-06-01", "period_end": "2025-05-31"}, format="json",
        HTTP_ACCEPT_LANGUAGE=language)

    assert expense_refused.status_code == report_refused.status_code == 400
    assert expense_refused.json()["date"][0].endswith(f"({period}).")
    assert report_refused.json()["period_start"][0].endswith(f"({period}).")
    assert "2025-01-01" not in expense_refused.content.decode() + report_refused.content.decode()


@pytest.mark.parametrize(("language", "expected"), [
    ("nl-be", "Geef een datum tussen 1 jan. 2000 en 9 jan. 2035."),
    ("en", "Give a date between 1 Jan 2000 and 9 Jan 2035."),
])
def test_the_range_of_a_grant_date_in_a_refusal_is_readable(world: World, language: str, expected: str) -> None:
    import time_machine
    from django.utils import translation

    from buddynet.errors import InvalidInput
    from buddynet.features.funding import services

    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False), translation.override(language), \
            pytest.raises(InvalidInput) as refused_start:
        services.grant_save(grant=None, data={"funder": world.funder, "project": world.project, "reference": "X-1",
                                              "amount": Decimal("1000"), "start_date": dt.date(1999, 12, 31)})
    assert refused_start.value.message == {"start_date": expected}
