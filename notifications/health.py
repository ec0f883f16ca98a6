"""The outbox's check for /healthz/detail (settings.HEALTH_CHECKS, buddynet/operations/health.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from notifications.models import NOT_DELIVERED, Channel, Notification


@dataclasses.dataclass
class OutboxAge(HealthCheck):
    """Red when an e-mail meant to go out at once is still undelivered after
    HEALTH_OUTBOX_MAX_AGE_MINUTES: delivery is stuck (mail server, worker, broker). Digest rows
    wait for the daily digest by design and are left out; failed ones are in the admin."""

    async def run(self) -> None:
        # In the request's own thread (thread-sensitive), on the request's database connection.
        await sync_to_async(self._check)()

    def _check(self) -> None:
        oldest = (Notification.objects.filter(NOT_DELIVERED, channel=Channel.EMAIL, digest=False)
                  .order_by("created_at").values_list("created_at", flat=True).first())
        if oldest is None:
            return
        age = timezone.now() - oldest
        if age > timedelta(minutes=settings.HEALTH_OUTBOX_MAX_AGE_MINUTES):
            raise ServiceUnavailable(f"Oldest undelivered e-mail is {int(age.total_seconds() // 60)} minutes old")
