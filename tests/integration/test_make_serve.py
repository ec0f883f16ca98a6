"""`make serve` from end to end on PostgreSQL + Redis with SECURE=true behind a proxy header:
migrations, the three Procfile processes, no demo; the first administrator's link, password and
second factor; a check-in through the API whose notification the worker mails over SMTP; the demo
is refused; SIGTERM stops everything.

Needs PostgreSQL and Redis (the test's DATABASE_URL and CELERY_BROKER_URL): it makes a database of
its own next to the test database and drops it afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
from base64 import b32decode
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from django.conf import settings
from django_otp.oath import totp

from tests.conftest import require_postgres, require_redis
from tests.integration.processes import REPO, descendants, free_port, kill_all, still_alive, tail, wait_for
from tests.integration.test_notification_delivery import OwnRedis
from tests.notifications.test_smtp import Inbox

pytestmark = pytest.mark.slow

# The small world of tests/conftest.py in the served database, and an API token for its volunteer.
WORLD = """
from rest_framework.authtoken.models import Token
from tests.conftest import make_world
world = make_world()
print(Token.objects.create(user=world.volunteer_user).key, world.duo.pk)
"""
CONCERN = {"date": "2025-08-02", "duration_minutes": 45, "mode": "phone", "concern": True,
           "concern_note": "Ze eet niet meer goed."}
STARTUP_SECONDS = 240  # migrations on a fresh PostgreSQL database, on a shared 2-core machine


class ProxiedClient:
    """Requests as the reverse proxy forwards them: X-Forwarded-Proto https, cookies kept by hand
    (they are Secure, which a plain-HTTP cookie jar would never send back)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1{path}"
            headers["Origin"] = "https://127.0.0.1"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.text = response.read().decode("utf-8", "replace")  # type: ignore[attr-defined]
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response


@pytest.fixture
def serve_database() -> Iterator[str]:
    db = settings.DATABASES["default"]
    require_postgres()
    name = f"{db['NAME']}_serve"[:60]
    auth = f"{db['USER']}" + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    base = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test only: a shared broker would hand other tests' tasks to this
    instance's worker (and its tasks to theirs), each on the wrong database."""
    require_redis()  # CI's service run; the embedded run skips here
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def test_make_serve_runs_production_without_the_demo_and_stops_cleanly(tmp_path: Path, serve_database: str,
                                                                        own_redis: str) -> None:
    broker = own_redis
    smtp_port = free_port()
    make = shutil.which("make")
    assert make
    port = free_port()
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        SECURE="true", SECRET_KEY=secrets.token_urlsafe(50), FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=serve_database, CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=broker,
        ALLOWED_HOSTS="127.0.0.1", BUDDYNET_BASE_URL="https://127.0.0.1", BUDDYNET_VAR_DIR=str(tmp_path / "var"),
        HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1", WORKER_CONCURRENCY="1", PYTHONUNBUFFERED="1",
        EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_port), EMAIL_TIMEOUT="10",
    )
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    # The static files make collected for the suite (same sources, so make sees them up to date):
    # collecting them again costs minutes on a busy machine and is what `make run`'s test covers.
    if (REPO / "var" / "static" / "staticfiles.json").exists():
        shutil.copytree(REPO / "var" / "static", tmp_path / "var" / "static")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        # -o .venv/.installed: use the venv as it is (the suite runs from it), as CI's make test left it.
        proc = subprocess.Popen([make, "--no-print-directory", "-o", ".venv/.installed", "serve"], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    client = ProxiedClient(port)
    started: list = []

    def healthy() -> bool:
        try:
            return client.request("GET", "/healthz").status == 200
        except OSError:
            return False

    try:
        up = wait_for(lambda: proc.poll() is not None or healthy(), STARTUP_SECONDS, interval=0.5)
        assert proc.poll() is None, f"make serve exited with {proc.returncode}:\n{tail(log)}"
        assert up, f"/healthz did not answer within {STARTUP_SECONDS}s:\n{tail(log)}"
        # run.py saw the site answer through the proxy header too (SECURE redirects plain HTTP).
        assert wait_for(lambda: "buddynet is up" in log.read_text(), 30), tail(log)
        started = descendants(proc.pid)
        commands = " ".join(p.cmdline for p in started)
        assert "gunicorn" in commands and "celery -A buddynet worker" in commands
        assert "celery -A buddynet beat" in commands

        # Plain HTTP (no proxy header) is sent to HTTPS.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/aanmelden/", headers={"Host": "127.0.0.1"})
        plain = conn.getresponse()
        assert plain.status == 301 and plain.getheader("Location", "").startswith("https://")
        conn.close()

        # No demo: the database holds no user until the first administrator is made.
        run = [sys.executable, "manage.py"]
        demo = subprocess.run([*run, "demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert demo.returncode != 0 and "SECURE=true means production" in demo.stderr
        made = subprocess.run([*run, "first_admin", "beheer@ocmw.example.be"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        link = made.stdout.strip().splitlines()[-1]
        path = urlsplit(link).path
        assert path.startswith("/aanmelden/welkom/")

        # The link, through the proxy: choose a password, then sign in: the second factor comes next.
        first = client.request("GET", path)
        assert first.status == 302, first.text[:500]
        form_path = first.getheader("Location")
        form = client.request("GET", form_path)
        assert form.status == 200 and 'name="new_password1"' in form.text  # type: ignore[attr-defined]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr,attr-defined]
        password = "lang-en-geheim-wachtwoord-2026"
        saved = client.request("POST", form_path, {"csrfmiddlewaretoken": token, "new_password1": password,
                                                   "new_password2": password})
        assert saved.status == 302 and saved.getheader("Location") == "/aanmelden/welkom/klaar/", saved.text[:500]
        login = client.request("GET", "/aanmelden/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr,attr-defined]
        signed_in = client.request("POST", "/aanmelden/", {"csrfmiddlewaretoken": token,
                                                           "username": "beheer@ocmw.example.be",
                                                           "password": password})
        assert signed_in.status == 302, signed_in.text[:500]
        admin = client.request("GET", "/admin/")
        assert admin.status == 302 and admin.getheader("Location", "").startswith("/aanmelden/tweestaps/")
        # The second factor, as a person with an authenticator app: the key from the enrolment page.
        enrol = client.request("GET", "/aanmelden/tweestaps/instellen/?next=/admin/")
        key = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', enrol.text)  # type: ignore[attr-defined]
        assert enrol.status == 200 and key, enrol.text[:1000]  # type: ignore[attr-defined]
        secret = key.group(1).replace(" ", "")
        code = f"{totp(b32decode(secret + '=' * (-len(secret) % 8))):06d}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', enrol.text).group(1)  # type: ignore[union-attr,attr-defined]
        confirmed = client.request("POST", "/aanmelden/tweestaps/instellen/",
                                   {"csrfmiddlewaretoken": token, "code": code, "next": "/admin/"})
        assert confirmed.status == 200 and "backup-codes" in confirmed.text, confirmed.text[:1000]  # type: ignore[attr-defined]
        assert client.request("GET", "/admin/").status == 200

        # A volunteer logs a check-in with a worry through the API (token, through the proxy): the
        # worker mails the coordinator through the SMTP server of the settings.
        world = subprocess.run([*run, "shell", "-c", WORLD], cwd=REPO, env=env, capture_output=True, text=True,
                               timeout=120)
        assert world.returncode == 0, world.stderr
        token, duo_id = world.stdout.split()[-2:]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/api/v1/check-ins/", body=json.dumps({"duo": int(duo_id), **CONCERN}), headers={
            "Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Authorization": f"Token {token}",
            "Content-Type": "application/json"})
        created = conn.getresponse()
        assert created.status == 201, created.read()[:1000]
        conn.close()
        assert wait_for(lambda: inbox.messages, 90), tail(log)
        assert inbox.messages[0][1] == ["alice@example.be"]
        assert b"Message-ID: <notification-" in inbox.messages[0][2]

        # The worker consumes from the same broker.
        ping = subprocess.run(
            [sys.executable, "-c", "from buddynet.celery import ping; print(ping.delay().get(timeout=60))"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=90,
        )
        assert ping.stdout.strip() == "pong", f"{ping.stderr}\n{tail(log)}"

        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        assert wait_for(lambda: not still_alive(started), 15), [p.cmdline for p in still_alive(started)]
        assert "all stopped" in log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        kill_all(started)
        smtp.stop()
