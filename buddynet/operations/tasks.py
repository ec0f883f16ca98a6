"""Celery tasks of the operations app: take no model instances, safe to run twice."""

from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from buddynet.operations.models import Heartbeat

logger = logging.getLogger(__name__)

BEAT = "beat"
# The heartbeat of the last complete backup (manage.py backup or the nightly task): its age is
# what the detailed health reads when nightly backups are on.
BACKUP = "backup"


@shared_task(name="operations.heartbeat", time_limit=30, soft_time_limit=20)
def heartbeat() -> None:
    """Sent by beat every minute: its row's age is what the detailed health reads. Running it
    twice only moves the time forward."""
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"at": timezone.now()})


@shared_task(name="operations.backup", time_limit=6 * 60 * 60, soft_time_limit=6 * 60 * 60 - 60)
def backup() -> str:
    """The nightly backup (beat, 02:30), then the retention scheme. Does nothing unless
    BACKUP_NIGHTLY=true. A second run writes a second dated archive, which pruning removes."""
    from buddynet.operations.services import backup_create, backups_prune

    if not settings.BACKUP_NIGHTLY:
        logger.info("nightly backup skipped: BACKUP_NIGHTLY is off")
        return ""
    result = backup_create(output=Path(settings.BACKUP_DIR))
    removed = backups_prune(directory=Path(settings.BACKUP_DIR), keep_daily=settings.BACKUP_KEEP_DAILY,
                            keep_monthly=settings.BACKUP_KEEP_MONTHLY)
    logger.info("nightly backup %s; %d old archives removed", result.path, len(removed))
    return str(result.path)
