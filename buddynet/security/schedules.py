"""The security app's periodic task, written into django-celery-beat's schedule after `migrate`
(the same way as notifications/schedules.py: an existing row, perhaps edited in the admin, is
left as it is). Kept here rather than in CELERY_BEAT_SCHEDULE because beat runs the
DatabaseScheduler, where administrators see and edit every schedule in one place."""

from __future__ import annotations

from typing import Any

from django.conf import settings

NAME = "security: purge data past retention"
TASK = "security.purge_past_retention"


def install() -> bool:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    if PeriodicTask.objects.filter(name=NAME).exists():
        return False
    # 03:30 Europe/Brussels: after midnight, away from the hourly rules at :10 and the digest at 07:00.
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE)
    PeriodicTask.objects.create(name=NAME, task=TASK, crontab=crontab,
                                description="Anonymise participants whose retention period has ended.")
    return True


def install_after_migrate(**kwargs: Any) -> None:
    install()
