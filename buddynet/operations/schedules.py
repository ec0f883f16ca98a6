"""The operations app's periodic tasks, written into django-celery-beat's schedule after `migrate`
(as notifications/schedules.py and security/schedules.py: an existing row, perhaps edited in
the admin, is left as it is)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

HEARTBEAT = "operations: beat heartbeat"
HEARTBEAT_TASK = "operations.heartbeat"
BACKUP = "operations: nightly backup"
BACKUP_TASK = "operations.backup"


def install() -> int:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = 0
    if not PeriodicTask.objects.filter(name=HEARTBEAT).exists():
        # Every minute: the detailed health turns red when the newest beat is older than
        # HEALTH_BEAT_MAX_AGE_SECONDS (beat, or every worker, stopped).
        every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.create(name=HEARTBEAT, task=HEARTBEAT_TASK, interval=every_minute,
                                    description="Proves beat (and a worker) run: see /healthz/detail.")
        created += 1
    if not PeriodicTask.objects.filter(name=BACKUP).exists():
        # 02:30 Europe/Brussels, before the retention purge at 03:30. The task writes nothing
        # unless BACKUP_NIGHTLY=true (off by default: the archive holds every participant's data,
        # and where it goes is the administrator's decision).
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE)
        PeriodicTask.objects.create(name=BACKUP, task=BACKUP_TASK, crontab=crontab,
                                    description="Nightly backup to BACKUP_DIR (only with BACKUP_NIGHTLY=true).")
        created += 1
    return created


def install_after_migrate(**kwargs: Any) -> None:
    install()
