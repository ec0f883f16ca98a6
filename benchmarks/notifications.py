"""Benchmark: one evaluation of every notification rule on demo data, at 1x and 4x the duos.

    .venv/bin/python benchmarks/notifications.py           # 28 projects, scale 3 (~2,000 duos) vs 12
    .venv/bin/python benchmarks/notifications.py --quick   # 28 projects, scale 1 vs 4

Builds `manage.py demo --projects 28 --scale N` in a throw-away SQLite file (a temporary
BUDDYNET_VAR_DIR; the broker is Celery's in-memory one, so no queue files are written), then
times one rules sweep (notifications.rules.evaluate: load, evaluate, one INSERT, enqueue on
commit) and counts its database queries; then a second sweep the same day, in which everything
is a duplicate (the steady state of the hourly schedule). The target: the query count of a
sweep does not grow with the number of duos (4x equals 1x, for both sweeps).
Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.TemporaryDirectory(prefix="buddynet-bench-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="buddynet.settings",
    BUDDYNET_VAR_DIR=_tmp.name,
    DATABASE_URL=f"sqlite:///{Path(_tmp.name) / 'bench.sqlite3'}",
    CELERY_BROKER_URL="memory://",
    CELERY_RESULT_BACKEND="",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from buddynet.demo import data as demo  # noqa: E402
from buddynet.records.duos.models import CheckIn, Duo  # noqa: E402
from notifications import rules  # noqa: E402
from notifications.models import Notification  # noqa: E402


def sweep() -> dict[str, float | int]:
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        inserted = rules.evaluate(today=today)
        seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 4), "queries": len(ctx.captured_queries), "new_rows": len(inserted)}


def measure(*, projects: int, scale: int) -> dict[str, object]:
    started = time.perf_counter()
    demo.build(scale=scale, projects=projects)
    built = time.perf_counter() - started
    Notification.objects.all().delete()
    rules.load(today=timezone.localdate())  # warm the content-type cache, as a running worker has it
    first = sweep()
    steady = sweep()
    figures = {
        "scale": scale, "duos": Duo.objects.count(), "check_ins": CheckIn.objects.count(),
        "build_seconds": round(built, 1), "first": first, "steady": steady,
    }
    print(f"scale {scale:>2}: {figures['duos']:>6} duos, {figures['check_ins']:>7} check-ins (built in {built:.0f} s)"
          f" | first sweep {first['seconds']:.3f} s, {first['queries']} queries, {first['new_rows']} rows"
          f" | steady sweep {steady['seconds']:.3f} s, {steady['queries']} queries, {steady['new_rows']} rows",
          flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="scale 1 vs 4 instead of 3 vs 12")
    parser.add_argument("--projects", type=int, default=28)
    args = parser.parse_args()
    base = 1 if args.quick else 3
    call_command("migrate", verbosity=0)
    one = measure(projects=args.projects, scale=base)
    four = measure(projects=args.projects, scale=4 * base)
    ratio_time = four["first"]["seconds"] / max(one["first"]["seconds"], 1e-9)  # type: ignore[index]
    ratio_duos = four["duos"] / max(one["duos"], 1)  # type: ignore[operator]
    print(f"4x data: {ratio_duos:.2f}x duos, first sweep takes {ratio_time:.2f}x the time; "
          f"queries {one['first']['queries']} -> {four['first']['queries']} (first), "  # type: ignore[index]
          f"{one['steady']['queries']} -> {four['steady']['queries']} (steady)")  # type: ignore[index]
    target_met = (one["first"]["queries"] == four["first"]["queries"]  # type: ignore[index]
                  and one["steady"]["queries"] == four["steady"]["queries"])  # type: ignore[index]
    print(json.dumps({
        "benchmark": "notifications_rules_sweep", "projects": args.projects,
        "x1": one, "x4": four, "duo_ratio": round(ratio_duos, 2), "time_ratio_first_sweep": round(ratio_time, 2),
        "target": "queries of one sweep at 4x data == at 1x (first and steady sweeps)",
        "target_met": target_met,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
