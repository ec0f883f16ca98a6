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
biggest size <= 1.5x the median at 1x. The time is the process's CPU time on SQLite (in memory:
the database works inside the process) and the wall time on PostgreSQL; both are printed.

Cost growth (issue 20, item 6): per path, queries and median time are fitted as cost ~ size^k
over all the sizes measured (least squares on log-log; size = check-ins in the database, 1x ->
10x -> target), and k is printed for both with a word: constant (k <= 0.15), sublinear (<= 0.6),
linear (<= 1.2), superlinear; the JSON also holds k of each step (1x -> 10x, 10x -> target).
A path whose cost follows the data shows up at once as "linear". Between 10x and the target the
people per project shrink back to 1x while the projects, years and grants grow: a coordinator's
page should be constant over that step, a funder's or administrator's list may not be.

    .venv/bin/python benchmarks/scale.py --quick            # 1x and 10x, 3 repeats (a few minutes)
    .venv/bin/python benchmarks/scale.py                    # 1x and 10x, 10 repeats
    .venv/bin/python benchmarks/scale.py --target           # 1x, 10x and the target size (slow: the
                                                            # target world alone builds in ~30 min)
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/scale.py --quick   # on PostgreSQL
    .venv/bin/python benchmarks/scale.py --target --only 'admin:'   # only the paths whose URL name
                                                            # matches the regex (re.search)

The absolute p95 depends on the machine's load: the load average is printed with it.
The last line is one JSON object with the figures and "target_met" (over the paths measured), also
written to benchmarks/results/scale.json (`--no-save`, or a subset with `--only`: not written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root
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

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "scale.json"
MAX_TIME_RATIO = 1.5
# The time the ratio and the growth are judged on. With SQLite (in memory) the whole request,
# database included, runs in this process, so its CPU time is what a quiet machine would take:
# on a shared, loaded machine the wall time also holds the waits for other processes, which moved
# paths that read no data 2-3x between runs. PostgreSQL works in its own processes: there the wall
# time is all there is. Both medians are printed.
TIME_KEY = "median_ms"
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


def paths(only: str | None = None) -> list[tuple[str, str, Any]]:
    """The measured paths (name, role, pin); `only`: those whose name matches the regex (re.search)."""
    from tests import test_query_counts as q

    found = []
    for name in sorted(q.url_names()):
        pin = q.pin_for(name)
        if only is not None and not re.search(only, name):
            continue
        if isinstance(pin, q.Measure):
            found += [(name, role, pin) for role in pin.roles]
    return found


def measure(repeat: int, only: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    from tests import test_query_counts as q

    ids = q.ids_for_demo()
    client = Client()
    ContentType.objects.clear_cache()
    result = {}
    for name, role, pin in paths(only):
        url = reverse(name) if name.endswith("_changelist") else reverse(name, kwargs=pin.kwargs(ids) or None)
        client.force_login(ids.users[role])
        client.get(url)  # warm caches (templates, translations, content types)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        queries = len(ctx.captured_queries)
        times, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        times.sort()
        p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
        result[(name, role)] = {"status": response.status_code, "queries": queries, "bytes": len(response.content),
                                "median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000,
                                "cpu_median_ms": statistics.median(cpu) * 1000}
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


GROWTH_WORDS = ((0.15, "constant"), (0.6, "sublinear"), (1.2, "linear"))


def growth_word(k: float | None) -> str:
    """constant, sublinear, linear or superlinear, for the k of cost ~ size^k."""
    if k is None:
        return "-"
    return next((word for limit, word in GROWTH_WORDS if k <= limit), "superlinear")


def queries_word(sizes: list[float], queries: list[float]) -> str:
    """As growth_word, but queries are counted, not timed: constant only when equal at every
    size; counts that differ without a trend (e.g. 9 / 7 / 9) "vary"."""
    if len(set(queries)) == 1:
        return "constant"
    word = growth_word(growth(sizes, queries))
    return "varies" if word == "constant" else word


def growth_steps(sizes: list[float], values: list[float]) -> list[float | None]:
    """k of each step between two neighbouring sizes."""
    return [growth(sizes[i:i + 2], values[i:i + 2]) for i in range(len(sizes) - 1)]


def _k(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1x and 10x, 3 repeats")
    parser.add_argument("--target", action="store_true", help="also the umbrella world (150 projects; slow)")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--no-save", action="store_true", help=f"do not write {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--only", metavar="REGEX", default=None,
                        help="measure only the paths whose URL name matches (re.search), e.g. 'admin:'")
    args = parser.parse_args()
    if args.only is not None:
        try:
            re.compile(args.only)
        except re.error as exc:
            parser.error(f"--only: not a regular expression: {exc}")
        if not paths(args.only):
            parser.error(f"--only: no measured path matches {args.only!r}")
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
    global TIME_KEY
    TIME_KEY = "cpu_median_ms" if connection.vendor == "sqlite" else "median_ms"
    load_before = os.getloadavg()
    built, runs = [], []
    with time_machine.travel(q.FROZEN, tick=True):
        for size in sizes:
            built.append(build(size))
            print(f"{size}: {built[-1]['check_ins']} check-ins, built in {built[-1]['build_s']} s", flush=True)
            runs.append(measure(repeat, args.only))
    load_after = os.getloadavg()

    data_sizes = [float(b["check_ins"]) for b in built]
    rows, failures = [], []
    for key in runs[0]:
        name, role = key
        figures = [run[key] for run in runs]
        same_queries = len({f["queries"] for f in figures}) == 1 and all(f["status"] == figures[0]["status"]
                                                                           for f in figures)
        times = [f[TIME_KEY] for f in figures]
        ratio = times[-1] / times[0]
        queries = [float(f["queries"]) for f in figures]
        report = name in REPORTS
        ok = same_queries and (report or ratio <= MAX_TIME_RATIO)
        if not ok:
            failures.append(f"{name} ({role})")
        rows.append({
            "path": name, "role": role, "status": figures[0]["status"], "report": report,
            "queries": [f["queries"] for f in figures], "bytes": [f["bytes"] for f in figures],
            "median_ms": [round(f["median_ms"], 1) for f in figures],
            "cpu_median_ms": [round(f["cpu_median_ms"], 1) for f in figures],
            "p95_ms": [round(f["p95_ms"], 1) for f in figures],
            "time_ratio": round(ratio, 2), "growth_time": _k(growth(data_sizes, times)),
            "growth_time_word": growth_word(growth(data_sizes, times)),
            "growth_time_steps": [_k(k) for k in growth_steps(data_sizes, times)],
            "growth_queries": _k(growth(data_sizes, queries)),
            "growth_queries_word": queries_word(data_sizes, queries),
            "growth_queries_steps": [_k(k) for k in growth_steps(data_sizes, queries)], "ok": ok,
        })

    head = " / ".join(sizes)
    print(f"\nload average {load_before[0]:.1f} before, {load_after[0]:.1f} after ({os.cpu_count()} cores); "
          f"database {connection.vendor}; {repeat} repeats")
    print(f"time judged on: {'CPU time of the process (SQLite in memory)' if TIME_KEY != 'median_ms' else 'wall time'}")
    print(f"| path | role | queries {head} | median ms {head} | CPU median ms {head} | p95 ms {head} | time x "
          f"| growth queries k | growth time k | ok |")
    print("|---|---|---|---|---|---|---|---|---|---|")

    def k(value: float | None, word: str) -> str:
        return "-" if value is None else f"{value:.2f} {word}"

    for r in rows:
        print(f"| {r['path']} | {r['role']} | {' / '.join(map(str, r['queries']))} | "
              f"{' / '.join(f'{v:.0f}' for v in r['median_ms'])} | "
              f"{' / '.join(f'{v:.0f}' for v in r['cpu_median_ms'])} | "
              f"{' / '.join(f'{v:.0f}' for v in r['p95_ms'])} | "
              f"{r['time_ratio']:.2f}{' (report)' if r['report'] else ''} | "
              f"{k(r['growth_queries'], r['growth_queries_word'])} | {k(r['growth_time'], r['growth_time_word'])} | "
              f"{'yes' if r['ok'] else 'NO'} |")
    words = Counter(r["growth_time_word"] for r in rows)
    print(f"\ngrowth k: cost ~ size^k fitted over {head} (size = check-ins: "
          f"{' -> '.join(str(int(s)) for s in data_sizes)}); time: "
          + ", ".join(f"{words[w]} {w}" for _l, w in (*GROWTH_WORDS, (0, "superlinear")) if words[w])
          + f"; queries: {sum(1 for r in rows if r['growth_queries_word'] != 'constant')} paths not constant")
    all_p95 = sorted(v for r in rows for v in [r["p95_ms"][-1]])
    print(f"\nworst p95 at {sizes[-1]}: {all_p95[-1]:.0f} ms; paths not meeting the target: {failures or 'none'}")
    figures = {
        "benchmark": "scale", "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "sizes": built,
        "repeat": repeat, "only": args.only, "database": connection.vendor, "cores": os.cpu_count(),
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)], "paths": len(rows),
        "time_judged_on": TIME_KEY,
        "target": f"same queries at every size; median time at {sizes[-1]} <= {MAX_TIME_RATIO}x 1x except reports",
        "growth": "k of cost ~ size^k (size = check-ins), least squares on log-log over all sizes; words: "
                  + ", ".join(f"{word} k <= {limit}" for limit, word in GROWTH_WORDS) + ", superlinear above",
        "failures": failures, "rows": rows, "target_met": not failures,
    }
    # A subset (--only) never replaces the figures of the whole run.
    if not args.no_save and args.only is None:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
