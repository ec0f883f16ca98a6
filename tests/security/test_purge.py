"""Retention beyond the records (issue 16): people who never got past screening or intake, sign-in
attempts and the audit log are purged after their set periods, by the nightly task."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog

from buddynet.records.people.models import Participant, Volunteer
from buddynet.security import purge, tasks
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db
D = dt.date


def at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(3, 30), tzinfo=dt.UTC), tick=False)


def test_people_who_never_got_past_screening_or_intake_are_anonymised_after_twelve_months(world: World) -> None:
    with at(D(2025, 1, 10)):
        applicant = f.VolunteerFactory(project=world.project, status=Volunteer.Status.APPLICANT,
                                       criminal_record_checked_on=None, first_name="Annelies")
        in_screening = f.VolunteerFactory(project=world.project, status=Volunteer.Status.SCREENING,
                                          training_date=None, first_name="Sander")
        in_intake = f.ParticipantFactory(project=world.project, status=Participant.Status.INTAKE, consent_date=None,
                                         consent_scope="", first_name="Yasmina")
    with at(D(2025, 6, 1)):
        recent = f.VolunteerFactory(project=world.project, status=Volunteer.Status.APPLICANT, first_name="Recent")
    with at(D(2026, 1, 9)):
        assert purge.never_past_screening() == ([], [])
    with at(D(2026, 1, 11)):
        done = tasks.purge_past_retention.apply().get()

    assert done >= 3
    for person in (applicant, in_screening, in_intake):
        person.refresh_from_db()
        assert person.anonymised_at is not None and person.first_name in ("Vrijwilliger", "Deelnemer")
    recent.refresh_from_db()
    world.volunteer.refresh_from_db()
    assert recent.anonymised_at is None and world.volunteer.anonymised_at is None  # an active volunteer stays
    with at(D(2026, 1, 12)):
        assert purge.never_past_screening() == ([], [])  # done once


def test_a_volunteer_with_a_duo_is_not_purged_as_never_screened(world: World) -> None:
    with at(D(2024, 1, 10)):
        Volunteer.objects.filter(pk=world.volunteer.pk).update(status=Volunteer.Status.SCREENING)
    with at(D(2026, 1, 11)):
        volunteers, _participants = purge.never_past_screening()

    assert world.volunteer not in volunteers


def test_sign_in_attempts_and_the_audit_log_are_kept_for_their_periods(world: World, settings: Any) -> None:
    settings.SIGN_IN_ATTEMPTS_RETENTION_DAYS = 90
    settings.AUDIT_LOG_RETENTION_DAYS = 730
    rows = {"user_agent": "x", "ip_address": "192.0.2.1", "username": "alice@example.be", "http_accept": "*/*",
            "path_info": "/"}
    for n, day in enumerate((D(2025, 1, 1), D(2025, 3, 1))):
        with at(day):
            AccessAttempt.objects.create(**{**rows, "user_agent": f"browser {n}"}, get_data="", post_data="",
                                         failures_since_start=1)
            AccessLog.objects.create(**rows)
            AccessFailureLog.objects.create(**rows)
    LogEntry.objects.all().update(timestamp=dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
    with at(D(2025, 1, 1)):
        kept_entry = f.ParticipantFactory(project=world.project)  # a fresh audit entry
    kept = LogEntry.objects.filter(timestamp__gte=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).count()
    assert kept >= 1 and kept_entry.pk

    with at(D(2025, 5, 1)):  # 120 days after the first attempts, 61 after the second
        attempts = purge.sign_in_attempts_purge()
        entries = purge.audit_log_purge()

    assert attempts == 3
    assert AccessAttempt.objects.count() == AccessLog.objects.count() == AccessFailureLog.objects.count() == 1
    assert entries >= 1
    assert LogEntry.objects.count() == kept
