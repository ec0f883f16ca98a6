"""Funding pages by role: a funder sees only their grants and never a person; a coordinator only
their projects; the outsider gets 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from buddynet.features.funding.models import AllowancePayment, BudgetLine, Expense, Grant, ProgressReport
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from tests import factories as f
from tests.conftest import World
from tests.funding.builders import pages


@pytest.fixture
def grants(world: World) -> dict[str, Grant]:
    mine = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-GENT",
                                amount=Decimal("45000"), start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))
    BudgetLine.objects.create(grant=mine, kind="operating", amount=Decimal("1000"))
    other_funder = f.FunderFactory(name="Koning Boudewijnstichting")
    theirs = Grant.objects.create(funder=other_funder, project=world.other_project, reference="KBS-BRUGGE",
                                  amount=Decimal("20000"), start_date=dt.date(2025, 1, 1),
                                  end_date=dt.date(2027, 12, 31))
    return {"mine": mine, "theirs": theirs}


def test_home_sends_a_funder_to_the_portal(world: World) -> None:
    response = pages(world.funder_user).get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/financiering/"


def test_the_portal_shows_only_the_funders_own_projects_and_no_person(world: World, grants: Any) -> None:
    response = pages(world.funder_user).get("/financiering/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "WVG-GENT" in body and "Buddy Gent" in body
    assert "KBS-BRUGGE" not in body and "Buddy Brugge" not in body
    for name in ("Marieke", "Peeters", "Janssens", world.other_participant.last_name):
        assert name not in body
    assert 'class="light light-' in body


def test_a_funder_cannot_open_another_funders_portfolio_or_a_grant_page(world: World, grants: Any) -> None:
    client = pages(world.funder_user)
    assert client.get(f"/financiering/portefeuille/{grants['theirs'].funder_id}/").status_code == 404
    assert client.get(f"/financiering/portefeuille/{world.funder.pk}/").status_code == 200
    # The grant page lists expenses with suppliers: coordinators only.
    assert client.get(f"/financiering/subsidies/{grants['mine'].pk}/").status_code == 403


def test_a_funder_sees_a_report_only_once_it_is_signed_off(world: World, grants: Any) -> None:
    draft = ProgressReport.objects.create(grant=grants["mine"], period_start=dt.date(2025, 1, 1),
                                          period_end=dt.date(2025, 12, 31))
    client = pages(world.funder_user)
    assert client.get(f"/financiering/rapporten/{draft.pk}/").status_code == 404
    assert pages(world.coordinator).get(f"/financiering/rapporten/{draft.pk}/").status_code == 200


@pytest.mark.parametrize(("who", "status"), [
    ("coordinator", 200), ("admin", 200), ("other_coordinator", 404), ("funder_user", 403), ("volunteer_user", 403),
])
def test_the_grant_page_by_role(world: World, grants: Any, who: str, status: int) -> None:
    assert pages(getattr(world, who)).get(f"/financiering/subsidies/{grants['mine'].pk}/").status_code == status


def test_a_coordinator_lists_only_the_grants_of_their_projects(world: World, grants: Any) -> None:
    body = pages(world.coordinator).get("/financiering/subsidies/").content.decode()
    assert "WVG-GENT" in body and "KBS-BRUGGE" not in body


def test_a_coordinator_on_the_portal_is_sent_to_their_grants(world: World) -> None:
    response = pages(world.coordinator).get("/financiering/")
    assert response.status_code == 302 and response.headers["Location"] == "/financiering/subsidies/"


def test_the_expense_form_shows_the_overspending_rule_and_saves_nothing(world: World, grants: Any) -> None:
    grant = grants["mine"]
    response = pages(world.coordinator).post(f"/financiering/subsidies/{grant.pk}/", {
        "expense-budget_line": grant.budget_lines.get().pk, "expense-date": "2025-05-01", "expense-amount": "1200",
        "expense-description": "Huur zaal", "expense-supplier": "Stad Gent"})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Expense.objects.count() == 0


def test_the_expense_form_books_an_expense(world: World, grants: Any) -> None:
    grant = grants["mine"]
    response = pages(world.coordinator).post(f"/financiering/subsidies/{grant.pk}/", {
        "expense-budget_line": grant.budget_lines.get().pk, "expense-date": "2025-05-01", "expense-amount": "120",
        "expense-description": "Huur zaal", "expense-supplier": "Stad Gent"})

    assert response.status_code == 302
    assert Expense.objects.get().amount == Decimal("120.00")


def test_the_yearly_allowance_list_is_one_click_away_as_csv(world: World) -> None:
    AllowancePayment.objects.create(volunteer=world.volunteer, kind="flat_rate", paid_on=dt.date(2026, 3, 1),
                                    year=2026, days=5, amount=Decimal("220.10"))
    url = f"/financiering/vergoedingen/{world.project.pk}/lijst.csv?year=2026"

    response = pages(world.coordinator).get(url)

    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())  # the BOM: Excel reads the accents right
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Vrijwilliger;Dagen vrijwilligerswerk;Forfaitaire dagen;Forfaitair bedrag (EUR)")
    assert lines[1] == "Bert Janssens;;5;220,10;0,00;0;0,00"
    assert pages(world.other_coordinator).get(url).status_code == 404
    assert pages(world.funder_user).get(url).status_code == 403


def test_the_allowance_form_refuses_a_payment_over_the_daily_cap(world: World) -> None:
    response = pages(world.coordinator).post(f"/financiering/vergoedingen/{world.project.pk}/?year=2026", {
        "volunteer": world.volunteer.pk, "kind": "flat_rate", "paid_on": "2026-03-01", "days": 1, "amount": "44.03"})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert AllowancePayment.objects.count() == 0


def test_an_administrator_cannot_save_a_grant_above_the_cap_in_the_admin(world: World) -> None:
    response = pages(world.admin).post("/admin/funding/grant/add/", {
        "funder": world.funder.pk, "project": world.project.pk, "reference": "WVG-ADMIN", "amount": "50001",
        "start_date": "2026-01-01", "end_date": "",
        **{f"{p}-{k}": v for p in ("budget_lines", "tranches", "obligations")
           for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}})

    assert response.status_code == 200
    assert not Grant.objects.filter(reference="WVG-ADMIN").exists()


def test_an_administrator_adds_a_grant_of_three_years_in_the_admin(world: World) -> None:
    response = pages(world.admin).post("/admin/funding/grant/add/", {
        "funder": world.funder.pk, "project": world.project.pk, "reference": "WVG-ADMIN", "amount": "50000",
        "start_date": "2026-01-01", "end_date": "",
        **{f"{p}-{k}": v for p in ("budget_lines", "tranches", "obligations")
           for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Grant.objects.get(reference="WVG-ADMIN").end_date == dt.date(2028, 12, 31)


def test_a_coordinator_of_two_projects_sees_both_grants(world: World, grants: Any) -> None:
    membership_grant(user=world.coordinator, role=Role.COORDINATOR, project=world.other_project)
    body = pages(world.coordinator).get("/financiering/subsidies/").content.decode()
    assert "WVG-GENT" in body and "KBS-BRUGGE" in body
