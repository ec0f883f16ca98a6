"""Celery tasks of the notifications engine. They take ids and call one service each.

When each runs is declared in buddynet/schedules.py (django-celery-beat).
"""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.utils import timezone

from notifications import rules, services

logger = logging.getLogger(__name__)

# Hard limit below the claim leases (NOTIFICATIONS_CLAIM_SECONDS, 300 s; urgent kinds 50 s): a
# delivery that is killed for running too long has lost its claim before anyone else may take
# the row. (SMTP's own timeout, EMAIL_TIMEOUT, is shorter still.)
DELIVER_LIMITS = {"time_limit": 45, "soft_time_limit": 35}

# After a publish failed, this process leaves publishing to the sweeps for a few seconds instead
# of making every request during a broker outage wait for its own timeout (issue 21 item 10).
# Process-local on purpose: it only remembers "the broker just failed here"; the rows are in the
# outbox, and the urgent sweep (every minute) and the general one (every 5 minutes) send them.
BROKER_BACKOFF_SECONDS = 15.0
_broker_failed_at: float | None = None


def enqueue_deliveries(ids: list[int], *, from_sweep: bool = False) -> int:
    """Hand e-mail rows to the broker (after commit). A broker that is down only delays them:
    the rows stay in the outbox and the sweep enqueues them again. Never raises, and never holds
    a request long: one quick try with short socket timeouts (settings BROKER_*_TIMEOUT), and
    none at all for a few seconds after a failure in this process."""
    global _broker_failed_at
    if not ids:
        return 0
    if (not from_sweep and _broker_failed_at is not None
            and time.monotonic() - _broker_failed_at < BROKER_BACKOFF_SECONDS):
        logger.info("broker failed moments ago: %d notification(s) left to the sweep", len(ids))
        return 0
    sent = 0
    for pk in ids:
        try:
            # retry=False: the request that caused the message must not hang on a dead broker.
            deliver.apply_async((pk,), retry=False)
        except Exception as exc:
            if not deliver.app.conf.task_always_eager:  # a broker failure, not a task's own exception
                _broker_failed_at = time.monotonic()
            logger.warning("broker unavailable, %d notification(s) left to the sweep: %s", len(ids) - sent, exc)
            return sent
        sent += 1
    _broker_failed_at = None
    return sent


@shared_task(name="notifications.deliver", bind=True, max_retries=10, acks_late=True, ignore_result=True,
             **DELIVER_LIMITS)
def deliver(self, notification_id: int) -> str:  # type: ignore[no-untyped-def]
    """One attempt at an e-mail; a failed one is retried with backoff until the row's attempts
    reach NOTIFICATIONS_MAX_ATTEMPTS (the row, not this message, counts: the sweep may have
    started a fresh chain), then it is marked failed."""
    outcome, delay = services.notification_deliver(notification_id=notification_id)
    if outcome == "retry" and delay is not None and self.request.retries < self.max_retries:
        raise self.retry(countdown=delay)
    return outcome


@shared_task(name="notifications.sweep", ignore_result=True, time_limit=120, soft_time_limit=100)
def sweep() -> int:
    """Re-enqueue every immediate e-mail that is still undelivered and unclaimed."""
    ids = services.undelivered_ids()
    if ids:
        logger.info("sweep: re-enqueueing %d undelivered notification(s)", len(ids))
    return enqueue_deliveries(ids, from_sweep=True)


@shared_task(name="notifications.sweep_urgent", ignore_result=True, time_limit=50, soft_time_limit=40)
def sweep_urgent() -> int:
    """Every minute: the urgent kinds (a volunteer's worry) that were never enqueued or were lost
    with a worker, so none waits more than about two minutes (issue 21 item 14)."""
    ids = services.undelivered_ids(urgent_only=True)
    if ids:
        logger.info("urgent sweep: re-enqueueing %d undelivered notification(s)", len(ids))
    return enqueue_deliveries(ids, from_sweep=True)


@shared_task(name="notifications.evaluate_rules", ignore_result=True, time_limit=600, soft_time_limit=540)
def evaluate_rules() -> int:
    """Evaluate every time-based rule for every project; writes what is due (de-duplicated)."""
    return len(rules.evaluate(today=timezone.localdate()))


@shared_task(name="notifications.send_digests", ignore_result=True, time_limit=120, soft_time_limit=100)
def send_digests() -> int:
    user_ids = services.digest_recipient_ids()
    for user_id in user_ids:
        deliver_digest.apply_async((user_id,))
    return len(user_ids)


@shared_task(name="notifications.deliver_digest", bind=True, max_retries=3, acks_late=True, ignore_result=True,
             **DELIVER_LIMITS)
def deliver_digest(self, user_id: int) -> int:  # type: ignore[no-untyped-def]
    try:
        return services.digest_deliver(user_id=user_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=services.retry_delay(self.request.retries + 1)) from exc
