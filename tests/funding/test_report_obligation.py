"""A progress report answers a reporting obligation (issue 19): the funding department follows its
obligations ("Inhoudelijk jaarverslag, due 31 March"), so the first sign-off of a report marks the
obligation it answers submitted, and the funder's approval marks it approved. A request for
completion leaves it submitted and not approved; the new version answers the same obligation.
The frozen report says it was submitted, and the funder's "reports late" light goes green.
Over the API and the pages; the bad input of both."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from buddynet.errors import InvalidInput
from buddynet.features.funding import reports, services
from buddynet.features.funding.models import Grant, ProgressReport, ReportingObligation
from tests.conftest import World, client_for
from tests.funding.builders import D, Hand, pages

REPORTS = "/api/v1/funding/reports/"
BRUSSELS = dt.timezone(dt.timedelta(hours=1))
# The obligation of hand_built is due on 31 March 2026; the report goes out on 20 April, late.
SIGNED = dt.datetime(2026, 4, 20, 10, 0, tzinfo=BRUSSELS)
ASKED = dt.datetime(2026, 5, 4, 10, 0, tzinfo=BRUSSELS)
RESIGNED = dt.datetime(2026, 5, 11, 10, 0, tzinfo=BRUSSELS)
APPROVED = dt.datetime(2026, 5, 18, 10, 0, tzinfo=BRUSSELS)


def choices(page: str) -> str:
    """The options of the new report's obligation field."""
    found = re.search(r'<select name="report-obligation".*?</select>', page, flags=re.S)
    assert found, "no obligation field"
    return found.group(0)


def obligation_of(hand: Hand) -> ReportingObligation:
    return ReportingObligation.objects.get(grant=hand.grant)


def reports_light(world: World, hand: Hand, today: dt.date) -> dict[str, Any]:
    portfolio = reports.portfolio_report(funder=world.funder, start=D(2025, 1, 1), end=D(2025, 12, 31), today=today)
    row = next(r for r in portfolio["rows"] if r["grant"]["id"] == hand.grant.pk)
    return dict(row["light_reasons"]["reports"])


def test_sign_off_submits_and_approval_approves_the_obligation_over_the_api(world: World, hand: Hand) -> None:
    coordinator, funder = client_for(world.coordinator), client_for(world.funder_user)
    obligation = obligation_of(hand)
    with time_machine.travel(SIGNED, tick=False):
        made = coordinator.post(REPORTS, {"grant": hand.grant.pk, "period_start": "2025-01-01",
                                          "period_end": "2025-12-31", "obligation": obligation.pk}, format="json")
        assert made.status_code == 201, made.content
        assert made.json()["obligation"] == obligation.pk
        url = f"{REPORTS}{made.json()['id']}/"
        assert reports_light(world, hand, SIGNED.date())["state"] == "amber"  # 20 days late, not yet sent
        assert coordinator.post(f"{url}sign-off/", {"confirmation": "WVG-2025-001 v1"},
                                format="json").status_code == 200

        obligation.refresh_from_db()
        assert (obligation.submitted_on, obligation.approved_on) == (D(2026, 4, 20), None)
        v1 = ProgressReport.objects.get(pk=made.json()["id"])
        # The frozen report says the obligation it answers went out, on the day it was signed off.
        assert v1.numbers["obligations"] == [{"kind": "yearly_content", "due_on": "2026-03-31",
                                              "submitted_on": "2026-04-20", "approved_on": None, "overdue": False}]
        assert reports_light(world, hand, SIGNED.date()) == {"state": "green", "reason": "reports_none_overdue"}

    with time_machine.travel(ASKED, tick=False):
        asked = funder.post(f"{url}request-completion/", {"comment": "De uitgaven per jaar?"}, format="json")
        assert asked.status_code == 201, asked.content
    v2 = ProgressReport.objects.get(pk=asked.json()["id"])
    obligation.refresh_from_db()
    assert v2.obligation_id == obligation.pk and asked.json()["obligation"] == obligation.pk
    assert (obligation.submitted_on, obligation.approved_on) == (D(2026, 4, 20), None)

    with time_machine.travel(RESIGNED, tick=False):
        assert coordinator.post(f"{REPORTS}{v2.pk}/sign-off/", {"confirmation": "WVG-2025-001 v2"},
                                format="json").status_code == 200
    obligation.refresh_from_db()
    assert obligation.submitted_on == D(2026, 4, 20)  # the day the report first went out
    with time_machine.travel(APPROVED, tick=False):
        assert funder.post(f"{REPORTS}{v2.pk}/approve/", {}, format="json").status_code == 200
    obligation.refresh_from_db()
    assert (obligation.submitted_on, obligation.approved_on) == (D(2026, 4, 20), D(2026, 5, 18))
    seen = funder.get(f"/api/v1/funding/obligations/{obligation.pk}/").json()
    assert (seen["submitted_on"], seen["approved_on"]) == ("2026-04-20", "2026-05-18")


def test_the_pages_offer_the_soonest_open_obligation_and_the_funders_approval_fills_it(
        world: World, hand: Hand) -> None:
    later = ReportingObligation.objects.create(grant=hand.grant, kind="financial", due_on=D(2026, 6, 30))
    sooner = ReportingObligation.objects.get(grant=hand.grant, kind="yearly_content")
    coordinator, funder = pages(world.coordinator), pages(world.funder_user)
    grant_page = f"/financiering/subsidies/{hand.grant.pk}/"

    body = choices(coordinator.get(grant_page).content.decode())
    assert f'<option value="{sooner.pk}" selected>Inhoudelijk jaarverslag, in te dienen tegen 31 mrt. 2026' in body
    assert f'<option value="{later.pk}">Financieel verslag, in te dienen tegen 30 jun. 2026' in body
    with time_machine.travel(SIGNED, tick=False):
        made = coordinator.post(grant_page, {"report-period_start": "2025-01-01", "report-period_end": "2025-12-31",
                                             "report-obligation": sooner.pk})
        assert made.status_code == 302
        report = ProgressReport.objects.get(grant=hand.grant)
        assert report.obligation_id == sooner.pk
        page = f"/financiering/rapporten/{report.pk}/"
        assert "Dit rapport antwoordt op de rapportageverplichting “Inhoudelijk jaarverslag”, in te dienen " \
               "tegen 31 mrt. 2026." in coordinator.get(page).content.decode()
        # Answered now: the next report is offered only the other obligation.
        again = choices(coordinator.get(grant_page).content.decode())
        assert f'<option value="{sooner.pk}"' not in again and f'<option value="{later.pk}" selected>' in again
        assert coordinator.post(f"{page}afronden/", {"confirmation": "WVG-2025-001 v1"}).status_code == 302
    portal = funder.get("/financiering/").content.decode()
    assert "Versie 1 · Afgerond op 20 apr. 2026" in portal and "wacht op het antwoord van de financier" in portal
    with time_machine.travel(APPROVED, tick=False):
        assert funder.post(f"{page}antwoord/", {"answer": "approve", "comment": ""}).status_code == 302
    portal = funder.get("/financiering/").content.decode()
    assert "goedgekeurd op 18 mei 2026" in portal and "wacht op het antwoord" not in portal
    sooner.refresh_from_db()
    later.refresh_from_db()
    assert (sooner.submitted_on, sooner.approved_on) == (D(2026, 4, 20), D(2026, 5, 18))
    assert (later.submitted_on, later.approved_on) == (None, None)
    assert "antwoordt op de rapportageverplichting" in funder.get(page).content.decode()


def test_a_report_without_an_obligation_touches_none(world: World, hand: Hand) -> None:
    obligation = obligation_of(hand)
    report = services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 6, 30),
                                    by=world.coordinator)
    services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    services.report_approve(report=report, by=world.funder_user)
    obligation.refresh_from_db()
    assert (obligation.submitted_on, obligation.approved_on) == (None, None)


def test_an_obligation_submitted_by_hand_keeps_its_date_and_approval_never_precedes_it(
        world: World, hand: Hand) -> None:
    obligation = obligation_of(hand)
    ReportingObligation.objects.filter(pk=obligation.pk).update(submitted_on=D(2026, 4, 2))
    with time_machine.travel(SIGNED, tick=False):
        report = services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                                        by=world.coordinator, obligation=obligation)
        services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    obligation.refresh_from_db()
    assert obligation.submitted_on == D(2026, 4, 2)
    # A submission typed by hand in the future (a typing error): the approval takes the sign-off's date.
    ReportingObligation.objects.filter(pk=obligation.pk).update(submitted_on=D(2026, 9, 1))
    with time_machine.travel(APPROVED, tick=False):
        services.report_approve(report=report, by=world.funder_user)
    obligation.refresh_from_db()
    assert (obligation.submitted_on, obligation.approved_on) == (D(2026, 4, 20), D(2026, 5, 18))


def test_an_obligation_of_another_grant_answered_or_approved_is_refused(world: World, hand: Hand) -> None:
    obligation = obligation_of(hand)
    other = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-2025-002",
                                 amount=10000, start_date=D(2025, 1, 1), end_date=D(2027, 12, 31))
    foreign = ReportingObligation.objects.create(grant=other, kind="final", due_on=D(2028, 3, 31))
    coordinator = client_for(world.coordinator)
    body = {"grant": hand.grant.pk, "period_start": "2025-01-01", "period_end": "2025-12-31"}

    wrong = coordinator.post(REPORTS, {**body, "obligation": foreign.pk}, format="json")
    assert wrong.status_code == 400 and "obligation" in wrong.json()
    assert not ProgressReport.objects.exists()
    page = pages(world.coordinator).post(f"/financiering/subsidies/{hand.grant.pk}/", {
        "report-period_start": "2025-01-01", "report-period_end": "2025-12-31", "report-obligation": foreign.pk})
    assert page.status_code == 200 and not ProgressReport.objects.exists()
    assert 'id="id_report-obligation_error"' in page.content.decode() or "errorlist" in page.content.decode()

    assert coordinator.post(REPORTS, {**body, "obligation": obligation.pk}, format="json").status_code == 201
    twice = coordinator.post(REPORTS, {**body, "obligation": obligation.pk}, format="json")
    assert twice.status_code == 400 and "obligation" in twice.json()
    assert ProgressReport.objects.count() == 1

    approved = ReportingObligation.objects.create(grant=hand.grant, kind="financial", due_on=D(2026, 3, 31),
                                                  submitted_on=D(2026, 3, 1), approved_on=D(2026, 3, 9))
    with pytest.raises(InvalidInput) as refused:
        services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                               by=world.coordinator, obligation=approved)
    assert "obligation" in refused.value.message


def test_an_obligation_outside_the_callers_scope_does_not_exist(world: World, hand: Hand) -> None:
    elsewhere = Grant.objects.create(funder=world.funder, project=world.other_project, reference="WVG-2025-009",
                                     amount=10000, start_date=D(2025, 1, 1), end_date=D(2027, 12, 31))
    hidden = ReportingObligation.objects.create(grant=elsewhere, kind="final", due_on=D(2028, 3, 31))
    made = client_for(world.coordinator).post(REPORTS, {
        "grant": hand.grant.pk, "period_start": "2025-01-01", "period_end": "2025-12-31", "obligation": hidden.pk,
    }, format="json")
    assert made.status_code == 400 and "obligation" in made.json()
    assert not ProgressReport.objects.exists()


# --- what a signed-off report froze of its obligation stays, in every channel -------------------
def _signed_off(world: World, hand: Hand, *, approve: bool = False) -> ReportingObligation:
    obligation = obligation_of(hand)
    with time_machine.travel(SIGNED, tick=False):
        report = services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                                        obligation=obligation, by=world.coordinator)
        services.report_sign_off(report=report, by=world.coordinator, confirmation="WVG-2025-001 v1")
    if approve:
        with time_machine.travel(APPROVED, tick=False):
            services.report_approve(report=report, by=world.funder_user)
    obligation.refresh_from_db()
    return obligation


def _grant_admin_form(client: Client, grant: Grant) -> dict[str, Any]:
    """The values a browser posts back from the grant's admin page, unchanged (with its inlines)."""
    response = client.get(f"/admin/funding/grant/{grant.pk}/change/")
    assert response.status_code == 200
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name in form.fields:
            value = form[name].value()
            data[form.add_prefix(name)] = "" if value is None else (
                value.isoformat() if isinstance(value, dt.date) else str(value))

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset.forms:
            add(form)
            data.pop(form.add_prefix("DELETE"), None)
    return data


def _admin_obligation_change(world: World, obligation: ReportingObligation, **changes: str) -> int:
    from tests import factories as f

    # The grant's inlines use Django's model permissions: only a superuser has them (the
    # administrator role edits obligations over the API).
    client = pages(f.UserFactory(email="root@example.be", is_staff=True, is_superuser=True))
    data = _grant_admin_form(client, obligation.grant)
    prefix = next(k.rsplit("-", 1)[0] for k, v in data.items()
                  if k.startswith("obligations-") and k.endswith("-id") and v == str(obligation.pk))
    data.update({f"{prefix}-{name}": value for name, value in changes.items()})
    response = client.post(f"/admin/funding/grant/{obligation.grant.pk}/change/", data)
    return 400 if response.status_code == 200 and b"errornote" in response.content else response.status_code


def _service_change(obligation: ReportingObligation, **changes: Any) -> int:
    values = {k: (dt.date.fromisoformat(v) if v else None) for k, v in changes.items()}
    try:
        services.obligation_save(obligation=ReportingObligation.objects.get(pk=obligation.pk), data=values)
    except InvalidInput:
        return 400
    return 200


OBLIGATION_CHANGE = {
    "api_admin": lambda w, o, **c: client_for(w.admin).patch(
        f"/api/v1/funding/obligations/{o.pk}/", c, format="json").status_code,
    "admin": _admin_obligation_change,
    "service": lambda w, o, **c: _service_change(o, **c),
}
FROZEN_CHANGES = [{"submitted_on": ""}, {"submitted_on": "2026-04-25"}, {"due_on": "2026-06-30"}]


@pytest.mark.parametrize("change", FROZEN_CHANGES, ids=["clear_submitted", "move_submitted", "move_due"])
@pytest.mark.parametrize("channel", OBLIGATION_CHANGE)
def test_a_signed_off_reports_obligation_keeps_its_submission_and_due_date(
        world: World, hand: Hand, channel: str, change: dict[str, str]) -> None:
    obligation = _signed_off(world, hand)
    assert (obligation.due_on, obligation.submitted_on) == (D(2026, 3, 31), D(2026, 4, 20))
    if channel == "api_admin":
        change = {k: v or None for k, v in change.items()}  # JSON's empty date is null

    assert OBLIGATION_CHANGE[channel](world, obligation, **change) == 400

    obligation.refresh_from_db()
    assert (obligation.due_on, obligation.submitted_on, obligation.approved_on) == (D(2026, 3, 31), D(2026, 4, 20),
                                                                                   None)


def test_the_coordinator_cannot_clear_the_submission_over_the_api_either(world: World, hand: Hand) -> None:
    obligation = _signed_off(world, hand)

    response = client_for(world.coordinator).patch(f"/api/v1/funding/obligations/{obligation.pk}/",
                                                   {"submitted_on": None}, format="json")

    assert response.status_code == 400
    assert response.json()["submitted_on"] == [
        "Het afgeronde rapport WVG-2025-001 v1 beantwoordt deze rapportageverplichting; dit kan niet meer "
        "veranderen."]
    obligation.refresh_from_db()
    assert obligation.submitted_on == D(2026, 4, 20)


@pytest.mark.parametrize("channel", OBLIGATION_CHANGE)
def test_an_approved_obligation_keeps_its_approval(world: World, hand: Hand, channel: str) -> None:
    obligation = _signed_off(world, hand, approve=True)
    assert obligation.approved_on == D(2026, 5, 18)

    assert OBLIGATION_CHANGE[channel](world, obligation, approved_on="2026-05-20") == 400

    obligation.refresh_from_db()
    assert obligation.approved_on == D(2026, 5, 18)


@pytest.mark.parametrize("channel", OBLIGATION_CHANGE)
def test_an_obligation_a_draft_or_no_report_answers_still_changes(world: World, hand: Hand, channel: str) -> None:
    obligation = obligation_of(hand)
    services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                           obligation=obligation, by=world.coordinator)

    assert OBLIGATION_CHANGE[channel](world, obligation, due_on="2026-04-30") in (200, 302)

    obligation.refresh_from_db()
    assert obligation.due_on == D(2026, 4, 30)


def test_an_answered_obligation_is_not_removed_and_an_unanswered_one_is(world: World, hand: Hand) -> None:
    from buddynet.errors import Conflict

    obligation = obligation_of(hand)
    services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                           obligation=obligation, by=world.coordinator)
    with pytest.raises(Conflict):
        services.obligation_delete(obligation=obligation)
    assert ReportingObligation.objects.filter(pk=obligation.pk).exists()
    spare = ReportingObligation.objects.create(grant=hand.grant, kind="financial", due_on=D(2026, 6, 30))
    services.obligation_delete(obligation=spare)
    assert not ReportingObligation.objects.filter(pk=spare.pk).exists()
