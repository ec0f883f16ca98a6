"""`make serve` from end to end on PostgreSQL + Redis with SECURE=true behind a proxy header:
migrations, the three Procfile processes, no demo; the first administrator's link, password and
second factor in Chromium behind a TLS proxy; a check-in through the API whose notification the
worker mails over SMTP; the demo is refused; SIGTERM stops everything.

Needs PostgreSQL and Redis (the test's DATABASE_URL and CELERY_BROKER_URL): it makes a database of
its own next to the test database and drops it afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from base64 import b32decode
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from django.conf import settings
from django_otp.oath import totp

from tests.conftest import require_postgres, require_redis
from tests.integration.processes import REPO, descendants, free_port, kill_all, still_alive, tail, wait_for
from tests.integration.test_notification_delivery import OwnRedis
from tests.integration.tls_proxy import TLSProxy
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
BROWSER_SECONDS = 60  # the first sign-in in Chromium, two-factor enrolment included


def proxied_status(port: int, path: str) -> int:
    """The status of a GET as the reverse proxy forwards it (X-Forwarded-Proto https)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
        return conn.getresponse().status
    finally:
        conn.close()


def browser_first_sign_in(base: str, link_path: str, email: str) -> float:
    """The first administrator's first visit, in Chromium: the one-time link, a password, the
    sign-in, the enrolment of an authenticator (the code computed from the key the page shows, as
    the person's app would), the backup codes, the admin. The seconds it took."""
    from playwright.sync_api import expect, sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    started = time.monotonic()
    password = "lang-en-geheim-wachtwoord-2026"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            # The proxy's certificate is self-signed; everything else is what a browser does.
            context = browser.new_context(locale="nl-BE", ignore_https_errors=True)
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.goto(f"{base}{link_path}")
            page.get_by_label("Nieuw wachtwoord", exact=True).fill(password)
            page.get_by_label("Nieuw wachtwoord nog eens").fill(password)
            page.get_by_role("button", name="Wachtwoord bewaren").click()
            page.wait_for_url("**/aanmelden/welkom/klaar/")
            page.get_by_role("link", name="Aanmelden").click()
            page.get_by_label("E-mailadres").fill(email)
            page.get_by_label("Wachtwoord").fill(password)
            page.get_by_role("button", name="Aanmelden").click()
            page.wait_for_url("**/aanmelden/tweestaps/instellen/**")
            # The session cookie is Secure and came over the proxy's https.
            cookies = {c["name"]: c for c in context.cookies()}
            assert cookies[settings.SESSION_COOKIE_NAME]["secure"], cookies
            secret = page.locator("#totp-key").inner_text().replace(" ", "")
            code = f"{totp(b32decode(secret + '=' * (-len(secret) % 8))):06d}"
            page.get_by_label("Code uit de app").fill(code)
            page.get_by_role("button", name="Bevestigen").click()
            expect(page.get_by_role("heading", name="Je reservecodes")).to_be_visible()
            assert page.locator(".backup-codes li").count() == 10
            page.get_by_role("link", name="Ik heb ze bewaard, verder").click()
            page.wait_for_url("**/admin/")
            assert "/aanmelden/" not in page.url
            expect(page.locator("#site-name")).to_be_visible()  # the admin itself, signed in
        finally:
            browser.close()
    return time.monotonic() - started


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
    # The static files are the checkout's (var/static, whatever BUDDYNET_VAR_DIR says): make sees
    # the ones it collected for the suite up to date, as after `make install` on a server.
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        # -o .venv/.installed: use the venv as it is (the suite runs from it), as CI's make test left it.
        proc = subprocess.Popen([make, "--no-print-directory", "-o", ".venv/.installed", "serve"], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    started: list = []

    def healthy() -> bool:
        try:
            return proxied_status(port, "/healthz") == 200
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

        # The link, in Chromium behind a TLS proxy (as deploy/Caddyfile puts it in front): choose a
        # password, sign in, enrol the second factor with the key the page shows, reach the admin.
        with TLSProxy(port, tmp_path) as proxy:
            seconds = browser_first_sign_in(proxy.url, path, "beheer@ocmw.example.be")
        assert seconds < BROWSER_SECONDS, f"the sign-in in Chromium took {seconds:.0f}s"

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
