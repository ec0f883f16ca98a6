"""Celery tasks of funding: take ids, call one service. When the sweep runs: buddynet/schedules.py."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from buddynet.features.funding import services


# The service claims the job with a conditional update (queued → running), so a message delivered
# twice (the sweep re-enqueues what looks lost) finds nothing to claim and stops. Only database
# hiccups are retried; any other failure is kept on the job, whose page offers to ask again.
# Celery ships no type hints: its decorator is untyped (the other apps' task modules are on mypy's baseline).
@shared_task(  # type: ignore[untyped-decorator]
    name="funding.portfolio_job", autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True,
    time_limit=600, soft_time_limit=540, acks_late=True, ignore_result=True,
)
def portfolio_job_execute(job_id: int) -> str:
    job = services.portfolio_job_execute(job_id=job_id)
    return "skipped" if job is None else job.status


@shared_task(name="funding.portfolio_jobs_sweep", ignore_result=True,  # type: ignore[untyped-decorator]
             time_limit=120, soft_time_limit=100)
def portfolio_jobs_sweep() -> dict[str, int]:
    return services.portfolio_jobs_sweep()
