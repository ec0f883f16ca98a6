"""`make run` from end to end: it installs, migrates, loads the demo, serves web + worker + beat,
and SIGTERM to its process group stops every process it started.

Always on a throw-away SQLite file and the filesystem broker in a temporary BUDDYNET_VAR_DIR:
the smoke test never migrates or fills a real database, nor shares a broker with anything.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.integration.processes import (
    REPO,
    descendants,
    free_port,
    kill_all,
    port_accepts,
    still_alive,
    tail,
    wait_for,
)

pytestmark = pytest.mark.slow

STARTUP_SECONDS = 180  # includes collectstatic into the fresh var dir, migrate and the demo
STOP_SECONDS = 60


class Browser:
    """Just enough of a browser: cookies, and HTTP errors returned rather than raised."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - http://127.0.0.1 only
        if data is not None:
            req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.cookies if c.name == name)


def _healthy(browser: Browser) -> bool:
    try:
        return browser.request("/healthz")[0] == 200
    except OSError:  # not listening yet
        return False


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("CELERY_")}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        BUDDYNET_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'smoke.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    return env


def test_make_run_serves_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    make = shutil.which("make")
    assert make, "GNU make is needed to run `make run`"
    port = free_port()
    log = tmp_path / "make-run.log"
    browser = Browser(f"http://127.0.0.1:{port}")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [make, "--no-print-directory", "run"], cwd=REPO, env=_env(tmp_path, port),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    started: list[Any] = []
    try:
        up = wait_for(lambda: proc.poll() is not None or _healthy(browser), STARTUP_SECONDS, interval=0.5)
        assert proc.poll() is None, f"make run exited with {proc.returncode}:\n{tail(log)}"
        assert up, f"/healthz did not answer 200 within {STARTUP_SECONDS}s:\n{tail(log)}"

        # Everything it started, before it is asked to stop.
        started = descendants(proc.pid)
        commands = " ".join(p.cmdline for p in started)
        assert "scripts/run.py" in commands
        assert "gunicorn" in commands
        assert re.search(r"celery -A buddynet worker", commands), commands
        assert re.search(r"celery -A buddynet beat", commands), commands

        # The URLs are printed once the server answers.
        assert wait_for(lambda: f"http://127.0.0.1:{port}/api/docs/" in log.read_text(), 15), tail(log)
        for path in ("/", "/admin/", "/api/docs/"):
            assert f"http://127.0.0.1:{port}{path}" in log.read_text()

        health = json.loads(browser.request("/healthz")[1])
        # A query string can hold a one-time sign-in token (?sesame=…) or a searched name: one line per
        # request is buddynet's own request log, without it; no server access log writes the request line.
        assert browser.request("/aanmelden/?sesame=token-that-must-not-be-logged")[0] < 500
        assert wait_for(lambda: "GET /aanmelden/ " in log.read_text(), 15), tail(log)  # its line, from the same worker
        assert "token-that-must-not-be-logged" not in log.read_text()
        assert health["database"] == "ok" and health["broker"] == "ok"

        # Swagger UI, served with its own static files (collected, hashed, by whitenoise).
        status, docs = browser.request("/api/docs/")
        assert status == 200
        assert "swagger" in docs.lower()
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', docs)
        assert assets, docs
        for asset in assets:
            assert browser.request(asset)[0] == 200, asset
        assert browser.request("/api/schema/")[0] == 200

        # The demo is there: in the database file, and through the admin login and the API.
        with sqlite3.connect(tmp_path / "smoke.sqlite3") as db:
            assert db.execute("SELECT COUNT(*) FROM people_participant").fetchone()[0] > 0
        assert _demo_admin_sees_participants(browser, log)

        # The worker consumes: a ping through the same broker comes back.
        try:
            ping = subprocess.run(
                [sys.executable, "-c", "from buddynet.celery import ping; print(ping.delay().get(timeout=60))"],
                cwd=REPO, env=_env(tmp_path, port), capture_output=True, text=True, timeout=90,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"no pong from make run's worker within 90 s: {exc.stderr!r}\n{tail(log)}")
        assert ping.stdout.strip() == "pong", f"{ping.stderr}\n{tail(log)}"
        assert "beat: Starting" in log.read_text()

        # SIGTERM to the whole process group (what a terminal's Ctrl-C or a service manager does).
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make run still runs {STOP_SECONDS}s after SIGTERM; left: "
                        f"{[p.cmdline for p in still_alive(started)]}\n{tail(log)}")
        assert wait_for(lambda: not still_alive(started), 15), (
            f"left running: {[p.cmdline for p in still_alive(started)]}\n{tail(log)}"
        )
        assert not port_accepts(port), "the port is still served after make run stopped"
        assert "all stopped" in log.read_text(), tail(log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        kill_all(started)


def _demo_admin_sees_participants(browser: Browser, log: Path) -> bool:
    """Log in with the demo administrator the demo command printed, then list participants."""
    match = re.search(r"(admin@\S+)\s+(\S+)", log.read_text())
    assert match, f"the demo did not print an administrator login:\n{tail(log)}"
    email, password = match.groups()
    status, _ = browser.request("/admin/login/")
    assert status == 200
    status, page = browser.request(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "csrfmiddlewaretoken": browser.cookie("csrftoken"),
         "next": "/admin/"},
    )
    assert status == 200 and 'name="password"' not in page, f"the demo admin could not log in:\n{page[:2000]}"
    # Administrators confirm a second factor (issue 9): the first time, set up an authenticator
    # app from the key on the enrolment page, as a person would, and confirm its code.
    key = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', page)
    assert key, f"the demo admin was not sent to the two-factor enrolment:\n{page[:2000]}"
    from base64 import b32decode

    from django_otp.oath import totp

    secret = key.group(1).replace(" ", "")
    code = f"{totp(b32decode(secret + '=' * (-len(secret) % 8))):06d}"
    status, page = browser.request(
        "/aanmelden/tweestaps/instellen/",
        {"code": code, "next": "/admin/", "csrfmiddlewaretoken": browser.cookie("csrftoken")},
    )
    assert status == 200 and "backup-codes" in page, page[:2000]
    status, body = browser.request("/api/v1/participants/")
    assert status == 200, body[:2000]
    return int(json.loads(body)["count"]) > 0
