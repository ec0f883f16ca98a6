"""Notifications against a real Redis and a real Celery worker process: nothing is lost, nothing
is sent twice.

Each test starts its OWN redis-server on a free port (the machine's shared Redis on 6379 is
never stopped) and a real worker (prefork pool, as `make run` starts it) on the test database,
which therefore must be PostgreSQL: a worker process cannot see SQLite's in-memory test
database. E-mail goes through Django's file-based backend into a temporary folder, so the test
process can count what the worker really sent.

Run in CI's PostgreSQL + Redis run; on the embedded run (SQLite, filesystem broker)
require_redis() skips — or fails when BUDDYNET_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from buddynet.records.duos import services as duo_services
from notifications import tasks
from notifications.models import Channel, Kind, Notification
from tests.conftest import World, client_for, make_world, require_postgres, require_redis, services_required
from tests.integration.processes import REPO, VENV_BIN, free_port, port_accepts, stop, tail, wait_for
from tests.notifications.brokers import use_broker

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 90
CONCERN = {"date": "2025-08-02", "duration_minutes": 45, "mode": "phone", "concern": True,
           "concern_note": "Ze eet niet meer goed."}


@dataclass
class OwnRedis:
    """A redis-server of this test only, on its own port, that the test may stop and restart."""

    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if services_required():
                pytest.fail("BUDDYNET_REQUIRE_SERVICES is set but redis-server is not installed")
            pytest.skip("needs the redis-server binary")
        log = (self.workdir / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            # Persistent, as a production broker is: its queues and bindings outlive a restart.
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--dir", str(self.workdir)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, process_group=0,
        )
        assert wait_for(lambda: port_accepts(self.port), 20), tail(self.workdir / "redis.log")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=20)
            self.proc = None
        assert wait_for(lambda: not port_accepts(self.port), 20)


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def succeeded(self, task: str) -> int:
        return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", self.text()))

    def kill(self) -> None:
        """SIGKILL to the worker and its pool process: no shutdown, no ack, nothing written."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=20)


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def redis(tmp_path: Path, transactional_db: Any) -> Iterator[OwnRedis]:
    require_redis()  # CI's service run; the embedded run skips here
    require_postgres()
    server = OwnRedis(tmp_path)
    server.start()
    try:
        with use_broker(server.url):
            yield server
    finally:
        server.stop()


@pytest.fixture
def start_worker(tmp_path: Path, redis: OwnRedis) -> Iterator[Any]:
    started: list[Worker] = []
    mail = tmp_path / "mail"
    mail.mkdir()

    def start(*, email_backend: str = "django.core.mail.backends.filebased.EmailBackend") -> Worker:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        env.update(
            DJANGO_SETTINGS_MODULE="buddynet.settings", PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO),
            BUDDYNET_VAR_DIR=str(tmp_path / "var"), DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=redis.url, CELERY_RESULT_BACKEND="",
            EMAIL_BACKEND=email_backend, EMAIL_FILE_PATH=str(mail),
            BLOCKING_EMAIL_MARKER=str(tmp_path / "sending"),
            # Short claims and no grace, so the test needs seconds, not minutes, of real time.
            NOTIFICATIONS_CLAIM_SECONDS="3", NOTIFICATIONS_SWEEP_GRACE_SECONDS="0",
        )
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(VENV_BIN / "celery"), "-A", "buddynet", "worker", "--pool=prefork", "--concurrency=1",
                 "--loglevel=info", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--hostname", f"pytest-{uuid.uuid4().hex[:8]}@%h"],
                cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                process_group=0,
            )
        worker = Worker(proc, log)
        started.append(worker)
        assert wait_for(lambda: "ready." in worker.text() or proc.poll() is not None, WAIT), tail(log)
        assert proc.poll() is None, tail(log)
        return worker

    yield start
    for worker in started:
        if worker.proc.poll() is None:
            stop(worker.proc)


def sent_copies(mail: Path, notification_id: int) -> int:
    """How many messages with this notification's Message-ID the worker wrote."""
    needle = f"Message-ID: <notification-{notification_id}@"
    return sum(path.read_text(errors="replace").count(needle) for path in mail.glob("*.log"))


def concern_email() -> Notification:
    return Notification.objects.get(kind=Kind.CONCERN_RAISED, channel=Channel.EMAIL)


def run_sweep(worker: Worker) -> None:
    """What beat does every five minutes, here at once: the sweep goes through the broker."""
    before = worker.succeeded("notifications.sweep")
    tasks.sweep.delay()
    assert wait_for(lambda: worker.succeeded("notifications.sweep") > before, WAIT), tail(worker.log)


def test_a_check_in_saved_while_the_broker_is_down_is_emailed_once_the_broker_is_back(
        redis: OwnRedis, start_worker: Any, tmp_path: Path) -> None:
    world = make_world()
    worker = start_worker()
    redis.stop()

    response = client_for(world.volunteer_user).post(
        "/api/v1/check-ins/", {"duo": world.duo.pk, **CONCERN}, format="json")

    assert response.status_code == 201, response.content
    email = concern_email()
    assert email.sent_at is None and email.attempts == 0  # waiting in the outbox, not lost

    redis.start()
    run_sweep(worker)
    assert wait_for(lambda: sent_copies(tmp_path / "mail", email.pk) >= 1, WAIT), tail(worker.log)
    run_sweep(worker)  # a later sweep finds nothing left to do

    assert sent_copies(tmp_path / "mail", email.pk) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1
    mail = "".join(p.read_text() for p in (tmp_path / "mail").glob("*.log"))
    assert "To: alice@example.be" in mail and "Zorg gemeld over het duo Bert & Marieke" in mail
    assert worker.proc.poll() is None, "the worker survived the broker outage"


def test_a_worker_killed_mid_delivery_delivers_after_restart_and_nobody_gets_it_twice(
        redis: OwnRedis, start_worker: Any, tmp_path: Path) -> None:
    world = make_world()
    hanging = start_worker(email_backend="tests.notifications.backends.HangingEmailBackend")
    duo_services.check_in_record(duo=world.duo, author=world.volunteer_user, client_uuid=uuid.uuid4(),
                                 data={**CONCERN, "date": dt.date(2025, 8, 2)})
    email = concern_email()

    assert wait_for(lambda: (tmp_path / "sending").exists(), WAIT), tail(hanging.log)  # mid-delivery
    hanging.kill()
    email.refresh_from_db()
    assert (email.sent_at, email.attempts) == (None, 1)
    assert email.claimed_until is not None

    worker = start_worker()
    # The dead worker's claim runs out (3 s here; 5 minutes in production), then the sweep
    # hands the row to the new worker.
    assert wait_for(lambda: Notification.objects.filter(pk=email.pk, claimed_until__lte=timezone.now()).exists(),
                    WAIT)
    run_sweep(worker)
    assert wait_for(lambda: sent_copies(tmp_path / "mail", email.pk) >= 1, WAIT), tail(worker.log)
    # The killed worker's own task message comes back one day (Redis' visibility timeout):
    before = worker.succeeded("notifications.deliver")
    tasks.deliver.delay(email.pk)
    assert wait_for(lambda: worker.succeeded("notifications.deliver") > before, WAIT), tail(worker.log)

    assert sent_copies(tmp_path / "mail", email.pk) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 2
    coordinators_mail = "".join(p.read_text() for p in (tmp_path / "mail").glob("*.log"))
    assert coordinators_mail.count("To: alice@example.be") == 1


def test_a_rolled_back_check_in_sends_nothing(redis: OwnRedis, start_worker: Any, tmp_path: Path) -> None:
    world: World = make_world()
    worker = start_worker()

    with pytest.raises(RuntimeError), transaction.atomic():
        duo_services.check_in_record(duo=world.duo, author=world.volunteer_user, client_uuid=uuid.uuid4(),
                                     data={**CONCERN, "date": dt.date(2025, 8, 2)})
        raise RuntimeError("the request failed after the check-in was saved")
    run_sweep(worker)

    assert Notification.objects.count() == 0
    assert list((tmp_path / "mail").glob("*")) == []
    assert worker.succeeded("notifications.deliver") == 0
