"""schemathesis against /api/schema/ on a live server, all default checks, once per role.

Two runs:
- `make test`: a few examples per operation, fuzzing phase, no shrinking, fixed seed
  (reproducible: a failure prints a curl line to replay).
- the stateful run (SCHEMATHESIS_STATEFUL=1, its own step in .ci/run): more examples and the
  stateful phase, which follows the schema's links (buddynet/openapi.py crud_links: create, then
  read, change and delete that record), bounded by a time budget per role
  (SCHEMATHESIS_SECONDS_PER_ROLE, default 30: four roles, about three minutes with start-up).
JUnit reports are kept under test-results/schemathesis/ (gitignored) for CI to keep as an
artifact; the settings are in tests/security/schemathesis.toml."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from tests.conftest import make_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "test-results" / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "2"))
# The administrator last: its writes and deletes may change the records the others would see.
ROLES = ("volunteer_user", "funder_user", "coordinator", "admin")


STATEFUL = os.environ.get("SCHEMATHESIS_STATEFUL") == "1"
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_MAX_EXAMPLES", "100"))
SECONDS_PER_ROLE = int(os.environ.get("SCHEMATHESIS_SECONDS_PER_ROLE", "30"))


def test_the_api_passes_schemathesis_for_every_role(live_server: Any) -> None:
    _run_for_every_role(live_server, [(["--max-examples", str(MAX_EXAMPLES), "--phases", "examples,fuzzing"], "")])


@pytest.mark.skipif(not STATEFUL, reason="the stateful run is its own CI step (SCHEMATHESIS_STATEFUL=1)")
def test_the_api_passes_schemathesis_with_the_stateful_phase_for_every_role(live_server: Any) -> None:
    # Two runs per role: --max-time bounds a whole run, and fuzzing alone would spend all of it.
    fuzzing_seconds = max(1, SECONDS_PER_ROLE * 2 // 5)
    _run_for_every_role(live_server, [
        (["--max-examples", str(STATEFUL_EXAMPLES), "--phases", "examples,fuzzing", "--max-time", str(fuzzing_seconds)],
         "-fuzzing"),
        (["--max-examples", str(STATEFUL_EXAMPLES), "--phases", "stateful",
          "--max-time", str(SECONDS_PER_ROLE - fuzzing_seconds)], "-stateful"),
    ])


def _run_for_every_role(live_server: Any, runs: list[tuple[list[str], str]]) -> None:
    """Each role in turn, each of `runs` (schemathesis options, report name suffix) for it."""
    world = make_world()
    REPORTS.mkdir(parents=True, exist_ok=True)
    # The schema is fetched once, with time to spare, and given to every run as a file: each run
    # loading it from the server would generate it again, and on a busy machine that can outlast
    # schemathesis' 10-second loading timeout.
    schema = REPORTS / "schema.json"
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=120) as answer:  # noqa: S310  (http on loopback)
        schema.write_bytes(answer.read())
    failures = []
    for role, (options, suffix) in ((role, run) for role in ROLES for run in runs):
        token, _created = Token.objects.get_or_create(user=getattr(world, role))
        result = subprocess.run(
            [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", str(schema), "--url", live_server.url,
             *options, "--seed", "20261125", "--no-shrink", "--workers", "1", "--request-timeout", "20",
             "--report", "junit", "--report-junit-path", str(REPORTS / f"{role}{suffix}.xml")],
            capture_output=True, text=True, timeout=600, cwd=REPO, env={**os.environ, "BUDDYNET_API_TOKEN": token.key},
        )
        (REPORTS / f"{role}{suffix}.txt").write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            failures.append(f"--- {role}{suffix} (exit {result.returncode}) ---\n{result.stdout[-6000:]}\n"
                            f"{result.stderr[-2000:]}")
    assert not failures, "\n".join(failures)
