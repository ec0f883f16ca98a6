"""The nightly backup: in beat's schedule after migrate, off unless BACKUP_NIGHTLY, and its
retention scheme (newest archive per day for N days, per month for M months)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django_celery_beat.models import PeriodicTask

from buddynet import schedules
from buddynet.operations.services import backups_prune
from buddynet.operations.tasks import backup


@pytest.mark.django_db
def test_migrate_puts_the_heartbeat_and_the_nightly_backup_in_beats_schedule() -> None:
    rows = {row.name: row for row in PeriodicTask.objects.filter(name__startswith="operations:")}
    assert rows[schedules.HEARTBEAT].task == "operations.heartbeat"
    assert rows[schedules.HEARTBEAT].interval.every == 1
    assert rows[schedules.BACKUP].task == "operations.backup"
    assert (rows[schedules.BACKUP].crontab.hour, rows[schedules.BACKUP].crontab.minute) == ("2", "30")
    assert schedules.install() == 0  # an existing row (perhaps edited in the admin) is left alone


@pytest.mark.django_db
def test_the_nightly_task_writes_nothing_unless_switched_on(settings: Any, tmp_path: Path) -> None:
    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_NIGHTLY = False
    assert backup.apply().get() == ""
    assert list(tmp_path.iterdir()) == []


def _archive(directory: Path, when: datetime) -> Path:
    path = directory / f"buddynet-backup-{when:%Y%m%dT%H%M%SZ}.tar.gz"
    path.write_bytes(b"x")
    return path


def test_retention_keeps_the_newest_per_day_and_per_month(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1, 1, 30, tzinfo=UTC)
    nightly = [_archive(tmp_path, start + timedelta(days=d)) for d in range(100)]  # 1 Jan .. 10 Apr
    retried = _archive(tmp_path, start + timedelta(days=99, minutes=5))  # a second one on the last night
    other = tmp_path / "notes.txt"
    other.write_text("not an archive")

    removed = backups_prune(directory=tmp_path, keep_daily=7, keep_monthly=3)

    kept = sorted(p.name for p in tmp_path.glob("buddynet-backup-*"))
    expected_daily = {p.name for p in nightly[93:99]} | {retried.name}  # the last 7 days, newest of each
    expected_monthly = {"buddynet-backup-20260228T013000Z.tar.gz", "buddynet-backup-20260331T013000Z.tar.gz"}
    assert set(kept) == expected_daily | expected_monthly
    assert nightly[99] in removed  # the earlier of the last night's two
    assert other.exists()
