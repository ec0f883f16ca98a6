"""Load test of the main API paths per role (Locust) through gunicorn + PostgreSQL, against a bare view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/buddynet_x .venv/bin/python benchmarks/load_api.py [--quick]

What runs:
- a throwaway database `<name of DATABASE_URL's database>_bench_load` on the same server, migrated,
  with the demo world (`manage.py demo --projects 6 --scale 3`: ~360 volunteers, ~480
  participants, ~380 duos, ~2,300 check-ins, ~530 network maps, 6 grants) plus a signed-off
  progress report per grant, a second coordinator per project, more funder viewers, and an API
  token for every person the load test plays;
- gunicorn (sync workers) serving buddynet plus one bare view (benchmarks/load_api_urls.py);
- a second process running Locust headless (benchmarks/load_api_locust.py): 16 volunteers
  (2–4 s between two requests), 12 coordinators and 4 funders (0.5–1.5 s), each with their own
  token, over the paths in ROLE_PATHS below; and 2 users (0.5–1.5 s) on the bare view — the
  reference, measured at the same moments under the same load.

Tokens for office roles: the API's token authentication runs inside the view, after the
two-factor middleware, so a token is not asked for a second factor (docs/security.md: tokens are
issued by an administrator to service accounts; people use the API with a verified session).
The test uses tokens for every role, as tests/security/test_schemathesis.py does.

The load is compressed time: a real coordinator clicks every few seconds to minutes, a volunteer
logs a few check-ins a week. About 23 requests/s is more than the 28 Flemish projects would send
all at once at their busiest.

It prints, per path: requests/s, median and p95 latency, failures, the statements one request
costs (counted in-process before the run), and the ratios of its median and p95 to the
reference's; it ends with one JSON line, also written to benchmarks/results/load_api.json.

Targets: no failure on any path (every answer the expected 200/201); every path's p95 at most
5 × the reference's p95, and its median at most 5 × the reference's median; at least 20 measured
requests per path (a p95 of fewer is not one: --quick is a smoke run and usually misses this).
Why 5 ×: the reference already pays gunicorn, Django's whole middleware stack, one query and the
wait for a free worker at this load; 5 × lets the API's own work (token lookup, roles, the scoped
queries, up to 50 rows serialised) cost at most four times that. The check-in API's own target
(benchmarks/checkin_api.py, issue 5) is 2 × for one insert; a page of 50 rows may cost more.
Why the median too: on a shared machine the slowest 5 % of every path, the reference's included,
are the moments the machine stalled all of them, which pulls every p95 ratio towards 1 however
costly the path; the median ratio shows what a path costs at an ordinary moment.

Needs PostgreSQL: with another DATABASE_URL it says so and reports target_met false.
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
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "load_api.json"
TARGET_FAILURES, TARGET_RATIO, MIN_SAMPLES = 0, 5.0, 20
DEMO_PROJECTS, DEMO_SCALE = 6, 3
# Users per role and their think time between two requests (s): about 23 requests/s in all. A trial
# at about 40 requests/s still answered with medians under 0.25 s on the shared 2-core machine:
# this stays below saturation, so that latency shows what a path costs more than a queue, and still
# gives every path some 30 or more requests in 55 s.
USERS = {"volunteer": 16, "coordinator": 12, "funder": 4, "reference": 2}
THINK_SECONDS = {"volunteer": (2.0, 4.0), "coordinator": (0.5, 1.5), "funder": (0.5, 1.5), "reference": (0.5, 1.5)}

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
    "reference": [
        (1, "GET", "/bench/bare/{project}/"),
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


# --- the orchestrator ------------------------------------------------------------------------
def _bench_database_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    bench = f"{name}_bench_load"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path=f"/{bench}")), bench, admin


def _make_world(users: dict[str, int]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """The demo world, a signed-off report per grant, and one identity (token + ids) per user."""
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from buddynet.demo import data as demo
    from buddynet.features.funding import services as funding_services
    from buddynet.features.funding.models import Funder, Grant, ProgressReport
    from buddynet.records.accounts.models import Membership, Role, User
    from buddynet.records.accounts.services import membership_grant
    from buddynet.records.duos.models import CheckIn, Duo, DuoStatus
    from buddynet.records.people.models import Participant, Project, Volunteer
    from netwerk.models import NetworkMap

    demo.build(scale=DEMO_SCALE, projects=DEMO_PROJECTS)
    projects = list(Project.objects.order_by("pk"))
    coordinators = {m.project_id: m.user for m in Membership.objects.filter(role=Role.COORDINATOR)}
    funder = Funder.objects.get(name=demo.FUNDER_NAME)

    # A yearly report per grant, signed off through the service (numbers frozen, PDF rendered),
    # so the funder has something to read. WeasyPrint reports every layout step at INFO; kombu
    # warns that the in-memory broker has no host name.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    for grant in Grant.objects.order_by("pk"):
        report = funding_services.report_create(grant=grant, period_start=grant.start_date,
                                                period_end=dt.date(grant.start_date.year, 12, 31))
        funding_services.report_sign_off(report=report, by=coordinators[grant.project_id])

    def token(user: Any) -> str:
        return Token.objects.create(user=user).key

    identities: dict[str, list[dict[str, Any]]] = {role: [] for role in users}
    # Volunteers with an active duo, spread over the projects.
    active = list(Duo.objects.filter(status=DuoStatus.ACTIVE).select_related("volunteer__membership__user")
                  .order_by("volunteer__project_id", "pk"))
    step = max(1, len(active) // users["volunteer"])
    for duo in active[::step][: users["volunteer"]]:
        identities["volunteer"].append({"token": token(duo.volunteer.membership.user),
                                        "ids": {"duo": [duo.pk]}})
    # Coordinators: the demo's one per project, then a colleague on the same project.
    for k in range(users["coordinator"]):
        project = projects[k % len(projects)]
        if k < len(projects):
            user = coordinators[project.pk]
        else:
            user = User.objects.create_user(f"coordinator-load{k}@example.be", password=None)
            membership_grant(user=user, role=Role.COORDINATOR, project=project)
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
    for k in range(users["reference"]):
        identities["reference"].append({"token": "", "ids": {"project": [projects[k % len(projects)].pk]}})

    per_project = Participant.objects.values("project").annotate(n=Count("id")).order_by("project")
    counts = {
        "projects": len(projects), "volunteers": Volunteer.objects.count(), "participants": Participant.objects.count(),
        "duos": Duo.objects.count(), "active_duos": len(active), "check_ins": CheckIn.objects.count(),
        "network_maps": NetworkMap.objects.count(), "grants": len(grant_ids), "frozen_reports": len(report_ids),
        "participants_per_project_max": max(row["n"] for row in per_project),
    }
    return identities, counts


def _one_request_each(identities: dict[str, list[dict[str, Any]]], today: str) -> dict[str, dict[str, Any]]:
    """Each path once, through Django's test client in this process: its status, the database
    statements it costs, and how many rows a list answers (so the lists are known not to be empty)."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(1)
    found: dict[str, dict[str, Any]] = {}
    with override_settings(ROOT_URLCONF="load_api_urls"):  # the URLs gunicorn serves, with the bare view
        for role, paths in ROLE_PATHS.items():
            me = identities[role][0]
            client = Client(HTTP_AUTHORIZATION=f"Token {me['token']}") if me["token"] else Client()
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


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest rank, as benchmarks/checkin_api.py."""
    return sorted_values[max(0, int(round(q * len(sorted_values))) - 1)]


def _summarise(latencies: list[float], failures: dict[str, int], seconds: float) -> dict[str, Any]:
    lat = sorted(latencies)
    return {
        "requests": len(lat), "rps": round(len(lat) / seconds, 1),
        "median_ms": round(statistics.median(lat), 1) if lat else None,
        "p95_ms": round(_percentile(lat, 0.95), 1) if lat else None,
        "failures": sum(failures.values()), "failure_reasons": failures,
    }


def _ratio(value: float | None, reference: float | None) -> float | None:
    return round(value / reference, 2) if value is not None and reference else None


def _print_table(names: list[str], results: dict[str, dict[str, Any]], reference_name: str) -> None:
    def cell(value: float | None, fmt: str) -> str:
        return format(value, fmt) if value is not None else "-".rjust(int(fmt.split(".")[0]))

    width = max(len(n) for n in names)
    print(f"  {'path':{width}s}  {'req/s':>6s}  {'median':>7s}  {'p95':>7s}  {'fail':>4s}  {'n':>5s}  {'stmts':>5s}  "
          f"{'med/ref':>7s}  {'p95/ref':>7s}")
    for name in names:
        r = results[name]
        ratios = "  (reference)" if name == reference_name else \
            f"  {cell(r['median_ratio'], '7.2f')}  {cell(r['p95_ratio'], '7.2f')}"
        print(f"  {name:{width}s}  {r['rps']:6.1f}  {cell(r['median_ms'], '7.1f')}  {cell(r['p95_ms'], '7.1f')}  "
              f"{r['failures']:4d}  {r['requests']:5d}  {r['statements']:5d}{ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="15 s of load instead of 60 (a smoke run: "
                        "few requests per path, so the p95s are rough)")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds (default 55; quick 12)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1,
                        help="gunicorn sync workers (default: gunicorn's advice, 2 × cores + 1)")
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway database behind")
    parser.add_argument("--no-save", action="store_true", help=f"do not write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()

    warmup = 3.0 if args.quick else 5.0
    seconds = args.seconds or (12.0 if args.quick else 55.0)
    names = [request_name(role, method, path) for role, paths in ROLE_PATHS.items() for _w, method, path in paths]
    reference_name = names[-1]
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("load_api needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/name "
              "(a throwaway database <name>_bench_load is created next to it).")
        print(json.dumps({"benchmark": "load_api", "skipped": "needs PostgreSQL (DATABASE_URL)",
                          "target_failures": TARGET_FAILURES, "target_ratio": TARGET_RATIO,
                          "target_min_samples": MIN_SAMPLES, "target_met": False}))
        return

    from checkin_api import _drop_database, _free_port, _recreate_database, _wait_ready

    bench_url, bench_name, admin_url = _bench_database_url(url)
    _recreate_database(admin_url, bench_name)
    # kombu's in-memory broker: what the world's events enqueue (report deliveries) dies with the
    # processes, as the database does; no measured path enqueues anything.
    env = {**os.environ, "DATABASE_URL": bench_url, "DB_CONN_MAX_AGE": "60", "CELERY_BROKER_URL": "memory://"}
    os.environ.update({"DATABASE_URL": bench_url, "CELERY_BROKER_URL": "memory://",
                       "DJANGO_SETTINGS_MODULE": "buddynet.settings"})
    gunicorn = None
    tmp: Path | None = None
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                       env={**env, "DJANGO_SETTINGS_MODULE": "buddynet.settings"}, check=True, cwd=ROOT)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.utils import timezone

        today = timezone.localdate().isoformat()
        identities, counts = _make_world(USERS)
        single = _one_request_each(identities, today)
        built = time.perf_counter() - started
        print(f"world: {', '.join(f'{k} {v}' for k, v in counts.items())} (migrated and built in {built:.0f} s)")
        wrong = {n: s for n, s in single.items()
                 if s["status"] != EXPECTED_STATUS[n.split()[1]] or s["rows"] == 0}
        if wrong:
            raise SystemExit(f"a path does not answer as the load test expects (status, or an empty list): {wrong}")

        port = _free_port()
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "django.core.wsgi:get_wsgi_application()", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--worker-class", "sync", "--log-level", "warning",
             "--pythonpath", f"{ROOT / 'benchmarks'},{ROOT}"],
            env={**env, "DJANGO_SETTINGS_MODULE": "load_api_server"}, cwd=ROOT,
        )
        _wait_ready(port, gunicorn)
        tmp = Path(tempfile.mkdtemp(prefix="load-api-"))
        config = tmp / "locust.json"
        config.write_text(json.dumps({
            "host": f"http://127.0.0.1:{port}", "seconds": seconds, "warmup": warmup, "today": today,
            "users": USERS, "think_seconds": THINK_SECONDS, "identities": identities,
        }))
        load_before = os.getloadavg()[0]
        print(f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; PostgreSQL database {bench_name}; "
              f"Locust in a second process, users (think time): "
              + ", ".join(f"{n} {role} ({THINK_SECONDS[role][0]:g}–{THINK_SECONDS[role][1]:g} s)"
                          for role, n in USERS.items())
              + f"; {warmup:g} s warm-up + {seconds:g} s measured; load average {load_before:.1f}")
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load_api_locust.py"), str(config)],
                             check=True, capture_output=True, text=True, cwd=ROOT)
        measured = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            _drop_database(admin_url, bench_name)

    results = {name: _summarise(measured["latencies"].get(name, []), measured["failures"].get(name, {}), seconds)
               for name in names}
    reference = results[reference_name]
    missed: list[str] = []
    for name in names:
        r = results[name]
        r["statements"] = single[name]["statements"]
        if name != reference_name:
            for stat in ("median", "p95"):
                r[f"{stat}_ratio"] = ratio = _ratio(r[f"{stat}_ms"], reference[f"{stat}_ms"])
                if ratio is None or ratio > TARGET_RATIO:
                    missed.append(f"{name}: {stat} {ratio} × the reference's")
        if r["failures"] > TARGET_FAILURES:
            missed.append(f"{name}: {r['failures']} failures {r['failure_reasons']}")
        if r["requests"] < MIN_SAMPLES:
            missed.append(f"{name}: only {r['requests']} requests measured")
    _print_table(names, results, reference_name)
    total = sum(r["requests"] for r in results.values())
    print(f"  all paths: {total / seconds:.1f} req/s; latencies in ms; stmts = database statements of one request; "
          f"med/ref, p95/ref = the path's median, p95 ÷ the reference's ({reference['median_ms']} ms, "
          f"{reference['p95_ms']} ms)")
    for line in missed:
        print(f"  missed: {line}")

    figures: dict[str, Any] = {
        "benchmark": "load_api", "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": "postgresql", "gunicorn_workers": args.workers, "users": USERS,
        "think_seconds": THINK_SECONDS, "warmup_seconds": warmup, "seconds": seconds, "world": counts,
        "load_average_1m_before": round(load_before, 1), "load_average_1m_after": round(os.getloadavg()[0], 1),
        "total_rps": round(total / seconds, 1), "reference": {"path": reference_name, **results[reference_name]},
        "paths": {name: results[name] for name in names if name != reference_name},
        "target_failures": TARGET_FAILURES, "target_ratio": TARGET_RATIO, "target_min_samples": MIN_SAMPLES,
        "missed": missed, "target_met": not missed,
    }
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
