"""A real Celery worker runs a queued match run from the real broker against the real database.

The worker starts in a temporary folder, not the repository: it must still import our
`matching` app (and its task), not the PyPI package of the same name (see buddynet/__init__.py).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from matching import services
from matching.models import MatchRun
from tests import factories as f
from tests.conftest import require_postgres, require_redis
from tests.integration.processes import VENV_BIN, stop, tail, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_a_real_worker_runs_a_queued_match_run(tmp_path: Path, monkeypatch: Any) -> None:
    require_postgres()
    broker = require_redis()
    project = f.ProjectFactory()
    coordinator = f.UserFactory()
    membership_grant(user=coordinator, role=Role.COORDINATOR, project=project)
    for i in range(3):
        f.ParticipantFactory(project=project, waiting_since=dt.date.today() - dt.timedelta(days=50 + i))
        f.VolunteerFactory(project=project)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(DATABASE_URL=_database_url(), CELERY_BROKER_URL=broker, DJANGO_SETTINGS_MODULE="buddynet.settings",
               BUDDYNET_VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    if os.environ.get("CELERY_RESULT_BACKEND"):
        env["CELERY_RESULT_BACKEND"] = os.environ["CELERY_RESULT_BACKEND"]
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "buddynet", "worker", "--pool=solo", "--concurrency=1",
             "--loglevel=info", "--hostname", f"pytest-{uuid.uuid4().hex[:8]}@%h"],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        run = services.match_run_start(project=project, by=coordinator, inline=False)
        assert run.status == MatchRun.Status.QUEUED

        def finished() -> bool:
            run.refresh_from_db()
            return run.finished or worker.poll() is not None

        assert wait_for(finished, 90), f"the run is still {run.status}; worker log:\n{tail(log)}"
        assert run.status == MatchRun.Status.DONE, f"{run.error}\n{tail(log)}"
        assert run.proposals.count() == 3 and run.progress == 100
        assert "matching.run" in log.read_text()
    finally:
        stop(worker)
