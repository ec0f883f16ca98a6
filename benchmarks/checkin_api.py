"""Check-in POSTs through the real stack (gunicorn + PostgreSQL), against the stock Django/DRF way.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/buddynet_x .venv/bin/python benchmarks/checkin_api.py [--quick]

What runs:
- a throwaway database `<name of DATABASE_URL's database>_bench_checkin` on the same server,
  migrated, with 16 volunteers, each with a duo, an API token and two signed-in sessions (one
  for each server below);
- two gunicorns (sync workers, benchmarks/checkin_api_server.py): buddynet as configured, and the
  stock reference: the same settings with Django's database session store, Django's
  ModelBackend and DRF's own authentication classes;
- a second process on loopback that keeps 16 requests in flight for a bounded time, each
  client thread as its own volunteer, every request a new check-in (new client UUID), against:
    stock_token    POST /bench/stock/check-ins/ (stock server) token: DRF's TokenAuthentication,
                   a plain ModelSerializer, a scoped look-up of the duo, CheckIn.objects.create
                   in transaction.atomic (benchmarks/checkin_api_urls.py);
    api            POST /api/v1/check-ins/  buddynet's API: token, serializer, check_in_record;
    stock_session  the stock view again, signed in with a session cookie and CSRF token;
    phone          POST /mijn/contact/      what the volunteer's phone sends (session, CSRF, form,
                   check_in_record), answered in JSON.
It prints requests/s, median and p95 latency per endpoint with the load average beside them,
checks that every 2xx stored exactly one row, and ends with one JSON line. Target (issue 15):
p95 of api ≤ 1.2 × p95 of stock_token and p95 of phone ≤ 1.2 × p95 of stock_session, no error.
The absolute p95 (aim: ≤ 100 ms on a quiet machine) is printed, not part of the target: the
shared machines are too noisy for it.

Needs PostgreSQL: with another DATABASE_URL it says so and reports target_met false.
A full run (not --quick) is kept in benchmarks/results/checkin_api.json (--no-save: not written).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONCURRENCY = 16
RESULTS = ROOT / "benchmarks" / "results" / "checkin_api.json"
TARGET_RATIO = 1.2  # buddynet's p95 ÷ the stock reference's p95
AIM_P95_MS = 100.0  # printed beside the load average; not part of the target (noisy machines)
# Each buddynet endpoint and the stock one it is compared with.
PAIRS = {"api": "stock_token", "phone": "stock_session"}
ENDPOINTS = ("stock_token", "api", "stock_session", "phone")


# --- the load generator (runs in its own process) --------------------------------------------
def _client_main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    host, port, seconds, warmup = config["host"], config["port"], config["seconds"], config["warmup"]
    endpoint = config["endpoint"]
    today = config["today"]
    latencies: list[list[float]] = [[] for _ in config["clients"]]
    statuses: list[dict[int, int]] = [{} for _ in config["clients"]]
    start_at = time.perf_counter() + 0.2
    measure_from, stop_at = start_at + warmup, start_at + warmup + seconds

    def request_for(client: dict[str, Any]) -> tuple[str, bytes, dict[str, str]]:
        uid = str(uuid.uuid4())
        if endpoint in ("stock_token", "api"):
            body = json.dumps({"duo": client["duo"], "client_uuid": uid, "date": today, "duration_minutes": 60,
                               "mode": "in_person", "activities": ["talk"], "life_domains": ["social"],
                               "mood": 4, "note": "Koffie gedronken"}).encode()
            path = "/bench/stock/check-ins/" if endpoint == "stock_token" else "/api/v1/check-ins/"
            return path, body, {"Content-Type": "application/json", "Authorization": f"Token {client['token']}"}
        csrf = {"X-CSRFToken": client["csrf"], "Cookie": f"csrftoken={client['csrf']}; sessionid="
                + client["stock_session" if endpoint == "stock_session" else "session"]}
        if endpoint == "stock_session":
            body = json.dumps({"duo": client["duo"], "client_uuid": uid, "date": today, "duration_minutes": 60,
                               "mode": "in_person", "activities": ["talk"], "life_domains": ["social"],
                               "mood": 4, "note": "Koffie gedronken"}).encode()
            return "/bench/stock/check-ins/", body, {"Content-Type": "application/json", **csrf}
        body = urlencode([("duo", client["duo"]), ("client_uuid", uid), ("date", today), ("duration", "60"),
                          ("mode", "in_person"), ("activities", "talk"), ("life_domains", "social"),
                          ("mood", "4"), ("note", "Koffie gedronken")]).encode()
        return "/mijn/contact/", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", **csrf}

    def worker(i: int, client: dict[str, Any]) -> None:
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            path, body, headers = request_for(client)
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                code = response.status
            except OSError:
                code = 0
            finally:
                conn.close()
            t1 = time.perf_counter()
            if t0 >= measure_from and t1 <= stop_at:
                latencies[i].append(t1 - t0)
                statuses[i][code] = statuses[i].get(code, 0) + 1

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(config["clients"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged: dict[str, int] = {}
    for s in statuses:
        for code, n in s.items():
            merged[str(code)] = merged.get(str(code), 0) + n
    print(json.dumps({"latencies": [x for lat in latencies for x in lat], "statuses": merged, "seconds": seconds}))


# --- the orchestrator ------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bench_database_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    bench = f"{name}_bench_checkin"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path=f"/{bench}")), bench, admin


def _recreate_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _make_world(n: int) -> list[dict[str, Any]]:
    """n volunteers, each with an active duo, an API token and a signed-in session for each server."""
    import datetime as dt

    from checkin_api_server import STOCK_BACKEND
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, authenticate
    from django.contrib.sessions.backends.db import SessionStore as StockSessionStore
    from django.utils.module_loading import import_string
    from rest_framework.authtoken.models import Token

    from buddynet.records.accounts.models import Role, User
    from buddynet.records.accounts.services import membership_grant
    from buddynet.records.duos.models import Duo, DuoStatus
    from buddynet.records.people.models import Organisation, Participant, Project, Volunteer

    org = Organisation.objects.create(name="Bench vzw")
    project = Project.objects.create(organisation=org, name="Bench", start_date=dt.date(2025, 1, 1))
    backend = None  # the backend path that buddynet's password sign-in stores in the session
    clients = []
    for i in range(n):
        person = {"project": project, "postcode": "9000", "municipality": "Gent", "latitude": 51.04,
                  "longitude": 3.71, "languages": ["nl"]}
        volunteer = Volunteer.objects.create(
            first_name=f"Vrijwilliger{i}", last_name="Bench", intake_date=dt.date(2025, 2, 1),
            training_date=dt.date(2025, 3, 1), criminal_record_checked_on=dt.date(2025, 2, 15), **person)
        participant = Participant.objects.create(
            first_name=f"Deelnemer{i}", last_name="Bench", consent_date=dt.date(2025, 5, 1), consent_scope="network",
            waiting_since=dt.date(2025, 5, 1), **person)
        duo = Duo.objects.create(project=project, volunteer=volunteer, participant=participant,
                                 status=DuoStatus.ACTIVE, proposed_on=dt.date(2025, 7, 1),
                                 introduced_on=dt.date(2025, 7, 8), started_on=dt.date(2025, 7, 15))
        user = User.objects.create_user(f"bench{i}@example.be", password=None if backend else "bench-password")
        if backend is None:
            backend = authenticate(None, username=user.email, password="bench-password").backend  # noqa: S106
        membership_grant(user=user, role=Role.VOLUNTEER, volunteer=volunteer)
        token = Token.objects.create(user=user)
        sessions = {}
        for name, store, path in (("session", import_string(f"{settings.SESSION_ENGINE}.SessionStore"), backend),
                                  ("stock_session", StockSessionStore, STOCK_BACKEND)):
            session = store()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = path  # what a password sign-in on that server stores
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            sessions[name] = session.session_key
        clients.append({"duo": duo.pk, "user": user.pk, "token": token.key, **sessions,
                        "csrf": secrets.token_hex(16)})
    return clients


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited before answering")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def _run_phase(endpoint: str, port: int, clients: list[dict[str, Any]], seconds: float, warmup: float,
               tmp: Path) -> dict[str, Any]:
    from django.utils import timezone

    from buddynet.records.duos.models import CheckIn

    before = CheckIn.objects.count()
    config = tmp / f"client-{endpoint}.json"
    config.write_text(json.dumps({"host": "127.0.0.1", "port": port, "seconds": seconds, "warmup": warmup,
                                  "endpoint": endpoint, "clients": clients,
                                  "today": timezone.localdate().isoformat()}))
    out = subprocess.run([sys.executable, __file__, "--client", str(config)], check=True, capture_output=True,
                         text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"latencies": result["latencies"], "statuses": result["statuses"],
            "rows_stored": CheckIn.objects.count() - before}


def _combine(endpoint: str, runs: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    lat = sorted(x for r in runs for x in r["latencies"])
    statuses: dict[str, int] = {}
    for r in runs:
        for code, n in r["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n
    errors = sum(n for code, n in statuses.items() if not code.startswith("2"))
    p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)] if lat else float("nan")
    return {
        "endpoint": endpoint, "requests": len(lat), "errors": errors, "statuses": statuses,
        "rps": round(len(lat) / seconds, 1),
        "median_ms": round(statistics.median(lat) * 1000, 1) if lat else float("nan"),
        "p95_ms": round(p95 * 1000, 1), "rows_stored": sum(r["rows_stored"] for r in runs),
    }


def _queries_per_request(client: dict[str, Any], *, show: bool = False) -> dict[str, int]:
    """Database statements of one request of each kind, through Django's test client in this
    process (the stock ones with the stock server's settings)."""
    # Imported before any override: DRF's APIView takes its default classes when first imported.
    import checkin_api_urls  # noqa: F401
    from checkin_api_server import STOCK
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    common = {"date": today, "mode": "in_person", "activities": ["talk"], "life_domains": ["social"], "mood": 4}

    def api_body() -> dict[str, Any]:
        return {**common, "duo": client["duo"], "client_uuid": str(uuid.uuid4()), "duration_minutes": 60}

    def with_session(key: str) -> Client:
        c = Client()
        c.cookies["sessionid"] = client[key]
        return c

    token = {"HTTP_AUTHORIZATION": f"Token {client['token']}"}
    requests: dict[str, tuple[dict[str, Any], Any]] = {
        "stock_token": (STOCK, lambda c: c.post("/bench/stock/check-ins/", api_body(), content_type="application/json",
                                                 **token)),
        "api": ({}, lambda c: c.post("/api/v1/check-ins/", api_body(), content_type="application/json", **token)),
        "stock_session": (STOCK, lambda c: c.post("/bench/stock/check-ins/", api_body(),
                                                   content_type="application/json")),
        "phone": ({}, lambda c: c.post("/mijn/contact/", {**common, "duo": client["duo"], "duration": "60",
                                                          "client_uuid": str(uuid.uuid4())},
                                       HTTP_ACCEPT="application/json")),
    }
    counts = {}
    for name, (overrides, send) in requests.items():
        with override_settings(**overrides, ROOT_URLCONF="checkin_api_urls"):
            c = with_session("stock_session" if name == "stock_session" else "session") if name in (
                "stock_session", "phone") else Client()
            response = send(c)  # warm: roles, content types
            if response.status_code != 201:
                raise SystemExit(f"{name}: {response.status_code} {response.content[:300]!r}")
            with CaptureQueriesContext(connection) as ctx:
                send(c)
        counts[name] = len(ctx.captured_queries)
        if show:
            print(f"  {name}:\n" + "\n".join(f"    {q['sql'][:160]}" for q in ctx.captured_queries))
    connection.close()
    return counts


def _start_gunicorn(env: dict[str, str], workers: int, server: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "django.core.wsgi:get_wsgi_application()", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning",
         "--no-control-socket",  # two servers (and other runs) on one machine would share its path
         "--pythonpath", f"{ROOT / 'benchmarks'},{ROOT}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "checkin_api_server", "CHECKIN_BENCH_SERVER": server}, cwd=ROOT,
    )
    return proc, port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="4 s per endpoint in 2 rounds instead of 12 s in 3")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1,
                        help="gunicorn sync workers of each server (default: gunicorn's advice, 2 × cores + 1)")
    parser.add_argument("--rounds", type=int, default=None, help="phases per endpoint, in turn (default 3; 2 quick)")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one request of each kind")
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway database behind")
    parser.add_argument("--no-save", action="store_true", help=f"do not write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()
    if args.client:
        _client_main(args.client)
        return

    seconds = args.seconds or (4.0 if args.quick else 12.0)
    args.rounds = args.rounds or (2 if args.quick else 3)
    warmup = 1.0
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("checkin_api needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/name "
              "(a throwaway database <name>_bench_checkin is created next to it).")
        print(json.dumps({"benchmark": "checkin_api", "skipped": "needs PostgreSQL (DATABASE_URL)",
                          "target_p95_ratio": TARGET_RATIO, "target_met": False}))
        return

    bench_url, bench_name, admin_url = _bench_database_url(url)
    _recreate_database(admin_url, bench_name)
    env = {**os.environ, "DATABASE_URL": bench_url, "DB_CONN_MAX_AGE": "60", "PYTHONPATH": str(ROOT / "benchmarks")}
    os.environ.update({"DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "buddynet.settings"})
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    tmp: Path | None = None
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env={
            **env, "DJANGO_SETTINGS_MODULE": "buddynet.settings"}, check=True, cwd=ROOT)
        sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
        import django

        django.setup()
        clients = _make_world(CONCURRENCY)
        queries = _queries_per_request(clients[0], show=args.show_sql)
        from django.db import connection

        connection.close()  # the orchestrator holds no connection while gunicorn runs

        for server in ("buddynet", "stock"):
            servers[server] = _start_gunicorn(env, args.workers, server)
        for proc, port in servers.values():
            _wait_ready(port, proc)
        tmp = Path(tempfile.mkdtemp(prefix="checkin-bench-"))
        print(f"two gunicorns (buddynet, stock), {args.workers} sync workers each; PostgreSQL database {bench_name}; "
              f"{CONCURRENCY} requests in flight from a second process; {seconds:g} s per endpoint in "
              f"{args.rounds} round(s) (+{warmup:g} s warm-up each); load average {os.getloadavg()[0]:.1f}")
        print("  database statements per request (in-process count): "
              + ", ".join(f"{k} {v}" for k, v in queries.items()))
        # Short phases in turn, so that a change in the machine's load (it is shared) hits all
        # endpoints alike instead of whichever ran last; each buddynet endpoint right after its reference.
        for endpoint in ENDPOINTS:  # every worker of both servers loads its code and connects first
            _run_phase(endpoint, servers["stock" if endpoint.startswith("stock") else "buddynet"][1], clients,
                       0.0, 2.0, tmp)
        parts: dict[str, list[dict[str, Any]]] = {name: [] for name in ENDPOINTS}
        loads: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
        for _round in range(args.rounds):
            for endpoint in ENDPOINTS:
                port = servers["stock" if endpoint.startswith("stock") else "buddynet"][1]
                loads[endpoint].append(os.getloadavg()[0])
                parts[endpoint].append(_run_phase(endpoint, port, clients, seconds / args.rounds, warmup, tmp))
        results = {}
        for endpoint, runs in parts.items():
            results[endpoint] = r = _combine(endpoint, runs, seconds)
            r["load_average_1m"] = round(max(loads[endpoint]), 1)
            print(f"  {endpoint:13s} {r['rps']:7.1f} req/s   median {r['median_ms']:6.1f} ms   "
                  f"p95 {r['p95_ms']:6.1f} ms (load average {r['load_average_1m']:.1f})   errors {r['errors']}   "
                  f"statuses {r['statuses']}")
        from django.db.models import Count

        from buddynet.records.duos.models import CheckIn

        # One statement, so that the two counts see the same rows.
        counts = CheckIn.objects.aggregate(rows=Count("id"), uuids=Count("client_uuid", distinct=True))
        unique = counts["rows"] == counts["uuids"]
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for proc, _port in servers.values():
            _stop(proc)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            _drop_database(admin_url, bench_name)

    figures: dict[str, Any] = {"benchmark": "checkin_api", "concurrency": CONCURRENCY, "seconds": seconds,
                               "gunicorn_workers": args.workers, "database": "postgresql"}
    met = unique and all(r["errors"] == 0 for r in results.values())
    for name in ENDPOINTS:
        r = results[name]
        figures[name] = {k: r[k] for k in ("rps", "median_ms", "p95_ms", "requests", "errors", "rows_stored",
                                           "load_average_1m")}
    for name, reference in PAIRS.items():
        mine, ref = results[name]["p95_ms"], results[reference]["p95_ms"]
        ratio = round(mine / ref, 2) if ref else float("inf")
        figures[name][f"p95_ratio_vs_{reference}"] = ratio
        met = met and ratio <= TARGET_RATIO
        print(f"  {name}: p95 {mine} ms ÷ {reference}'s {ref} ms = {ratio} (target ≤ {TARGET_RATIO}); "
              f"{results[name]['rps']} vs {results[reference]['rps']} req/s; "
              f"absolute p95 {mine} ms at load average {results[name]['load_average_1m']} "
              f"(aim ≤ {AIM_P95_MS:g} ms on a quiet machine)")
    figures.update({"statements_per_request": queries, "load_average_1m": round(os.getloadavg()[0], 1),
                    "one_row_per_client_uuid": unique, "target_p95_ratio": TARGET_RATIO,
                    "aim_p95_ms": AIM_P95_MS, "target_met": bool(met)})
    if not (args.quick or args.no_save):
        import datetime as dt

        kept = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
                "rounds": args.rounds, **figures}
        RESULTS.write_text(json.dumps(kept, indent=2) + "\n")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
