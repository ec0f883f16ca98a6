"""Each time-based rule with controlled time: not before its day, once on it, not twice.

`world.duo` (Bert & Marieke, project Buddy Gent) is active since 2025-07-15 with one check-in
on 2025-08-01; its volunteer Bert signs in as bob, its coordinator is alice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from buddynet.features.funding.models import Grant, ReportingObligation
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos.models import Duo, DuoStatus
from buddynet.records.people.models import Project
from notifications import rules
from notifications.models import Channel, Kind, Notification, ProjectRules
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def world(world: World) -> World:
    # The outsider's duo is closed, so every message below is about world.project.
    Duo.objects.filter(pk=world.other_duo.pk).update(status=DuoStatus.CLOSED, closed_on=D(2025, 7, 20),
                                                     closure_reason="other")
    return world


def fire(day: dt.date, kind: str) -> list[tuple[str, str]]:
    """Evaluate the rules at 06:00 on `day`; the new inbox messages of `kind` as (recipient, key)."""
    with time_machine.travel(dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC), tick=False):
        inserted = rules.evaluate(today=day)
    rows = Notification.objects.filter(pk__in=[i.id for i in inserted], channel=Channel.INBOX, kind=kind)
    return sorted((n.recipient.email, n.dedup_key) for n in rows)


def new_duo(world: World, **dates: Any) -> Duo:
    return f.DuoFactory(participant=f.ParticipantFactory(project=world.project, first_name="Fatima"),
                        volunteer=f.VolunteerFactory(project=world.project, first_name="Jan"), **dates)


# --- volunteer ----------------------------------------------------------------------------
def test_a_volunteer_is_reminded_once_after_the_projects_cadence_without_contact(world: World) -> None:
    key = f"check_in_reminder:duo:{world.duo.pk}:2025-08-01"

    assert fire(D(2025, 8, 14), Kind.CHECK_IN_REMINDER) == []
    assert fire(D(2025, 8, 15), Kind.CHECK_IN_REMINDER) == [("bob@example.be", key)]
    assert fire(D(2025, 8, 16), Kind.CHECK_IN_REMINDER) == []
    assert fire(D(2025, 8, 15), Kind.CHECK_IN_REMINDER) == []  # the same day again (hourly beat)
    # a new contact starts a new count
    f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=D(2025, 8, 20))
    assert fire(D(2025, 9, 2), Kind.CHECK_IN_REMINDER) == []
    assert fire(D(2025, 9, 3), Kind.CHECK_IN_REMINDER) == [
        ("bob@example.be", f"check_in_reminder:duo:{world.duo.pk}:2025-08-20")]


def test_the_reminder_follows_the_projects_own_cadence(world: World) -> None:
    world.project.contact_cadence_days = 7
    world.project.save()

    assert fire(D(2025, 8, 7), Kind.CHECK_IN_REMINDER) == []
    assert len(fire(D(2025, 8, 8), Kind.CHECK_IN_REMINDER)) == 1


def test_a_paused_duo_gets_no_reminder(world: World) -> None:
    Duo.objects.filter(pk=world.duo.pk).update(status=DuoStatus.PAUSED, paused_on=D(2025, 8, 5))

    assert fire(D(2025, 8, 20), Kind.CHECK_IN_REMINDER) == []


def test_a_volunteer_hears_the_day_before_a_planned_meeting_once(world: World) -> None:
    Duo.objects.filter(pk=world.duo.pk).update(next_meeting_on=D(2025, 9, 10))
    key = f"meeting_tomorrow:duo:{world.duo.pk}:2025-09-10"

    assert fire(D(2025, 9, 8), Kind.MEETING_TOMORROW) == []
    assert fire(D(2025, 9, 9), Kind.MEETING_TOMORROW) == [("bob@example.be", key)]
    assert fire(D(2025, 9, 9), Kind.MEETING_TOMORROW) == []
    assert fire(D(2025, 9, 10), Kind.MEETING_TOMORROW) == []
    message = Notification.objects.get(kind=Kind.MEETING_TOMORROW, channel=Channel.INBOX)
    assert message.subject == "Morgen zie je Marieke"
    assert "Peeters" not in message.body  # a volunteer's message names the buddy's first name only


def test_a_project_can_switch_a_rule_off(world: World) -> None:
    ProjectRules.objects.create(project=world.project, disabled_kinds=[Kind.MEETING_TOMORROW])
    Duo.objects.filter(pk=world.duo.pk).update(next_meeting_on=D(2025, 9, 10))

    assert fire(D(2025, 9, 9), Kind.MEETING_TOMORROW) == []


# --- coordinator --------------------------------------------------------------------------
def test_a_slow_first_month_alerts_the_coordinator_once(world: World) -> None:
    duo = new_duo(world, introduced_on=D(2025, 8, 25), started_on=D(2025, 9, 1))
    f.CheckInFactory(duo=duo, date=D(2025, 9, 5))  # 1 of the 2 expected contacts
    key = f"duo_quiet:duo:{duo.pk}:first_month"

    assert fire(D(2025, 9, 30), Kind.DUO_QUIET) == [("alice@example.be", f"duo_quiet:duo:{world.duo.pk}:2025-08-01")]
    assert fire(D(2025, 10, 1), Kind.DUO_QUIET) == [("alice@example.be", key)]
    assert fire(D(2025, 10, 2), Kind.DUO_QUIET) == []
    # while the first-month alert stands (its second month) the silence alert waits, then comes once
    assert fire(D(2025, 10, 30), Kind.DUO_QUIET) == []
    assert fire(D(2025, 10, 31), Kind.DUO_QUIET) == [("alice@example.be", f"duo_quiet:duo:{duo.pk}:2025-09-05")]
    assert fire(D(2025, 11, 1), Kind.DUO_QUIET) == []


def test_a_duo_that_goes_quiet_after_a_good_start_alerts_once(world: World) -> None:
    duo = new_duo(world, introduced_on=D(2025, 8, 25), started_on=D(2025, 9, 1))
    f.CheckInFactory(duo=duo, date=D(2025, 9, 3))
    f.CheckInFactory(duo=duo, date=D(2025, 9, 10))
    key = f"duo_quiet:duo:{duo.pk}:2025-09-10"

    assert [k for k in fire(D(2025, 10, 9), Kind.DUO_QUIET) if k[1].startswith(f"duo_quiet:duo:{duo.pk}:")] == []
    assert fire(D(2025, 10, 10), Kind.DUO_QUIET) == [("alice@example.be", key)]
    assert fire(D(2025, 10, 11), Kind.DUO_QUIET) == []


def test_the_silence_alert_follows_the_projects_quiet_days(world: World) -> None:
    world.project.quiet_alert_days = 45
    world.project.save()
    duo = new_duo(world, introduced_on=D(2025, 8, 25), started_on=D(2025, 9, 1))
    f.CheckInFactory(duo=duo, date=D(2025, 9, 3))
    f.CheckInFactory(duo=duo, date=D(2025, 9, 10))

    assert [k for k in fire(D(2025, 10, 24), Kind.DUO_QUIET) if str(duo.pk) in k[1]] == []
    assert fire(D(2025, 10, 25), Kind.DUO_QUIET) == [("alice@example.be", f"duo_quiet:duo:{duo.pk}:2025-09-10")]


def test_a_new_duo_without_a_check_in_alerts_once_after_14_days(world: World) -> None:
    duo = new_duo(world, status=DuoStatus.INTRODUCED, introduced_on=D(2025, 9, 1), started_on=None)
    key = f"new_duo_no_check_in:duo:{duo.pk}"

    assert fire(D(2025, 9, 14), Kind.NEW_DUO_NO_CHECK_IN) == []
    assert fire(D(2025, 9, 15), Kind.NEW_DUO_NO_CHECK_IN) == [("alice@example.be", key)]
    assert fire(D(2025, 9, 16), Kind.NEW_DUO_NO_CHECK_IN) == []


def test_a_new_duo_with_a_check_in_raises_nothing(world: World) -> None:
    duo = new_duo(world, status=DuoStatus.INTRODUCED, introduced_on=D(2025, 9, 1), started_on=None)
    f.CheckInFactory(duo=duo, date=D(2025, 9, 2))

    assert fire(D(2025, 9, 15), Kind.NEW_DUO_NO_CHECK_IN) == []


def test_a_duo_nearing_its_planned_end_alerts_once_30_days_before(world: World) -> None:
    Duo.objects.filter(pk=world.duo.pk).update(planned_end_on=D(2026, 7, 15))
    key = f"duo_ending:duo:{world.duo.pk}:2026-07-15"

    assert fire(D(2026, 6, 14), Kind.DUO_ENDING) == []
    assert fire(D(2026, 6, 15), Kind.DUO_ENDING) == [("alice@example.be", key)]
    assert fire(D(2026, 6, 16), Kind.DUO_ENDING) == []
    assert fire(D(2026, 7, 16), Kind.DUO_ENDING) == []


def test_a_screening_that_expires_alerts_once_30_days_before(world: World) -> None:
    # checked 2025-02-15, valid 36 months by default: expires 2028-02-15 — for both projects'
    # volunteers, and each coordinator hears of their own project's volunteer only
    key = f"screening_expiring:volunteer:{world.volunteer.pk}:2028-02-15"
    other = f"screening_expiring:volunteer:{world.other_volunteer.pk}:2028-02-15"

    assert fire(D(2028, 1, 15), Kind.SCREENING_EXPIRING) == []
    assert fire(D(2028, 1, 16), Kind.SCREENING_EXPIRING) == [("alice@example.be", key), ("charlie@example.be", other)]
    assert fire(D(2028, 1, 17), Kind.SCREENING_EXPIRING) == []


def test_the_coordinator_is_alerted_on_the_day_the_extract_expires(world: World) -> None:
    # checked 2025-02-15, valid 36 months: it stops counting on 2028-02-15 (people/screening.py),
    # the day the volunteer drops out of the pool and duo creation refuses them.
    key = f"screening_expired:volunteer:{world.volunteer.pk}:2028-02-15"
    other = f"screening_expired:volunteer:{world.other_volunteer.pk}:2028-02-15"

    assert fire(D(2028, 2, 14), Kind.SCREENING_EXPIRED) == []
    assert fire(D(2028, 2, 15), Kind.SCREENING_EXPIRED) == [("alice@example.be", key), ("charlie@example.be", other)]
    assert fire(D(2028, 2, 15), Kind.SCREENING_EXPIRED) == []  # evaluated again that day: once
    assert fire(D(2028, 2, 16), Kind.SCREENING_EXPIRED) == []
    assert fire(D(2028, 2, 15), Kind.SCREENING_EXPIRING) == []  # no "expires soon" on the day itself
    message = Notification.objects.get(kind=Kind.SCREENING_EXPIRED, channel=Channel.INBOX,
                                       recipient=world.coordinator)
    assert message.subject == "Screening van Bert Janssens vandaag verlopen"


def test_a_project_sets_its_own_screening_validity_and_warning(world: World) -> None:
    Project.objects.filter(pk=world.project.pk).update(screening_valid_months=12)
    ProjectRules.objects.create(project=world.project, screening_warn_days=10)

    assert fire(D(2026, 2, 4), Kind.SCREENING_EXPIRING) == []
    assert fire(D(2026, 2, 5), Kind.SCREENING_EXPIRING) == [
        ("alice@example.be", f"screening_expiring:volunteer:{world.volunteer.pk}:2026-02-15")]
    message = Notification.objects.get(kind=Kind.SCREENING_EXPIRING, channel=Channel.INBOX)
    assert message.subject == "Screening van Bert Janssens verloopt op 15 februari 2026"


def test_an_inactive_coordinator_hears_nothing(world: World) -> None:
    world.coordinator.is_active = False
    world.coordinator.save()
    Duo.objects.filter(pk=world.duo.pk).update(planned_end_on=D(2026, 7, 15))

    assert fire(D(2026, 6, 15), Kind.DUO_ENDING) == []


# --- coordinator and funder: reporting obligations ------------------------------------------
def grant_of(project: Any, funder: Any, reference: str = "WVG-GENT-1") -> Grant:
    return Grant.objects.create(funder=funder, project=project, reference=reference, amount=Decimal("40000"),
                                start_date=D(2025, 1, 1), end_date=D(2027, 12, 31))


@pytest.fixture
def obligation(world: World) -> ReportingObligation:
    """The yearly content report of world.project's grant from world.funder, due 31 March 2026."""
    return ReportingObligation.objects.create(grant=grant_of(world.project, world.funder), kind="yearly_content",
                                              due_on=D(2026, 3, 31))


def test_a_report_due_in_14_days_reaches_the_coordinator_and_the_funder_once(
        world: World, obligation: ReportingObligation) -> None:
    key = f"obligation_due:obligation:{obligation.pk}:2026-03-31"

    assert fire(D(2026, 3, 16), Kind.OBLIGATION_DUE) == []  # 15 days before: not yet
    assert fire(D(2026, 3, 17), Kind.OBLIGATION_DUE) == [("alice@example.be", key), ("funder@example.be", key)]
    assert fire(D(2026, 3, 17), Kind.OBLIGATION_DUE) == []  # the same day again (hourly beat)
    assert fire(D(2026, 3, 18), Kind.OBLIGATION_DUE) == []
    assert fire(D(2026, 3, 31), Kind.OBLIGATION_DUE) == []  # the due day itself: still the one message
    assert fire(D(2026, 3, 31), Kind.OBLIGATION_OVERDUE) == []  # due today is not overdue
    # the coordinator is sent to the grant page, the funder to the portal; nobody else hears of it
    rows = Notification.objects.filter(kind=Kind.OBLIGATION_DUE, channel=Channel.INBOX)
    assert {(n.recipient.email, n.link) for n in rows} == {
        ("alice@example.be", reverse("funding:grant", args=[obligation.grant_id])),
        ("funder@example.be", reverse("funding:portal")),
    }
    alice = rows.get(recipient=world.coordinator)
    assert alice.subject == "Rapport voor Buddy Gent verwacht op 31 maart 2026"
    assert alice.body == "Inhoudelijk jaarverslag voor Buddy Gent (Departement WVG): in te dienen op 31 maart 2026."
    assert (alice.content_type.model, alice.object_id) == ("reportingobligation", obligation.pk)


def test_an_overdue_report_is_announced_once(world: World, obligation: ReportingObligation) -> None:
    key = f"obligation_overdue:obligation:{obligation.pk}:2026-03-31"

    assert fire(D(2026, 3, 31), Kind.OBLIGATION_OVERDUE) == []
    assert fire(D(2026, 4, 1), Kind.OBLIGATION_OVERDUE) == [("alice@example.be", key), ("funder@example.be", key)]
    assert fire(D(2026, 4, 1), Kind.OBLIGATION_OVERDUE) == []
    assert fire(D(2026, 4, 2), Kind.OBLIGATION_OVERDUE) == []
    assert fire(D(2026, 6, 1), Kind.OBLIGATION_OVERDUE) == []
    assert fire(D(2026, 4, 2), Kind.OBLIGATION_DUE) == []  # past due: no "due soon" either
    # a new due date (the funder granted a delay) is a new cause
    ReportingObligation.objects.filter(pk=obligation.pk).update(due_on=D(2026, 6, 30))
    assert fire(D(2026, 6, 30), Kind.OBLIGATION_OVERDUE) == []
    assert len(fire(D(2026, 7, 1), Kind.OBLIGATION_OVERDUE)) == 2


def test_a_submitted_report_raises_nothing(world: World, obligation: ReportingObligation) -> None:
    ReportingObligation.objects.filter(pk=obligation.pk).update(submitted_on=D(2026, 3, 10))

    assert fire(D(2026, 3, 17), Kind.OBLIGATION_DUE) == []
    assert fire(D(2026, 4, 1), Kind.OBLIGATION_OVERDUE) == []


def test_a_report_submitted_late_is_not_announced_again(world: World, obligation: ReportingObligation) -> None:
    assert len(fire(D(2026, 4, 1), Kind.OBLIGATION_OVERDUE)) == 2
    ReportingObligation.objects.filter(pk=obligation.pk).update(submitted_on=D(2026, 4, 3))

    assert fire(D(2026, 4, 4), Kind.OBLIGATION_OVERDUE) == []


def test_a_project_sets_its_own_warning_for_reports_and_can_switch_them_off(
        world: World, obligation: ReportingObligation) -> None:
    rules_ = ProjectRules.objects.create(project=world.project, obligation_warn_days=30)

    assert fire(D(2026, 2, 28), Kind.OBLIGATION_DUE) == []
    assert len(fire(D(2026, 3, 1), Kind.OBLIGATION_DUE)) == 2
    rules_.disabled_kinds = [Kind.OBLIGATION_OVERDUE]
    rules_.save()
    assert fire(D(2026, 4, 1), Kind.OBLIGATION_OVERDUE) == []


def test_report_reminders_go_to_their_own_project_and_funder_only_each_person_once(
        world: World, obligation: ReportingObligation) -> None:
    other_funder = f.FunderFactory(name="Stad Brugge")
    other_viewer = f.UserFactory(email="brugge@example.be", language="en")
    membership_grant(user=other_viewer, role=Role.FUNDER, funder=other_funder)
    theirs = ReportingObligation.objects.create(grant=grant_of(world.other_project, other_funder, "BRUGGE-1"),
                                                kind="financial", due_on=D(2026, 3, 31))
    # alice also views world.funder's portfolio: she hears of her project's report once
    membership_grant(user=world.coordinator, role=Role.FUNDER, funder=world.funder)
    gone = f.UserFactory(email="gone@example.be", is_active=False)
    membership_grant(user=gone, role=Role.FUNDER, funder=world.funder)

    assert fire(D(2026, 3, 17), Kind.OBLIGATION_DUE) == sorted([
        ("alice@example.be", f"obligation_due:obligation:{obligation.pk}:2026-03-31"),
        ("funder@example.be", f"obligation_due:obligation:{obligation.pk}:2026-03-31"),
        ("charlie@example.be", f"obligation_due:obligation:{theirs.pk}:2026-03-31"),
        ("brugge@example.be", f"obligation_due:obligation:{theirs.pk}:2026-03-31"),
    ])
    alice = Notification.objects.get(recipient=world.coordinator, kind=Kind.OBLIGATION_DUE, channel=Channel.INBOX)
    assert alice.link == reverse("funding:grant", args=[obligation.grant_id])  # as coordinator, not as funder
    english = Notification.objects.get(recipient=other_viewer, kind=Kind.OBLIGATION_DUE, channel=Channel.EMAIL)
    assert english.subject == "Report for Buddy Brugge due on 31 March 2026"  # day first, in English too
    assert english.body == "Financial report for Buddy Brugge (Stad Brugge): due on 31 March 2026."


# --- cost ---------------------------------------------------------------------------------
def _queries_of_one_sweep(day: dt.date) -> int:
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        assert rules.evaluate(today=day)
    return len(ctx.captured_queries)


def test_one_sweep_costs_as_many_queries_for_many_duos_and_reports_as_for_one(world: World) -> None:
    day = D(2025, 10, 15)
    funder = f.FunderFactory(name="Fonds")
    ReportingObligation.objects.create(grant=grant_of(world.project, funder, "G-0"), kind="financial",
                                       due_on=D(2025, 10, 20))
    rules.evaluate(today=day)  # warm-up: content types are cached after the first use
    one = _queries_of_one_sweep(day)
    for n in range(12):
        duo = new_duo(world, introduced_on=D(2025, 8, 1), started_on=D(2025, 8, 10),
                      next_meeting_on=D(2025, 10, 16), planned_end_on=D(2025, 11, 1))
        f.CheckInFactory(duo=duo, date=D(2025, 8, 12 + n))
        # more grants, funders with their own viewers, reports due soon and overdue
        other_funder = f.FunderFactory(name=f"Fonds {n}")
        membership_grant(user=f.UserFactory(), role=Role.FUNDER, funder=other_funder)
        grant = grant_of(world.project if n % 2 else world.other_project, other_funder, f"G-{n + 1}")
        ReportingObligation.objects.create(grant=grant, kind="financial", due_on=D(2025, 10, 20))
        ReportingObligation.objects.create(grant=grant, kind="yearly_content", due_on=D(2025, 9, 30))
    many = _queries_of_one_sweep(day)

    assert Notification.objects.filter(kind=Kind.DUO_ENDING, channel=Channel.INBOX).count() == 12
    # 13 due: each to its project's coordinator (and the 12 with a viewer, to that funder's viewer)
    assert Notification.objects.filter(kind=Kind.OBLIGATION_DUE, channel=Channel.INBOX).count() == 13 + 12
    assert Notification.objects.filter(kind=Kind.OBLIGATION_OVERDUE, channel=Channel.INBOX).count() == 12 + 12
    assert many == one
