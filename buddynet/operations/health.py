"""/healthz/detail: every part an instance needs, through django-health-check.

The checks (settings.HEALTH_CHECKS) are django-health-check HealthCheck classes: its Database
check, and here the broker (bounded, as /healthz), a live worker (a Celery ping with a short
timeout), beat's last heartbeat, and the free disk space of var/ and the media folder;
notifications/health.py adds the age of the oldest undelivered e-mail. Any red check answers 500
(django-health-check's convention) with each check's state; `?format=json` or an
`Accept: application/json` header gives JSON, `?format=openmetrics` a Prometheus scrape.

Shown to administrators (signed in, second factor confirmed) and to monitoring that sends
`Authorization: Bearer <HEALTH_TOKEN>`; to anyone else 404, as if it did not exist. Messages
name the failing part, never a host, a password or a person.
"""

from __future__ import annotations

import dataclasses
import datetime
import hmac
import shutil
from pathlib import Path
from typing import Any

import celery
from asgiref.sync import sync_to_async
from celery.app import app_or_default
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from buddynet.health import broker_ping
from buddynet.operations.models import Heartbeat
from buddynet.operations.tasks import BACKUP, BEAT
from buddynet.records.accounts.selectors import roles_of


@dataclasses.dataclass
class Broker(HealthCheck):
    """The broker answers one bounded ping (the same as /healthz's)."""

    def run(self) -> None:
        try:
            broker_ping()
        except Exception as exc:
            raise ServiceUnavailable(f"Broker unreachable ({exc.__class__.__name__})") from exc


@dataclasses.dataclass
class Worker(Ping):
    """At least one Celery worker answers a ping and consumes the default queue."""

    app: celery.Celery = dataclasses.field(default_factory=app_or_default, repr=False)
    timeout: datetime.timedelta = dataclasses.field(
        default_factory=lambda: datetime.timedelta(seconds=settings.HEALTH_WORKER_TIMEOUT_SECONDS), repr=False)
    # The first answer is enough ("a live worker"): without a limit the ping always waits out its
    # whole timeout, and the queue inspection after it then overran the check's budget.
    limit: int | None = dataclasses.field(default=1, repr=False)


@dataclasses.dataclass
class BeatHeartbeat(HealthCheck):
    """Beat sends the heartbeat task every minute and a worker records it: an old (or no)
    heartbeat means beat is not running (or no worker runs its tasks)."""

    async def run(self) -> None:
        # In the request's own thread (thread-sensitive), on the request's database connection.
        await sync_to_async(self._check)()

    def _check(self) -> None:
        beat = Heartbeat.objects.filter(name=BEAT).values_list("at", flat=True).first()
        if beat is None:
            raise ServiceUnavailable("No heartbeat of beat yet")
        age = (timezone.now() - beat).total_seconds()
        if age > settings.HEALTH_BEAT_MAX_AGE_SECONDS:
            raise ServiceUnavailable(f"Beat's last heartbeat is {int(age)} s old")


@dataclasses.dataclass
class LastBackup(HealthCheck):
    """With nightly backups on (BACKUP_NIGHTLY), a backup completed within the last
    HEALTH_BACKUP_MAX_AGE_HOURS: a nightly backup that fails (pg_dump missing or too old, a full
    or read-only BACKUP_DIR) turns red the next day instead of being found at the day of restore.
    Any complete `manage.py backup` counts. With nightly backups off there is nothing to expect."""

    async def run(self) -> None:
        await sync_to_async(self._check)()

    def _check(self) -> None:
        if not settings.BACKUP_NIGHTLY:
            return
        last = Heartbeat.objects.filter(name=BACKUP).values_list("at", flat=True).first()
        if last is None:
            raise ServiceUnavailable("No backup yet (make one: manage.py backup)")
        hours = (timezone.now() - last).total_seconds() / 3600
        if hours > settings.HEALTH_BACKUP_MAX_AGE_HOURS:
            raise ServiceUnavailable(f"The last complete backup is {int(hours)} h old")


def _watched_folders() -> dict[str, Path]:
    folders = {"var": Path(settings.VAR_DIR)}
    if isinstance(default_storage, FileSystemStorage):  # media on S3 have no local disk to watch
        folders["media"] = Path(default_storage.location)
    return folders


@dataclasses.dataclass
class DiskSpace(HealthCheck):
    """Free space on the disks of var/ (SQLite, broker files, backups) and the local media folder."""

    def run(self) -> None:
        minimum = settings.HEALTH_DISK_MIN_FREE_MB * 1024 * 1024
        for label, folder in _watched_folders().items():
            existing = next((p for p in (folder, *folder.parents) if p.exists()), folder)
            free = shutil.disk_usage(existing).free
            if free < minimum:
                raise ServiceUnavailable(f"Disk of {label} has {free // (1024 * 1024)} MB free")


def health_token_matches(request: HttpRequest) -> bool:
    token = str(settings.HEALTH_TOKEN)
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def may_see_detailed_health(request: HttpRequest) -> bool:
    if health_token_matches(request):
        return True
    user = request.user
    # TwoFactorMiddleware already kept office sessions without a confirmed second factor out.
    return bool(user.is_authenticated and roles_of(user).administrator)


class DetailedHealthView(HealthCheckView):
    @property
    def checks(self) -> list[Any]:  # type: ignore[override]
        return list(settings.HEALTH_CHECKS)

    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        if not await sync_to_async(may_see_detailed_health)(request):
            raise Http404
        return await super().dispatch(request, *args, **kwargs)
