"""Benchmark: the funder's portfolio report over the demo data at 1x and 4x scale.

    .venv/bin/python benchmarks/reports.py            # 28 projects (the Flemish portfolio)
    .venv/bin/python benchmarks/reports.py --quick    # 6 projects

Builds `manage.py demo --projects N --scale S` data (grants of three years per project) in a
throwaway SQLite database, then times the portfolio report (numbers, and the HTML and PDF made
from them) and counts its queries. The reference is the 1x run in the same process; the 4x run has
four times the volunteers, participants, duos and check-ins. Target: the query count does not
grow with the data (equal at 1x and 4x). Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# A throwaway database: the benchmark writes thousands of demo rows.
_tmp = tempfile.mkdtemp(prefix="buddynet-bench-reports-")
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ["BUDDYNET_VAR_DIR"] = _tmp
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buddynet.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from buddynet.demo import data as demo  # noqa: E402
from buddynet.features.funding import render, reports  # noqa: E402
from buddynet.features.funding.models import Funder, Grant  # noqa: E402
from buddynet.records.duos.models import CheckIn, Duo  # noqa: E402


def measure(*, projects: int, scale: int, repeats: int) -> dict[str, Any]:
    demo.build(scale=scale, projects=projects)
    funder = Funder.objects.get(name=demo.FUNDER_NAME)
    start = min(Grant.objects.filter(funder=funder).values_list("start_date", flat=True))
    end = timezone.localdate()
    reports.portfolio_report(funder=funder, start=start, end=end)  # warm-up: caches, imports
    with CaptureQueriesContext(connection) as ctx:
        numbers = reports.portfolio_report(funder=funder, start=start, end=end)
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        reports.portfolio_report(funder=funder, start=start, end=end)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    html = render.html_document(numbers)
    html_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = render.pdf_bytes(numbers)
    pdf_seconds = time.perf_counter() - t0
    return {
        "scale": scale, "grants": len(numbers["rows"]), "duos": Duo.objects.count(),
        "check_ins": CheckIn.objects.count(), "queries": queries, "numbers_seconds": min(times),
        "html_seconds": html_seconds, "pdf_seconds": pdf_seconds, "pdf_bytes": len(pdf), "html_bytes": len(html),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 projects instead of 28")
    parser.add_argument("--projects", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    projects = args.projects or (6 if args.quick else 28)
    translation.activate("nl-be")
    call_command("migrate", verbosity=0)
    runs = [measure(projects=projects, scale=s, repeats=args.repeats) for s in (1, 4)]
    one, four = runs
    for r in runs:
        print(f"scale {r['scale']}x: {r['grants']} grants, {r['duos']} duos, {r['check_ins']} check-ins -> "
              f"{r['queries']} queries, numbers {r['numbers_seconds'] * 1000:.1f} ms, HTML {r['html_seconds']:.2f} s, "
              f"PDF {r['pdf_seconds']:.2f} s ({r['pdf_bytes'] // 1024} KiB)")
    data_ratio = four["check_ins"] / max(1, one["check_ins"])
    time_ratio = four["numbers_seconds"] / one["numbers_seconds"]
    print(f"4x/1x: check-ins x{data_ratio:.2f}, queries {one['queries']} -> {four['queries']}, "
          f"numbers time x{time_ratio:.2f}")
    print(json.dumps({
        "benchmark": "reports", "projects": projects,
        "duos": [one["duos"], four["duos"]], "check_ins": [one["check_ins"], four["check_ins"]],
        "queries": [one["queries"], four["queries"]],
        "numbers_ms": [round(one["numbers_seconds"] * 1000, 1), round(four["numbers_seconds"] * 1000, 1)],
        "pdf_s": [round(one["pdf_seconds"], 2), round(four["pdf_seconds"], 2)],
        "data_ratio": round(data_ratio, 2), "time_ratio": round(time_ratio, 2),
        "target": "queries at 4x data == queries at 1x data",
        "target_met": four["queries"] == one["queries"],
    }))


if __name__ == "__main__":
    main()
