"""What the nightly retention task purges besides the records past their project's retention
(buddynet/security/retention.py), each period set in the settings (env) and said in
docs/security.md:

- people who never got past the first step: volunteers still "applicant" or "in screening" and
  participants still "in intake" (no consent recorded), with no duo ever, whose record has not
  changed for UNSCREENED_RETENTION_MONTHS (12): anonymised like anyone past retention;
- sign-in attempts (django-axes: attempts, the access log and the failure log) older than
  SIGN_IN_ATTEMPTS_RETENTION_DAYS (90): deleted;
- the audit log (django-auditlog) older than AUDIT_LOG_RETENTION_DAYS (730): deleted. The
  application never edits an entry; only this purge removes the oldest ones.

Each step is safe to run twice: what it handled no longer matches its query.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from buddynet.dates import add_months
from buddynet.records.people.models import Participant, Volunteer
from buddynet.security import retention


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def never_past_screening(*, today: date | None = None) -> tuple[list[Volunteer], list[Participant]]:
    """Volunteers and participants who never got past screening or intake, unchanged for the
    set period, not yet anonymised, with no duo at all."""
    today = today or timezone.localdate()
    before = _start_of(add_months(today, -settings.UNSCREENED_RETENTION_MONTHS))
    volunteers = list(Volunteer.objects.filter(
        status__in=(Volunteer.Status.APPLICANT, Volunteer.Status.SCREENING), anonymised_at=None,
        updated_at__lt=before, duos__isnull=True,
    ).order_by("pk"))
    participants = list(Participant.objects.filter(
        status=Participant.Status.INTAKE, consent_date=None, anonymised_at=None, updated_at__lt=before,
        duos__isnull=True,
    ).order_by("pk"))
    return volunteers, participants


def sign_in_attempts_purge(*, today: date | None = None) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    before = _start_of((today or timezone.localdate()) - timedelta(days=settings.SIGN_IN_ATTEMPTS_RETENTION_DAYS))
    return sum(model.objects.filter(attempt_time__lt=before).delete()[0]
               for model in (AccessAttempt, AccessLog, AccessFailureLog))


def audit_log_purge(*, today: date | None = None) -> int:
    from auditlog.models import LogEntry

    before = _start_of((today or timezone.localdate()) - timedelta(days=settings.AUDIT_LOG_RETENTION_DAYS))
    deleted: int = LogEntry.objects.filter(timestamp__lt=before).delete()[0]
    return deleted


def purge_beyond_retention(*, today: date | None = None) -> dict[str, int]:
    """Every purge of this module; how many rows or people each handled."""
    volunteers, participants = never_past_screening(today=today)
    for volunteer in volunteers:
        retention.volunteer_anonymise(volunteer=volunteer)  # one transaction each
    for participant in participants:
        retention.participant_anonymise(participant=participant)
    return {
        "volunteers_never_screened": len(volunteers),
        "participants_never_past_intake": len(participants),
        # After the anonymisations, whose own audit entries are new.
        "sign_in_attempts": sign_in_attempts_purge(today=today),
        "audit_log_entries": audit_log_purge(today=today),
    }
