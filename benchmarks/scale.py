"""Every page and API path at 1x and at a bigger data size, as its role (issue 20).

Builds the demo (`manage.py demo`) at each size in a throwaway database and renders every path
that tests/test_query_counts.py measures (the same PINS: pages, API lists and details, admin
change lists), as the role given there, through Django's test client (the whole request in
process: middleware, views, templates, serializers). Per path and size: queries, response
bytes, median and p95 server time. The reference is the same path at 1x in the same run.

Sizes: 1x is the small demo (3 projects); 10x has ten times the people per project (a
coordinator's lists grow tenfold); the target (`--target`, slow) is the umbrella world of
150 projects in 40 organisations over three years (demo.TARGET).

Targets (target_met): the same number of queries at every size for every path (no N+1); and for
every path whose content does not grow with the data (all but REPORTS), median time at the
biggest size <= 1.5x the median at 1x. Growth per path is fitted as time ~ size^k over the sizes
(size = check-ins in the database), k printed: k near 0 is flat, near 1 is linear in the data.

    .venv/bin/python benchmarks/scale.py --quick            # 1x and 10x, 3 repeats (a few minutes)
    .venv/bin/python benchmarks/scale.py                    # 1x and 10x, 10 repeats
    .venv/bin/python benchmarks/scale.py --target           # 1x, 10x and the target size (slow)
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/scale.py --quick   # on PostgreSQL

The absolute p95 depends on the machine's load: the load average is printed with it.
The last line is one JSON object with the figures and "target_met".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buddynet.settings")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

MAX_TIME_RATIO = 1.5
# Paths whose content grows with the data by design (a report over a period, a whole project):
# their queries must stay the same, their time may grow.
REPORTS = frozenset({"funding:portal", "funding:portfolio", "funding:report", "v1:funding-report-detail",
                     "v1:funding-grant-totals", "admin:index"})


def build(size: str) -> dict[str, Any]:
    from buddynet.demo import data as demo
    from buddynet.records.duos.models import CheckIn

    started = time.perf_counter()
    if size == "1x":
        demo.build(scale=1, projects=3)
    elif size == "10x":
        demo.build(scale=10, projects=3)
    else:
        demo.build(world=demo.TARGET)
    return {"size": size, "check_ins": CheckIn.objects.count(), "build_s": round(time.perf_counter() - started, 1)}


def paths() -> list[tuple[str, str, Any]]:
    from tests import test_query_counts as q

    found = []
    for name in sorted(q.url_names()):
        pin = q.pin_for(name)
        if isinstance(pin, q.Measure):
            found += [(name, role, pin) for role in pin.roles]
    return found


def measure(repeat: int) -> dict[tuple[str, str], dict[str, Any]]:
    from tests import test_query_counts as q

    ids = q.ids_for_demo()
    client = Client()
    ContentType.objects.clear_cache()
    result = {}
    for name, role, pin in paths():
        url = reverse(name) if name.endswith("_changelist") else reverse(name, kwargs=pin.kwargs(ids) or None)
        client.force_login(ids.users[role])
        client.get(url)  # warm caches (templates, translations, content types)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        queries = len(ctx.captured_queries)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        times.sort()
        p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
        result[(name, role)] = {"status": response.status_code, "queries": queries, "bytes": len(response.content),
                                "median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000}
    return result


def growth(sizes: list[float], values: list[float]) -> float | None:
    """Least-squares slope of log(value) on log(size): the k in value ~ size^k."""
    pairs = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if s > 0 and v > 0]
    if len(pairs) < 2:
        return None
    mx = statistics.fmean(x for x, _ in pairs)
    my = statistics.fmean(y for _, y in pairs)
    den = sum((x - mx) ** 2 for x, _ in pairs)
    return sum((x - mx) * (y - my) for x, y in pairs) / den if den else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1x and 10x, 3 repeats")
    parser.add_argument("--target", action="store_true", help="also the umbrella world (150 projects; slow)")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 10)
    sizes = ["1x", "10x"] + (["target"] if args.target else [])

    from tests import test_query_counts as q

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BUDDYNET_TWO_FACTOR_REQUIRED = False  # sign-in is not what is measured
    settings.BUDDYNET_SESSION_POLICY = {}
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    setup_databases(verbosity=0, interactive=False)
    load_before = os.getloadavg()
    built, runs = [], []
    with time_machine.travel(q.FROZEN, tick=True):
        for size in sizes:
            built.append(build(size))
            print(f"{size}: {built[-1]['check_ins']} check-ins, built in {built[-1]['build_s']} s", flush=True)
            runs.append(measure(repeat))
    load_after = os.getloadavg()

    data_sizes = [float(b["check_ins"]) for b in built]
    rows, failures = [], []
    for key in runs[0]:
        name, role = key
        figures = [run[key] for run in runs]
        same_queries = len({f["queries"] for f in figures}) == 1 and all(f["status"] == figures[0]["status"]
                                                                           for f in figures)
        ratio = figures[-1]["median_ms"] / figures[0]["median_ms"]
        report = name in REPORTS
        ok = same_queries and (report or ratio <= MAX_TIME_RATIO)
        if not ok:
            failures.append(f"{name} ({role})")
        rows.append({
            "path": name, "role": role, "status": figures[0]["status"], "report": report,
            "queries": [f["queries"] for f in figures], "bytes": [f["bytes"] for f in figures],
            "median_ms": [round(f["median_ms"], 1) for f in figures],
            "p95_ms": [round(f["p95_ms"], 1) for f in figures],
            "time_ratio": round(ratio, 2), "growth_time": growth(data_sizes, [f["median_ms"] for f in figures]),
            "growth_queries": growth(data_sizes, [float(f["queries"]) for f in figures]), "ok": ok,
        })

    head = " / ".join(sizes)
    print(f"\nload average {load_before[0]:.1f} before, {load_after[0]:.1f} after ({os.cpu_count()} cores); "
          f"database {connection.vendor}; {repeat} repeats")
    print(f"| path | role | queries {head} | median ms {head} | p95 ms {head} | time x | growth k | ok |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        k = "" if r["growth_time"] is None else f"{r['growth_time']:.2f}"
        print(f"| {r['path']} | {r['role']} | {' / '.join(map(str, r['queries']))} | "
              f"{' / '.join(f'{v:.0f}' for v in r['median_ms'])} | {' / '.join(f'{v:.0f}' for v in r['p95_ms'])} | "
              f"{r['time_ratio']:.2f}{' (report)' if r['report'] else ''} | {k} | {'yes' if r['ok'] else 'NO'} |")
    all_p95 = sorted(v for r in rows for v in [r["p95_ms"][-1]])
    print(f"\nworst p95 at {sizes[-1]}: {all_p95[-1]:.0f} ms; paths not meeting the target: {failures or 'none'}")
    print(json.dumps({
        "benchmark": "scale", "sizes": built, "repeat": repeat, "database": connection.vendor,
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)], "paths": len(rows),
        "target": f"same queries at every size; median time at {sizes[-1]} <= {MAX_TIME_RATIO}x 1x except reports",
        "failures": failures, "rows": rows, "target_met": not failures,
    }))


if __name__ == "__main__":
    main()
