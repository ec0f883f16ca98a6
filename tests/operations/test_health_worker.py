"""A real Celery worker makes the detailed health's worker check green; killed, it turns red.

The worker and the check run in processes of their own with the same environment (a temporary
BUDDYNET_VAR_DIR), on the embedded filesystem broker and on Redis (CI's service run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.processes import REPO, VENV_BIN, descendants, kill_all, stop, tail, wait_for
from tests.integration.test_worker import _env

pytestmark = pytest.mark.slow

CHECK = ("import asyncio, django; django.setup(); from buddynet.operations.health import Worker; "
         "result = asyncio.run(Worker().get_result()); print('OK' if result.error is None else result.error)")


def _check(tmp_path: Path, env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_a_killed_worker_turns_the_worker_check_red(broker: str, tmp_path: Path) -> None:
    env = _env(tmp_path, broker)
    env["HEALTH_WORKER_TIMEOUT_SECONDS"] = "2"
    # This checkout's code, whichever checkout the venv's editable install points at.
    env["PYTHONPATH"] = str(REPO)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "buddynet", "worker", "--pool=prefork", "--concurrency=1",
             "--loglevel=info", "--hostname", f"pytest-{uuid.uuid4().hex[:8]}@%h"],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        assert wait_for(lambda: _check(tmp_path, env) == "OK" or worker.poll() is not None, 90, interval=1), (
            f"the worker never answered the ping:\n{tail(log)}")
        assert worker.poll() is None, tail(log)

        # Killed outright (the OOM killer, a power cut): no goodbye to the broker.
        children = descendants(worker.pid)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        kill_all(children)

        assert _check(tmp_path, env) == "Unavailable: Celery workers unavailable"
    finally:
        stop(worker)
