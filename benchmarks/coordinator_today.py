"""How the coordinator's Today page scales with the size of a project.

Renders Today (through Django's test client, the whole request) for a project of 50 duos and for
one of 500 (--quick: 50 and 200), in a throwaway in-memory SQLite database, and reports the
queries and the median time of each. The reference is the small project, measured in the same
run: the page must cost the same number of queries at both sizes, and ten times the duos may
cost at most four times the time (the attention list is computed over every open duo in Python,
so some growth is expected; the rendered lists are capped).

    .venv/bin/python benchmarks/coordinator_today.py [--quick] [--repeat N]

The last line is one JSON object with the figures and "target_met".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buddynet.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

import time_machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

MAX_TIME_RATIO = 4.0


def project_with(n: int, tag: str) -> tuple[Any, Any]:
    from buddynet.records.accounts.models import Role
    from buddynet.records.accounts.services import membership_grant
    from tests import factories as f
    from tests.web.test_coordinator_queries import populate

    project = f.ProjectFactory(name=f"Bench {tag}")
    coordinator = f.UserFactory(email=f"bench-{tag}@example.be")
    membership_grant(user=coordinator, role=Role.COORDINATOR, project=project)
    populate(project, coordinator, 0, n)
    return project, coordinator


def measure(project: Any, user: Any, repeat: int) -> tuple[int, float]:
    from tests.two_factor import force_login_verified

    client = Client()
    force_login_verified(client, user)  # a coordinator's session has passed the second factor
    url = reverse("web:coordinator-today", args=[project.pk])
    client.get(url)  # warm caches (templates, translations)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    # captured_queries reads the connection's log lazily, and the next request clears that log.
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return queries, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 and 200 duos, fewer repeats")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    small, large = (50, 200) if args.quick else (50, 500)
    repeat = args.repeat or (5 if args.quick else 15)

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    setup_databases(verbosity=0, interactive=False)
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=True):
        p_small, u_small = project_with(small, "small")
        p_large, u_large = project_with(large, "large")
        q_small, t_small = measure(p_small, u_small, repeat)
        q_large, t_large = measure(p_large, u_large, repeat)

    ratio = t_large / t_small
    size_ratio = large / small
    print(f"Today with {small:4d} duos: {q_small} queries, median {t_small * 1000:7.1f} ms (reference)")
    print(f"Today with {large:4d} duos: {q_large} queries, median {t_large * 1000:7.1f} ms "
          f"= {ratio:.2f}x the reference for {size_ratio:.0f}x the duos")
    target_met = q_small == q_large and ratio <= MAX_TIME_RATIO
    print(json.dumps({
        "benchmark": "coordinator_today", "duos_small": small, "duos_large": large,
        "queries_small": q_small, "queries_large": q_large,
        "ms_small": round(t_small * 1000, 2), "ms_large": round(t_large * 1000, 2),
        "time_ratio": round(ratio, 3), "target": f"same queries and time_ratio <= {MAX_TIME_RATIO}",
        "target_met": target_met,
    }))


if __name__ == "__main__":
    main()
