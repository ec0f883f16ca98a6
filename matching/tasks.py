"""Celery tasks of matching: take ids, call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from matching import services


# The service claims the run with a conditional update (queued → running), so a redelivered
# task finds nothing to claim and stops. Only database hiccups are retried.
@shared_task(
    name="matching.run", autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True,
    time_limit=900, soft_time_limit=840, acks_late=True,
)
def match_run_execute(run_id: int) -> str:
    run = services.match_run_execute(run_id=run_id)
    return "skipped" if run is None else run.status
