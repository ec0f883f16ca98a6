"""A real Celery worker consumes `buddynet.ping` from a real broker and returns "pong".

- filesystem: the embedded default (kombu's filesystem transport, file:// results), in a
  temporary BUDDYNET_VAR_DIR shared by the worker and the client, so no var/ is touched;
- redis: the Redis broker CI's service run configures (skipped without it, failed in that run).

The client is a separate process with the same environment as the worker: it builds its
Celery configuration from buddynet.settings exactly as the worker does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import require_redis
from tests.integration.processes import VENV_BIN, in_group, stop, tail, wait_for

pytestmark = pytest.mark.slow

CLIENT = "from buddynet.celery import ping; print(ping.delay().get(timeout=60))"
WAIT_SECONDS = 90


def _env(tmp_path: Path, broker: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(
        BUDDYNET_VAR_DIR=str(tmp_path / "var"),
        # The worker never needs the real database (a ping reads no row), but Django's Celery
        # fixup may open a connection around a task: a throwaway SQLite file under var/.
        DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'worker.sqlite3'}",
        DJANGO_SETTINGS_MODULE="buddynet.settings",
        PYTHONUNBUFFERED="1",
    )
    if broker == "redis":
        env["CELERY_BROKER_URL"] = require_redis()
        if os.environ.get("CELERY_RESULT_BACKEND"):
            env["CELERY_RESULT_BACKEND"] = os.environ["CELERY_RESULT_BACKEND"]
    return env


@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_a_real_worker_answers_ping(broker: str, tmp_path: Path) -> None:
    env = _env(tmp_path, broker)
    log = tmp_path / "worker.log"
    name = f"pytest-{uuid.uuid4().hex[:8]}@%h"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "buddynet", "worker", "--pool=solo", "--concurrency=1",
             "--loglevel=info", "--hostname", name],
            # Not the repository: whatever the worker writes relative to its working directory
            # shows up here (kombu's default control folder once did).
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            process_group=0,
        )
    client = None
    try:
        # Sent whether or not the worker is ready yet: the broker keeps it until it is.
        client = subprocess.Popen(
            [sys.executable, "-c", CLIENT], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        done = wait_for(lambda: client.poll() is not None or worker.poll() is not None, WAIT_SECONDS)
        assert worker.poll() is None, f"the worker exited with {worker.returncode}:\n{tail(log)}"
        assert done, f"no answer within {WAIT_SECONDS}s; worker log:\n{tail(log)}"
        stdout, stderr = client.communicate(timeout=10)
        assert client.returncode == 0, f"{stderr}\nworker log:\n{tail(log)}"
        assert stdout.strip() == "pong"
        assert wait_for(lambda: "buddynet.ping" in log.read_text() and "succeeded" in log.read_text(), 10), tail(log)
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.communicate()
        stop(worker)

    assert worker.returncode == 0, f"the worker did not shut down cleanly:\n{tail(log)}"
    assert "Warm shutdown" in log.read_text()
    assert in_group(worker.pid) == [], "the worker left processes behind"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["var", "worker.log"], "written outside var/"
