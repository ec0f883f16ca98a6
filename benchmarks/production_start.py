"""Figure: time from a clean clone to a healthy production instance (issue 14).

    python3 benchmarks/production_start.py \\
        --database-url postgres://postgres@127.0.0.1:5432 --redis-url redis://127.0.0.1:6379/2

Does what README "Production" tells an organisation to do, on PostgreSQL and Redis:
1. clone   `git clone` of this repository (its committed HEAD) into a temporary folder;
2. install `make install` in the clone: a new venv with requirements.lock (hashes checked),
           buddynet itself, the compiled translations, collectstatic;
3. serve   `make serve` with SECURE=true and the variables of "Configure" (a database of its
           own, created empty and dropped afterwards): migrations, then web + worker + beat,
           until `/healthz` answers 200 through the proxy header;
4. healthy until `/healthz/detail?format=json` (with HEALTH_TOKEN) is green: database, broker,
           a live worker, beat's heartbeat, disk space, outbox.
Prints the seconds of each phase and ends with one JSON line. Needs no venv of its own: only the
standard library (the clone's venv runs buddynet). Uses pip's configured index (or wheel cache)
for the install, as `make install` does.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from base64 import urlsafe_b64encode
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "buddynet_production_start"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def psql(admin_url: str, sql: str) -> None:
    """Run one statement on the server's `postgres` database with the psql client, or, without
    psql, with psycopg from the repository's venv (the benchmark itself stays standard-library)."""
    url = f"{admin_url.rstrip('/')}/postgres"
    if shutil.which("psql"):
        subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                       stdout=subprocess.DEVNULL)
        return
    code = f"import psycopg; psycopg.connect({url!r}, autocommit=True).execute({sql!r})"
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", code], check=True)


def get(port: int, path: str, token: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait(condition: object, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.5)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log.exists() else ""
    raise SystemExit(f"{what} not reached within {timeout:.0f}s\n{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
                        help="a PostgreSQL server (no database name) where this may create and drop a database")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2"),
                        help="the broker (use a Redis database number nothing else uses)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per phase")
    parser.add_argument("--keep", action="store_true", help="keep the clone (printed) instead of deleting it")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="buddynet-production-start-"))
    clone = workdir / "buddynet"
    log = workdir / "serve.log"
    port = free_port()
    token = secrets.token_urlsafe(32)
    database_url = f"{args.database_url.rstrip('/')}/{DATABASE}"
    env = {k: v for k, v in os.environ.items()
           if k not in {"VIRTUAL_ENV", "PYTHONPATH", "DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MAKELEVEL"}
           and not k.startswith(("CELERY_", "DATABASE_", "BUDDYNET_", "EMAIL_"))}
    env.update(
        SECURE="true", SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=urlsafe_b64encode(os.urandom(32)).decode(),  # a Fernet key
        DATABASE_URL=database_url, CELERY_BROKER_URL=args.redis_url, CELERY_RESULT_BACKEND=args.redis_url,
        ALLOWED_HOSTS="127.0.0.1", BUDDYNET_BASE_URL="https://127.0.0.1", BUDDYNET_VAR_DIR=str(workdir / "var"),
        HEALTH_TOKEN=token, HOST="127.0.0.1", PORT=str(port), PYTHONUNBUFFERED="1",
    )
    phases: dict[str, float] = {}
    proc: subprocess.Popen[bytes] | None = None
    psql(args.database_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    psql(args.database_url, f'CREATE DATABASE "{DATABASE}"')
    started = time.monotonic()
    try:
        mark = time.monotonic()
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
        phases["clone"] = time.monotonic() - mark
        print(f"clone    {phases['clone']:7.1f} s", flush=True)

        mark = time.monotonic()
        with (workdir / "install.log").open("wb") as out:
            installed = subprocess.run(["make", "--no-print-directory", "install"], cwd=clone, env=env,
                                       stdout=out, stderr=subprocess.STDOUT, timeout=args.timeout)
        if installed.returncode != 0:
            raise SystemExit(f"make install failed:\n{(workdir / 'install.log').read_text()[-4000:]}")
        phases["install"] = time.monotonic() - mark
        print(f"install  {phases['install']:7.1f} s  (venv, requirements.lock, translations, static files)",
              flush=True)

        mark = time.monotonic()
        with log.open("wb") as out:
            proc = subprocess.Popen(["make", "--no-print-directory", "serve"], cwd=clone, env=env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)

        def live() -> bool:
            if proc is not None and proc.poll() is not None:
                raise SystemExit(f"make serve exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
            try:
                return get(port, "/healthz")[0] == 200
            except OSError:
                return False

        wait(live, args.timeout, "/healthz 200", log)
        phases["serve"] = time.monotonic() - mark
        print(f"serve    {phases['serve']:7.1f} s  (migrations, web + worker + beat, /healthz 200)", flush=True)

        mark = time.monotonic()
        last: dict[str, object] = {}

        def healthy() -> bool:
            try:
                status, body = get(port, "/healthz/detail?format=json", token)
            except OSError:
                return False
            with contextlib.suppress(ValueError):
                last.update(json.loads(body))
            return status == 200

        try:
            wait(healthy, args.timeout, "/healthz/detail green", log)
        except SystemExit:
            print(json.dumps(last, indent=1), file=sys.stderr)
            raise
        phases["healthy"] = time.monotonic() - mark
        print(f"healthy  {phases['healthy']:7.1f} s  (/healthz/detail green: {', '.join(last)})", flush=True)
        total = time.monotonic() - started
        print(f"total    {total:7.1f} s", flush=True)
        load1, _load5, _load15 = os.getloadavg()
        print(json.dumps({
            "benchmark": "production_start", "database": "postgresql", "broker": urlsplit(args.redis_url).scheme,
            "python": sys.version.split()[0], "cpus": os.cpu_count(), "load_average_1min": round(load1, 2),
            **{f"{name}_seconds": round(value, 1) for name, value in phases.items()},
            "total_seconds": round(total, 1), "checks": sorted(last),
        }))
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        psql(args.database_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
