"""Every periodic task of buddynet, in one place, and the one mechanism that installs them.

Beat runs django-celery-beat's DatabaseScheduler (settings CELERY_BEAT_SCHEDULER): the schedule
lives in the database and administrators edit it in the admin ("Periodic tasks"), every entry in
one list. The entries below are written after each `migrate` when missing (connected in
buddynet/celery.py); an existing entry, perhaps changed in the admin, is left as it is. Times are
Europe/Brussels. The tasks are named by their Celery names, so this module imports no app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

HEARTBEAT = "operations: beat heartbeat"
BACKUP = "operations: nightly backup"


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_minutes: int | None = None  # an interval ...
    crontab: tuple[str, str] | None = None  # ... or (minute, hour) every day
    description: str = ""


SCHEDULES: tuple[Schedule, ...] = (
    # Every 5 minutes: e-mails that were never handed to the broker (it was down) or whose
    # worker died mid-delivery are enqueued again. Bounds how late a lost message can be.
    Schedule("notifications: deliver what is left", "notifications.sweep", every_minutes=5,
             description="Re-enqueue undelivered e-mail notifications."),
    # Every minute: the same for urgent kinds (a volunteer's worry), whose claim is short too, so
    # a worry lost with a broker or a worker reaches the coordinator within about two minutes.
    Schedule("notifications: deliver urgent messages left", "notifications.sweep_urgent", every_minutes=1,
             description="Re-enqueue undelivered urgent e-mail notifications (worries)."),
    # Every hour at :10: the time-based rules (reminders, quiet duos, screening, planned ends).
    # Hourly rather than daily so "meeting tomorrow" and a changed setting take effect the
    # same day; the de-duplication key keeps it to one message per cause.
    Schedule("notifications: evaluate rules", "notifications.evaluate_rules", crontab=("10", "*"),
             description="Evaluate the notification rules of every project."),
    # Every day at 07:00: one summary e-mail to each user who chose the daily digest.
    Schedule("notifications: daily digest", "notifications.send_digests", crontab=("0", "7"),
             description="Send the daily digest e-mails."),
    # Every night at 03:30: anonymise the people past retention (buddynet/security/retention.py);
    # after midnight, away from the hourly rules at :10 and the digest at 07:00.
    Schedule("security: purge data past retention", "security.purge_past_retention", crontab=("30", "3"),
             description="Anonymise participants whose retention period has ended."),
    # Every 5 minutes: portfolio reports (made off the request, issue 20) that the broker never got
    # are enqueued again, jobs whose worker was lost are marked failed (the page offers to ask
    # again), and results past PORTFOLIO_RESULT_HOURS are deleted.
    Schedule("funding: portfolio reports left", "funding.portfolio_jobs_sweep", every_minutes=5,
             description="Re-enqueue waiting portfolio reports; delete expired results."),
    # Every minute: beat's heartbeat; /healthz/detail turns red when the newest one is older than
    # HEALTH_BEAT_MAX_AGE_SECONDS (beat, or every worker, stopped). buddynet/operations/.
    Schedule(HEARTBEAT, "operations.heartbeat", every_minutes=1,
             description="Proves beat (and a worker) run: see /healthz/detail."),
    # Every night at 02:30, before the retention purge at 03:30. The task writes nothing unless
    # BACKUP_NIGHTLY=true (off by default: the archive holds every participant's data, and where
    # it goes is the administrator's decision).
    Schedule(BACKUP, "operations.backup", crontab=("30", "2"),
             description="Nightly backup to BACKUP_DIR (only with BACKUP_NIGHTLY=true)."),
)


def install() -> int:
    """Create the missing schedule rows; returns how many were created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = 0
    for entry in SCHEDULES:
        if PeriodicTask.objects.filter(name=entry.name).exists():
            continue
        fields: dict[str, Any] = {"name": entry.name, "task": entry.task, "description": entry.description}
        if entry.every_minutes is not None:
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=entry.every_minutes, period=IntervalSchedule.MINUTES)
        elif entry.crontab is not None:
            minute, hour = entry.crontab
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
                timezone=settings.TIME_ZONE)
        PeriodicTask.objects.create(**fields)
        created += 1
    return created


def install_after_migrate(*, app_config: Any, **kwargs: Any) -> None:
    """post_migrate is sent once per app: install once, after django-celery-beat's (its tables exist)."""
    if app_config.label == "django_celery_beat":
        install()
