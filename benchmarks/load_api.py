"""Load test of the main API paths per role (Locust) through gunicorn, at 1x and at the target size (issue 20).

    .venv/bin/python benchmarks/load_api.py --quick                        # SQLite, 1x and 10x, 1 min each
    .venv/bin/python benchmarks/load_api.py                                # SQLite, 1x and the target, 5 min each
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/buddynet_x .venv/bin/python benchmarks/load_api.py [--quick]

The same load runs against two sizes of the demo world, each in a database of its own
(PostgreSQL: a throwaway `<DATABASE_URL's database>_bench_load_<size>` on the same server;
otherwise a throwaway SQLite file) served by a gunicorn of its own, built the way
benchmarks/scale.py builds it:
- 1x: the small demo (`manage.py demo`: 3 projects, ~60 volunteers, ~360 check-ins);
- 10x (`--quick`): ten times the people per project (`manage.py demo --scale 10`);
- target: the umbrella world (`manage.py demo --target`: 150 projects in 40 organisations, three
  years, ~3,000 volunteers, ~250,000 check-ins, ~10,000 network maps, 600 grants; building it
  takes about half an hour on 2 cores).
Each world gets a signed-off progress report on the first grants, a second and further
coordinator on the projects the coordinators play, more funder viewers, and an API token for every
person the load test plays. Both sizes are built and served first, then the load takes turns on
them (1x, 10x, 10x, 1x, ...: `--rounds`, 5 turns of 1 minute each per size, `--quick` 2 of 30 s,
each after a warm-up), so that the other work on a shared machine falls on both sizes alike.
Per size:
- gunicorn (sync workers, persistent database connections) serving buddynet;
- a second process running Locust headless (benchmarks/load_api_locust.py): 100 volunteers (10–20 s
  between two requests), 30 coordinators and 10 funders (2–4 s), each signed in with an API token,
  over the paths in ROLE_PATHS below: about 20 requests/s in all (where the world has fewer people
  than users, e.g. 30 volunteers in an active duo at 1x, several users play one person);
- a thread that samples the database connections every 0.2 s (PostgreSQL: pg_stat_activity of the
  bench database; SQLite: gunicorn's workers' open handles on the database file, from /proc).

The load is compressed time: a real volunteer logs a few check-ins a week and a coordinator clicks
every few seconds to minutes; 20 requests/s is more than all the projects of Flanders and
Brussels would send at once at their busiest, and stays below what 2 shared cores serve, so that
latency shows what a path costs rather than a queue.

Tokens for office roles: the API's token authentication runs inside the view, after the
two-factor middleware, so a token is not asked for a second factor (docs/security.md: tokens are
issued by an administrator to service accounts; people use the API with a verified session).
The test uses tokens for every role, as tests/security/test_schemathesis.py does.

It prints, per path and size: requests, median and p95 latency (absolute, ms), failures, the
statements one request costs (counted in-process before the load), and the ratio of the p95 at
the bigger size to the p95 at 1x; with the load average before and after each size. It ends with
one JSON line, also written to benchmarks/results/load_api.json (`--no-save`: not written).

Targets (target_met), at every size:
- no failure on any path (every answer the expected 200/201);
- every path's p95 at the bigger size <= 1.5x its p95 at 1x under the same load (the users'
  need: a page that is as quick for the umbrella as for one project), with at least 20
  measured requests per path at each size (a p95 of fewer is not one);
- database connections bounded: at most one per gunicorn worker (a sync worker serves one
  request at a time and keeps its connection for DB_CONN_MAX_AGE), whatever the load.
On a shared machine the p95 of every path moves with the other work on it: read the ratios with
the load averages printed beside them, and rerun before trusting one figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "load_api.json"
TARGET_FAILURES, TARGET_P95_RATIO, MIN_SAMPLES = 0, 1.5, 20
SIZES = ("1x", "10x", "target")
# Users per role and their think time between two requests (s), the 100 volunteers, 30
# coordinators and 10 funders: about 6.7 + 10 + 3.3 = 20 requests/s, and in one minute 20 or more
# requests on the least asked path of each role.
USERS = {"volunteer": 100, "coordinator": 30, "funder": 10}
THINK_SECONDS = {"volunteer": (10.0, 20.0), "coordinator": (2.0, 4.0), "funder": (2.0, 4.0)}
REPORTS_SIGNED_OFF = 3  # the same at every size: signing off renders a PDF each

# (weight, method, path) per role. Placeholders are filled per request from the user's own ids:
# {duo}, {project}, {participant}, {map}, {grant}, {report} (a random one of theirs each time).
# The path with its placeholders, after the role, is the name a result is reported under.
ROLE_PATHS: dict[str, list[tuple[int, str, str]]] = {
    "volunteer": [
        (3, "GET", "/api/v1/duos/"),
        (2, "GET", "/api/v1/check-ins/?duo={duo}"),
        (2, "POST", "/api/v1/check-ins/"),
        (1, "GET", "/api/v1/me/"),
    ],
    "coordinator": [
        (2, "GET", "/api/v1/participants/?project={project}&status=waiting&ordering=waiting_since"),
        (1, "GET", "/api/v1/participants/?project={project}&ordering=last_name"),
        (3, "GET", "/api/v1/participants/{participant}/"),
        (2, "GET", "/api/v1/volunteers/?project={project}&status=active"),
        (2, "GET", "/api/v1/duos/?project={project}&status=active"),
        (2, "GET", "/api/v1/netwerk/maps/{map}/"),
        (2, "GET", "/api/v1/netwerk/maps/{map}/measures/"),
        (1, "GET", "/api/v1/check-ins/?concern=true&ordering=-date"),
        (1, "GET", "/api/v1/check-ins/?ordering=-date"),
        (1, "GET", "/api/v1/notifications/?unread=true"),
    ],
    "funder": [
        (2, "GET", "/api/v1/funding/grants/"),
        (2, "GET", "/api/v1/funding/reports/"),
        (1, "GET", "/api/v1/funding/reports/{report}/"),
        (1, "GET", "/api/v1/funding/grants/{grant}/totals/"),
    ],
}
EXPECTED_STATUS = {"GET": 200, "POST": 201}


def request_name(role: str, method: str, path: str) -> str:
    return f"{role}: {method} {path}"


def fill(path: str, ids: dict[str, list[int]], rng: random.Random | None = None) -> str:
    pick = (rng or random).choice
    return path.format(**{key: pick(values) for key, values in ids.items()})


def check_in_body(*, duo: int, today: str, rng: random.Random | None = None) -> dict[str, Any]:
    """What a volunteer's phone posts: a new client UUID each time (a retry would reuse it)."""
    r = rng or random
    return {"duo": duo, "client_uuid": str(uuid.uuid4()), "date": today,
            "duration_minutes": r.choice((30, 60, 90, 120)), "mode": "in_person", "activities": ["talk"],
            "life_domains": ["social"], "mood": r.randint(2, 5), "note": "Koffie gedronken op de markt."}


def path_names() -> list[str]:
    return [request_name(role, method, path) for role, paths in ROLE_PATHS.items() for _w, method, path in paths]


# --- one size: world, server, load --------------------------------------------------------------
def _bench_database_url(url: str, size: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    bench = f"{name}_bench_load_{size}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path=f"/{bench}")), bench, admin


def _build(size: str) -> None:
    """The demo world of one size, as benchmarks/scale.py builds it."""
    from buddynet.demo import data as demo

    if size == "1x":
        demo.build(scale=1, projects=3)
    elif size == "10x":
        demo.build(scale=10, projects=3)
    else:
        demo.build(world=demo.TARGET)


def _spread(items: list[Any], n: int) -> list[Any]:
    """n items picked evenly over the list (all of them, in turn, when there are fewer)."""
    if not items:
        return []
    if len(items) <= n:
        return [items[k % len(items)] for k in range(n)]
    return [items[k * len(items) // n] for k in range(n)]


def _make_world(size: str, users: dict[str, int]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """The demo world, signed-off reports, and one identity (token + ids) per simulated user."""
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from buddynet.demo import data as demo
    from buddynet.features.funding import services as funding_services
    from buddynet.features.funding.models import Expense, Funder, Grant, ProgressReport
    from buddynet.records.accounts.models import Membership, Role, User
    from buddynet.records.accounts.services import membership_grant
    from buddynet.records.duos.models import CheckIn, Duo, DuoStatus
    from buddynet.records.people.models import Organisation, Participant, Project, Volunteer
    from netwerk.models import NetworkMap

    _build(size)
    projects = list(Project.objects.order_by("pk"))
    coordinators = {m.project_id: m.user for m in Membership.objects.filter(role=Role.COORDINATOR)
                    .select_related("user").order_by("pk")}
    funder = Funder.objects.get(name=demo.FUNDER_NAME)

    # A yearly report on the first grants, signed off through the service (numbers frozen, PDF
    # rendered), so the funders have something to read. WeasyPrint reports every layout step at
    # INFO; kombu warns that the in-memory broker has no host name.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    for grant in Grant.objects.filter(funder=funder).order_by("pk")[:REPORTS_SIGNED_OFF]:
        report = funding_services.report_create(grant=grant, period_start=grant.start_date,
                                                period_end=dt.date(grant.start_date.year, 12, 31))
        funding_services.report_sign_off(report=report, by=coordinators[grant.project_id])

    def token(user: Any) -> str:
        return Token.objects.get_or_create(user=user)[0].key  # one per user: shared when users play one person

    identities: dict[str, list[dict[str, Any]]] = {role: [] for role in users}
    # Volunteers with an active duo, spread over the projects; when there are fewer than users,
    # several users play the same volunteer, with the volunteer's token.
    active = list(Duo.objects.filter(status=DuoStatus.ACTIVE).select_related("volunteer__membership__user")
                  .order_by("volunteer__project_id", "pk"))
    for duo in _spread(active, users["volunteer"]):
        identities["volunteer"].append({"token": token(duo.volunteer.membership.user), "ids": {"duo": [duo.pk]}})
    # Coordinators: the demo's one per project, spread over the projects, then colleagues on the
    # same projects when there are fewer projects than coordinators.
    played: set[int] = set()
    for k, project in enumerate(_spread(projects, users["coordinator"])):
        if project.pk in played:
            user = User.objects.create_user(f"coordinator-load{k}@example.be", password=None)
            membership_grant(user=user, role=Role.COORDINATOR, project=project)
        else:
            user = coordinators[project.pk]
            played.add(project.pk)
        identities["coordinator"].append({"token": token(user), "ids": {
            "project": [project.pk],
            "participant": list(Participant.objects.filter(project=project).order_by("pk")
                                .values_list("pk", flat=True)),
            "map": list(NetworkMap.objects.filter(participant__project=project).order_by("pk")
                        .values_list("pk", flat=True)),
        }})
    grant_ids = list(Grant.objects.filter(funder=funder).order_by("pk").values_list("pk", flat=True))
    report_ids = list(ProgressReport.objects.filter(grant__funder=funder, status=ProgressReport.Status.FROZEN)
                      .order_by("pk").values_list("pk", flat=True))
    for k in range(users["funder"]):
        user = User.objects.get(email=f"funder@{demo.DOMAIN}") if k == 0 else \
            User.objects.create_user(f"funder-load{k}@example.be", password=None)
        if k:
            membership_grant(user=user, role=Role.FUNDER, funder=funder)
        identities["funder"].append({"token": token(user), "ids": {"grant": grant_ids, "report": report_ids}})

    per_project = Participant.objects.values("project").annotate(n=Count("id")).order_by("project")
    counts = {
        "organisations": Organisation.objects.count(), "projects": len(projects),
        "volunteers": Volunteer.objects.count(), "participants": Participant.objects.count(),
        "duos": Duo.objects.count(), "active_duos": len(active), "check_ins": CheckIn.objects.count(),
        "network_maps": NetworkMap.objects.count(), "grants": Grant.objects.count(),
        "funder_grants": len(grant_ids), "expenses": Expense.objects.count(), "frozen_reports": len(report_ids),
        "participants_per_project_max": max(row["n"] for row in per_project),
    }
    return identities, counts


def _one_request_each(identities: dict[str, list[dict[str, Any]]], today: str) -> dict[str, dict[str, Any]]:
    """Each path once, through Django's test client in this process: its status, the database
    statements it costs, and how many rows a list answers (so the lists are known not to be empty)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(1)
    found: dict[str, dict[str, Any]] = {}
    for role, paths in ROLE_PATHS.items():
        me = identities[role][0]
        client = Client(HTTP_AUTHORIZATION=f"Token {me['token']}")
        for _weight, method, path in paths:
            _send(client, method, path, me, today, rng)  # warm: content types, roles
            with CaptureQueriesContext(connection) as ctx:
                response = _send(client, method, path, me, today, rng)
            body = response.json() if response.get("Content-Type", "").startswith("application/json") else {}
            rows = body.get("count") if isinstance(body, dict) else len(body)
            found[request_name(role, method, path)] = {"status": response.status_code,
                                                        "statements": len(ctx.captured_queries), "rows": rows}
    connection.close()
    return found


def _send(client: Any, method: str, path: str, me: dict[str, Any], today: str, rng: random.Random) -> Any:
    if method == "POST":
        return client.post(path, check_in_body(duo=me["ids"]["duo"][0], today=today, rng=rng),
                           content_type="application/json")
    return client.get(fill(path, me["ids"], rng))


class ConnectionSampler(threading.Thread):
    """The database connections of the server, sampled every 0.2 s while the load runs: on
    PostgreSQL the backends on the bench database (pg_stat_activity, this sampler's own left out),
    on SQLite the handles gunicorn's worker processes hold open on the database file (/proc)."""

    def __init__(self, *, postgres_url: str | None, sqlite_path: Path | None, gunicorn_pid: int) -> None:
        super().__init__(daemon=True)
        self.postgres_url, self.sqlite_path, self.gunicorn_pid = postgres_url, sqlite_path, gunicorn_pid
        self.samples: list[int] = []
        self.halt = threading.Event()

    def run(self) -> None:
        if self.postgres_url:
            import psycopg

            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                while not self.halt.wait(0.2):
                    row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()").fetchone()
                    self.samples.append(int(row[0]) if row else 0)
        else:
            while not self.halt.wait(0.2):
                self.samples.append(self._sqlite_handles())

    def _sqlite_handles(self) -> int:
        assert self.sqlite_path is not None
        target = str(self.sqlite_path.resolve())
        found = 0
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid != self.gunicorn_pid:
                    continue
                found += sum(1 for fd in (proc / "fd").iterdir() if os.readlink(fd) == target)
            except OSError:  # a process or handle gone between listing and reading
                continue
        return found


MARK = "LOAD_API "  # the protocol lines between a size's server process and the orchestrator


def _say(message: dict[str, Any]) -> None:
    print(MARK + json.dumps(message), flush=True)


def _serve_size(args: argparse.Namespace) -> None:
    """One size in this process: database, world, gunicorn and the connection sampler. Says
    "ready" (address, identities, statements per path) on stdout, serves until the orchestrator
    closes stdin, then says how many database connections it saw and cleans up."""
    from checkin_api import _drop_database, _free_port, _recreate_database, _wait_ready

    size = args.one_size
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    tmp = Path(tempfile.mkdtemp(prefix=f"load-api-{size}-"))
    sqlite_path: Path | None = None
    if postgres:
        bench_url, bench_name, admin_url = _bench_database_url(url, size)
        _recreate_database(admin_url, bench_name)
        where = f"PostgreSQL database {bench_name}"
    else:
        sqlite_path = tmp / "load.sqlite3"
        bench_url = f"sqlite:///{sqlite_path}"
        where = f"SQLite file {sqlite_path}"
    # kombu's in-memory broker: what the world's events enqueue (report deliveries) dies with the
    # processes, as the database does; no measured path enqueues anything.
    env = {**os.environ, "DATABASE_URL": bench_url, "DB_CONN_MAX_AGE": "60", "CELERY_BROKER_URL": "memory://",
           "DJANGO_SETTINGS_MODULE": "buddynet.settings"}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")})
    gunicorn = None
    sampler = None
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                       env=env, check=True, cwd=ROOT, stdout=sys.stderr)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.utils import timezone

        today = timezone.localdate().isoformat()
        built_from = time.perf_counter()
        identities, counts = _make_world(size, USERS)
        build_s = time.perf_counter() - built_from
        single = _one_request_each(identities, today)
        print(f"{size}: {', '.join(f'{k} {v}' for k, v in counts.items())} (migrated and built in "
              f"{time.perf_counter() - started:.0f} s, the world {build_s:.0f} s)", file=sys.stderr, flush=True)
        wrong = {n: s for n, s in single.items()
                 if s["status"] != EXPECTED_STATUS[n.split()[1]] or s["rows"] == 0}
        if wrong:
            raise SystemExit(f"a path does not answer as the load test expects (status, or an empty list): {wrong}")

        port = _free_port()
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "django.core.wsgi:get_wsgi_application()", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--worker-class", "sync", "--log-level", "warning",
             "--pythonpath", f"{ROOT / 'benchmarks'},{ROOT}"],
            env={**env, "DJANGO_SETTINGS_MODULE": "load_api_server"}, cwd=ROOT, stdout=sys.stderr,
        )
        _wait_ready(port, gunicorn)
        sampler = ConnectionSampler(postgres_url=bench_url if postgres else None, sqlite_path=sqlite_path,
                                    gunicorn_pid=gunicorn.pid)
        sampler.start()
        print(f"{size}: gunicorn {args.workers} sync workers on 127.0.0.1:{port}; {where}", file=sys.stderr,
              flush=True)
        _say({"ready": size, "host": f"http://127.0.0.1:{port}", "today": today, "identities": identities,
              "single": single, "world": counts, "build_s": round(build_s, 1),
              "database": "postgresql" if postgres else "sqlite"})
        sys.stdin.read()  # serve until the orchestrator is done with every round
        sampler.halt.set()
        sampler.join()
        _say({"db_connections_max": max(sampler.samples, default=0), "db_connection_samples": len(sampler.samples)})
    finally:
        if sampler is not None:
            sampler.halt.set()
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if postgres and not args.keep_db:
            _drop_database(admin_url, bench_name)
        if args.keep_db:
            print(f"{size}: kept {where}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _listen(proc: subprocess.Popen[str]) -> dict[str, Any]:
    """The next protocol line of a size's server process (its other output goes to stderr)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(MARK):
            return dict(json.loads(line[len(MARK):]))
    raise SystemExit(f"a size's server process ended without answering (exit {proc.wait()})")


def _summarise(latencies: list[float], failures: dict[str, int], seconds: float, single: dict[str, Any]
               ) -> dict[str, Any]:
    lat = sorted(latencies)
    return {
        "requests": len(lat), "rps": round(len(lat) / seconds, 2),
        "median_ms": round(statistics.median(lat), 1) if lat else None,
        "p95_ms": round(_percentile(lat, 0.95), 1) if lat else None,
        "failures": sum(failures.values()), "failure_reasons": failures,
        "statements": single["statements"], "rows": single["rows"],
    }


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest rank, as benchmarks/checkin_api.py."""
    return sorted_values[max(0, int(round(q * len(sorted_values))) - 1)]


# --- the orchestrator: one process per size, then the comparison --------------------------------
def _ratio(value: float | None, reference: float | None) -> float | None:
    return round(value / reference, 2) if value is not None and reference else None


def _print_table(names: list[str], runs: list[dict[str, Any]], ratios: dict[str, float | None]) -> None:
    def cell(value: float | None, width: int, fmt: str = ".1f") -> str:
        return format(value, f"{width}{fmt}") if value is not None else "-".rjust(width)

    sizes = [run["size"] for run in runs]
    head = "/".join(sizes)
    width = max(len(n) for n in names)
    print(f"  {'path':{width}s}  {'n ' + head:>14s}  {'median ms ' + head:>20s}  {'p95 ms ' + head:>20s}  "
          f"{'p95 x':>5s}  {'fail':>5s}  {'stmts':>7s}")
    for name in names:
        figures = [run["paths"][name] for run in runs]
        print(f"  {name:{width}s}  {'/'.join(str(f['requests']) for f in figures):>14s}  "
              f"{'/'.join(cell(f['median_ms'], 0) for f in figures):>20s}  "
              f"{'/'.join(cell(f['p95_ms'], 0) for f in figures):>20s}  {cell(ratios[name], 5, '.2f')}  "
              f"{'/'.join(str(f['failures']) for f in figures):>5s}  "
              f"{'/'.join(str(f['statements']) for f in figures):>7s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="1x and 10x, 1 minute of load each (default: 1x and the target, 5 minutes each)")
    parser.add_argument("--sizes", default=None, help=f"comma-separated, from {', '.join(SIZES)} (first is the base)")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per size (300; quick 60)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="turns the measured seconds are cut into, the sizes taking turns (5; quick 2)")
    parser.add_argument("--warmup", type=float, default=None, help="warm-up seconds before every turn (15; quick 8)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1,
                        help="gunicorn sync workers (default: gunicorn's advice, 2 × cores + 1)")
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway databases behind")
    parser.add_argument("--no-save", action="store_true", help=f"do not write {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--one-size", choices=SIZES, help=argparse.SUPPRESS)  # the child process of one size
    args = parser.parse_args()
    args.seconds = args.seconds or (60.0 if args.quick else 300.0)
    args.rounds = max(1, args.rounds or (2 if args.quick else 5))
    args.warmup = args.warmup or (8.0 if args.quick else 15.0)

    if args.one_size:
        _serve_size(args)
        return

    sizes = (args.sizes.split(",") if args.sizes else ["1x", "10x"] if args.quick else ["1x", "target"])
    if len(sizes) < 2 or any(s not in SIZES for s in sizes):
        parser.error(f"--sizes takes two or more of {', '.join(SIZES)}")
    names = path_names()
    # Every size is built and served first; then the load runs on them in turns (ABBA...), so that
    # the other work on a shared machine falls on every size alike instead of on whichever ran
    # while it was busiest.
    servers: dict[str, subprocess.Popen[str]] = {}
    ready: dict[str, dict[str, Any]] = {}
    latencies: dict[str, dict[str, list[float]]] = {size: {} for size in sizes}
    failures: dict[str, dict[str, dict[str, int]]] = {size: {} for size in sizes}
    loads: dict[str, list[tuple[float, float]]] = {size: [] for size in sizes}
    connections: dict[str, dict[str, Any]] = {}
    per_round = args.seconds / args.rounds
    try:
        for size in sizes:
            servers[size] = subprocess.Popen(
                [sys.executable, __file__, "--one-size", size, "--workers", str(args.workers)]
                + (["--keep-db"] if args.keep_db else []),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
            ready[size] = _listen(servers[size])
        with tempfile.TemporaryDirectory(prefix="load-api-") as tmp:
            for turn in range(args.rounds):
                for size in (sizes if turn % 2 == 0 else sizes[::-1]):
                    config = Path(tmp) / f"locust-{size}.json"
                    config.write_text(json.dumps({
                        "host": ready[size]["host"], "seconds": per_round, "warmup": args.warmup,
                        "today": ready[size]["today"], "users": USERS, "think_seconds": THINK_SECONDS,
                        "identities": ready[size]["identities"],
                    }))
                    before = os.getloadavg()[0]
                    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load_api_locust.py"),
                                          str(config)], check=True, capture_output=True, text=True, cwd=ROOT)
                    loads[size].append((before, os.getloadavg()[0]))
                    measured = json.loads(out.stdout.strip().splitlines()[-1])
                    for name, values in measured["latencies"].items():
                        latencies[size].setdefault(name, []).extend(values)
                    for name, reasons in measured["failures"].items():
                        for reason, n in reasons.items():
                            failures[size].setdefault(name, {})
                            failures[size][name][reason] = failures[size][name].get(reason, 0) + n
                    print(f"round {turn + 1}/{args.rounds}, {size}: {args.warmup:g} s warm-up + {per_round:g} s "
                          f"measured, load average {before:.1f} before and {loads[size][-1][1]:.1f} after",
                          file=sys.stderr, flush=True)
        for size, proc in servers.items():
            assert proc.stdin is not None
            proc.stdin.close()
            connections[size] = _listen(proc)
            proc.wait(timeout=120)
    finally:
        for proc in servers.values():
            if proc.poll() is None:
                if proc.stdin is not None and not proc.stdin.closed:
                    proc.stdin.close()
                try:
                    proc.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    proc.kill()

    runs = []
    for size in sizes:
        paths = {name: _summarise(latencies[size].get(name, []), failures[size].get(name, {}), args.seconds,
                                  ready[size]["single"][name]) for name in names}
        total = sum(p["requests"] for p in paths.values())
        mean = [round(statistics.fmean(pair[k] for pair in loads[size]), 1) for k in (0, 1)]
        runs.append({
            "size": size, "database": ready[size]["database"], "world": ready[size]["world"],
            "build_s": ready[size]["build_s"], "load_average_1m": mean,
            "load_average_1m_per_round": [[round(b, 1), round(a, 1)] for b, a in loads[size]],
            "total_rps": round(total / args.seconds, 1), "gunicorn_workers": args.workers,
            **connections[size], "paths": paths,
        })

    base, biggest = runs[0], runs[-1]
    ratios = {name: _ratio(biggest["paths"][name]["p95_ms"], base["paths"][name]["p95_ms"]) for name in names}
    missed: list[str] = []
    for name in names:
        ratio = ratios[name]
        if ratio is None or ratio > TARGET_P95_RATIO:
            missed.append(f"{name}: p95 at {biggest['size']} {ratio} × its p95 at {base['size']}")
        for run in runs:
            r = run["paths"][name]
            if r["failures"] > TARGET_FAILURES:
                missed.append(f"{name} at {run['size']}: {r['failures']} failures {r['failure_reasons']}")
            if r["requests"] < MIN_SAMPLES:
                missed.append(f"{name} at {run['size']}: only {r['requests']} requests measured")
    connection_bound = args.workers
    for run in runs:
        if run["db_connections_max"] > connection_bound:
            missed.append(f"{run['size']}: {run['db_connections_max']} database connections, more than the "
                          f"{connection_bound} gunicorn workers")

    print(f"\nload_api: {base['database']}; {sum(USERS.values())} users ("
          + ", ".join(f"{n} {role}s, {THINK_SECONDS[role][0]:g}–{THINK_SECONDS[role][1]:g} s think time"
                      for role, n in USERS.items())
          + f"); per size {args.seconds:g} s measured in {args.rounds} turns (sizes in turn, ABBA), each after "
          f"{args.warmup:g} s warm-up; gunicorn {args.workers} "
          f"sync workers; {os.cpu_count()} cores")
    for run in runs:
        w = run["world"]
        print(f"  {run['size']}: {w['projects']} projects, {w['volunteers']} volunteers, {w['participants']} "
              f"participants, {w['duos']} duos, {w['check_ins']} check-ins, {w['network_maps']} network maps, "
              f"{w['grants']} grants, {w['expenses']} expenses (built in {run['build_s']:.0f} s); "
              f"{run['total_rps']} req/s; load average {run['load_average_1m'][0]} before, "  # mean over its turns
              f"{run['load_average_1m'][1]} after; database connections at most {run['db_connections_max']} "
              f"(bound: {connection_bound}, one per worker; {run['db_connection_samples']} samples)")
    _print_table(names, runs, ratios)
    print(f"  latencies in ms, sizes {' / '.join(s['size'] for s in runs)}; p95 x = p95 at {biggest['size']} ÷ "
          f"p95 at {base['size']} (target ≤ {TARGET_P95_RATIO}); stmts = database statements of one request")
    for line in missed:
        print(f"  missed: {line}")

    figures: dict[str, Any] = {
        "benchmark": "load_api", "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": base["database"], "cores": os.cpu_count(), "gunicorn_workers": args.workers, "users": USERS,
        "think_seconds": THINK_SECONDS, "warmup_seconds": args.warmup, "seconds": args.seconds,
        "rounds": args.rounds,
        "sizes": [{k: v for k, v in run.items() if k != "paths"} for run in runs],
        "paths": {name: {"p95_ratio": ratios[name], **{run["size"]: run["paths"][name] for run in runs}}
                  for name in names},
        "target": {"failures": TARGET_FAILURES, "p95_ratio": TARGET_P95_RATIO, "min_samples": MIN_SAMPLES,
                   "db_connections_max": connection_bound},
        "missed": missed, "target_met": not missed,
    }
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
