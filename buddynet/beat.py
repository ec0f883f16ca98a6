"""Exactly one Celery beat sends the schedule; a second one started by mistake only stands by.

Run one beat per installation (the Procfile's `beat`, one systemd unit on one host). Should a
second start anyway — a second host with the same units, a restart that overlaps the old process —
two beats would send every periodic task twice. The tasks are safe to run twice, but the sweeps
and digests would do their work twice for nothing. So beat takes a lock before it sends anything,
and a beat without the lock sends nothing and tries again every STANDBY_SECONDS: a hot standby
that takes over when the first one dies.

The lock dies with its holder, so a killed beat never leaves a stale lock behind:
- on PostgreSQL, a session-level advisory lock on a connection of its own (the server releases it
  when that connection ends, also when the host of the beat disappears from the network);
- on SQLite (one host by definition), an flock on var/celerybeat.lock (the kernel releases it when
  the process ends).

The schedule itself stays django-celery-beat's DatabaseScheduler (entries in the database,
editable in the admin, declared in each app's schedules.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from typing import Any

from django.conf import settings
from django.db import connections
from django_celery_beat.schedulers import DatabaseScheduler

log = logging.getLogger(__name__)

STANDBY_SECONDS = 15
# pg_advisory_lock takes a bigint; a fixed one for "buddynet beat" (any constant works, it only
# has to differ from other advisory locks in the same database).
ADVISORY_LOCK_KEY = 0x6275_6464_7962_6561  # b"buddybea"


class BeatLock:
    """A lock held by at most one beat of this installation, released when its holder dies."""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._pg: Any = None  # raw psycopg connection holding the advisory lock
        self._fd: int | None = None  # file descriptor holding the flock

    @property
    def _on_postgresql(self) -> bool:
        return connections[self.alias].vendor == "postgresql"

    def acquire(self) -> bool:
        if self.held():
            return True
        if self._on_postgresql:
            return self._acquire_advisory()
        return self._acquire_flock()

    def held(self) -> bool:
        if self._fd is not None:
            return True
        if self._pg is None:
            return False
        try:  # the server dropped the connection (restart, network): the lock is gone with it
            self._pg.execute("SELECT 1").fetchone()
        except Exception:
            log.warning("beat lost its database connection and with it the beat lock")
            self._close_pg()
            return False
        return True

    def release(self) -> None:
        self._close_pg()
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None

    def _acquire_advisory(self) -> bool:
        if self._pg is None:
            # A connection of its own, outside Django's per-thread handling (which closes idle
            # connections between ticks): the lock lives exactly as long as this connection.
            wrapper = connections.create_connection(self.alias)
            try:
                self._pg = wrapper.get_new_connection(wrapper.get_connection_params())
                self._pg.autocommit = True
            except Exception as exc:
                log.warning("beat could not reach the database for its lock: %s", exc)
                self._pg = None
                return False
        try:
            got = bool(self._pg.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]).fetchone()[0])
        except Exception as exc:
            log.warning("beat could not take its lock: %s", exc)
            self._close_pg()
            return False
        if not got:
            self._close_pg()
        return got

    def _acquire_flock(self) -> bool:
        path = settings.VAR_DIR / "celerybeat.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _close_pg(self) -> None:
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.close()
            self._pg = None


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's DatabaseScheduler that sends only while it holds the BeatLock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.beat_lock = BeatLock()
        self._standing_by = False
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.beat_lock.acquire():
            if not self._standing_by:
                log.warning("another beat holds the beat lock: this one stands by and sends nothing "
                            "(run exactly one beat; this one takes over if the other stops)")
                self._standing_by = True
            return STANDBY_SECONDS
        if self._standing_by:
            log.warning("beat lock taken: this beat now sends the schedule")
            self._standing_by = False
        return float(super().tick(*args, **kwargs))

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.beat_lock.release()
