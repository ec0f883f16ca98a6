"""Nightly retention purge (buddynet/security/retention.py), scheduled in buddynet/schedules.py."""

from __future__ import annotations

from celery import shared_task

from buddynet.security import purge, retention


# Each person is anonymised in its own transaction and a done one is skipped next time
# (anonymised_at is set), so a purge cut short by the time limit simply continues next night.
@shared_task(name="security.purge_past_retention", ignore_result=True, time_limit=1800, soft_time_limit=1700)
def purge_past_retention() -> int:
    done = sum(len(ids) for ids in retention.retention_purge().values())
    # Then what has its own period (buddynet/security/purge.py): people who never got past
    # screening or intake, sign-in attempts, the oldest audit log entries.
    return done + sum(purge.purge_beyond_retention().values())
