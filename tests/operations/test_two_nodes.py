"""More than one host: two web nodes (gunicorn, two ports, each its own var/ folder) and two Celery
workers on one PostgreSQL + Redis + S3 stand-in (moto). Whatever a node must share is shared:

- a session made on node A is valid on node B;
- the sign-in lockout (django-axes) counts failures made on either node;
- a receipt uploaded on A is read through B (it is in the bucket, not on A's disk);
- notifications are delivered exactly once with both workers running and sweeping.

The nodes and workers use the test database (PostgreSQL, committed rows: transactional_db) and a
redis-server of this test only. Skipped on the embedded run; failed under BUDDYNET_REQUIRE_SERVICES.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from rest_framework.authtoken.models import Token

from buddynet.features.funding.models import BudgetLine, Grant
from notifications import tasks
from notifications.models import Channel, Notification
from tests.conftest import World, make_world
from tests.integration.processes import REPO, VENV_BIN, free_port, stop, tail, wait_for
from tests.integration.test_notification_delivery import CONCERN, WAIT, OwnRedis, _database_url, sent_copies
from tests.integration.test_notification_delivery import redis as redis  # noqa: F401 (fixture)
from tests.operations.conftest import S3

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "twee-knopen-wachtwoord-2026"  # noqa: S105
RECEIPT = b"%PDF-1.4\nkassaticket\n" + bytes(range(256)) * 8


@dataclass
class Cluster:
    a: str
    b: str
    mail: Path
    logs: list[Path]

    def logs_tail(self) -> str:
        return "\n\n".join(f"== {log.name}\n{tail(log, 30)}" for log in self.logs)


def _require_collected_static_files() -> None:
    """Every node serves the checkout's collected static files (var/static, whatever its own
    BUDDYNET_VAR_DIR; make install/test collect them)."""
    if not (REPO / "var" / "static" / "staticfiles.json").exists():
        pytest.fail("no collected static files: run `make install` (or collectstatic) first")


@pytest.fixture
def cluster(tmp_path: Path, redis: OwnRedis, s3: S3) -> Iterator[Cluster]:  # noqa: F811
    _require_collected_static_files()
    s3.create_bucket("buddynet-media")
    mail = tmp_path / "mail"
    mail.mkdir()
    common = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_URL"))}
    common.update(
        DJANGO_SETTINGS_MODULE="buddynet.settings", PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO),
        DATABASE_URL=_database_url(), CELERY_BROKER_URL=redis.url, CELERY_RESULT_BACKEND="",
        # The same secrets everywhere (the test process wrote the encrypted notes with them).
        SECRET_KEY=settings.SECRET_KEY, FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(mail),
        NOTIFICATIONS_SWEEP_GRACE_SECONDS="0", **s3.env("buddynet-media"),
    )
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []

    def start(name: str, command: list[str]) -> None:
        var = tmp_path / name
        var.mkdir()
        log = tmp_path / f"{name}.log"
        logs.append(log)
        with log.open("wb") as out:
            procs.append(subprocess.Popen(command, cwd=var, env={**common, "BUDDYNET_VAR_DIR": str(var)},
                                          stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                          process_group=0))

    ports = free_port(), free_port()
    for name, port in zip(("node-a", "node-b"), ports, strict=True):
        start(name, [str(VENV_BIN / "gunicorn"), "buddynet.wsgi:application", "--bind", f"127.0.0.1:{port}",
                     "--workers", "1", "--timeout", "60"])
    for name in ("worker-1", "worker-2"):
        start(name, [str(VENV_BIN / "celery"), "-A", "buddynet", "worker", "--pool=prefork", "--concurrency=1",
                     "--loglevel=info", "--hostname", f"{name}-{uuid.uuid4().hex[:6]}@%h"])
    result = Cluster(a=f"http://127.0.0.1:{ports[0]}", b=f"http://127.0.0.1:{ports[1]}", mail=mail, logs=logs)

    def ready() -> bool:
        try:
            web = all(requests.get(f"{base}/healthz", timeout=5).status_code == 200 for base in (result.a, result.b))
        except requests.RequestException:
            return False
        return web and all("ready." in log.read_text(errors="replace") for log in logs[2:])

    try:
        assert wait_for(lambda: ready() or any(p.poll() is not None for p in procs), WAIT, interval=1), \
            result.logs_tail()
        assert all(p.poll() is None for p in procs), result.logs_tail()
        yield result
    finally:
        for proc in procs:
            stop(proc)


def _with_password(user: Any) -> Any:
    # PBKDF2, which the nodes accept (the test process hashes with MD5 for speed).
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, uuid.uuid4().hex[:12])
    user.save(update_fields=["password"])
    return user


def _sign_in(session: requests.Session, base: str, email: str, password: str) -> requests.Response:
    session.get(f"{base}/aanmelden/", timeout=30)
    return session.post(f"{base}/aanmelden/", timeout=30, allow_redirects=False, headers={"Referer": f"{base}/"},
                        data={"username": email, "password": password, "remember": "on",
                              "csrfmiddlewaretoken": session.cookies["csrftoken"]})


def test_two_web_nodes_and_two_workers_share_everything_they_must(cluster: Cluster, s3: S3) -> None:
    world: World = make_world()
    volunteer = _with_password(world.volunteer_user)
    other = _with_password(world.other_volunteer_user)

    # 1. Signed in on node A, the session continues on node B.
    browser = requests.Session()
    assert _sign_in(browser, cluster.a, volunteer.email, PASSWORD).status_code == 302, cluster.logs_tail()
    on_b = browser.get(f"{cluster.b}/mijn/", timeout=30, allow_redirects=False)
    assert on_b.status_code == 200, (on_b.status_code, on_b.headers.get("Location"))

    # 2. Wrong passwords on A and B alike lock the account on both nodes.
    attacker = requests.Session()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        base = (cluster.a, cluster.b)[attempt % 2]
        assert _sign_in(attacker, base, other.email, "wrong-password-123").status_code in (200, 429)
    for base in (cluster.a, cluster.b):
        assert _sign_in(requests.Session(), base, other.email, PASSWORD).status_code == 429, base

    # 3. A receipt uploaded on A is read through B.
    grant = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-2N",
                                 amount=Decimal("40000"), start_date="2025-01-01", end_date="2027-12-31")
    line = BudgetLine.objects.create(grant=grant, kind="operating", amount=Decimal("1000"))
    coordinator = {"Authorization": f"Token {Token.objects.create(user=world.coordinator).key}"}
    created = requests.post(
        f"{cluster.a}/api/v1/funding/expenses/", headers=coordinator, timeout=30,
        data={"grant": grant.pk, "budget_line": line.pk, "date": "2025-06-01", "amount": "12.50",
              "description": "Koffie bij de kennismaking"},
        files={"receipt": ("kassaticket.pdf", RECEIPT, "application/pdf")})
    assert created.status_code == 201, created.text
    read = requests.get(f"{cluster.b}/api/v1/funding/expenses/{created.json()['id']}/", headers=coordinator,
                        timeout=30)
    assert read.status_code == 200, read.text
    # The API's own receipt address on B, which reads the bucket.
    assert read.json()["receipt"] == f"{cluster.b}/api/v1/funding/expenses/{created.json()['id']}/receipt/"
    assert requests.get(read.json()["receipt"], headers=coordinator, timeout=30).content == RECEIPT
    [key] = s3.keys("buddynet-media")
    assert key.startswith("funding/receipts/") and key.endswith(".pdf")
    assert not any((cluster.mail.parent / node / "media").exists() for node in ("node-a", "node-b"))

    # 4. Check-ins with a concern on both nodes: every e-mail delivered exactly once by two workers,
    #    while sweeps (what beat sends every five minutes) hand both workers the same outbox.
    volunteer_api = {"Authorization": f"Token {Token.objects.create(user=volunteer).key}"}
    for base, day in ((cluster.a, "2025-08-02"), (cluster.b, "2025-08-03")):
        response = requests.post(f"{base}/api/v1/check-ins/", headers=volunteer_api, timeout=30,
                                 json={"duo": world.duo.pk, **CONCERN, "date": day})
        assert response.status_code == 201, response.text
    emails = list(Notification.objects.filter(channel=Channel.EMAIL, digest=False).values_list("pk", flat=True))
    assert len(emails) >= 2
    # The test's Celery app already sends to this test's redis-server (the `redis` fixture).
    for _ in range(4):
        tasks.sweep.delay()

    def all_sent() -> bool:
        return not Notification.objects.filter(pk__in=emails, sent_at=None).exists()

    assert wait_for(all_sent, WAIT, interval=1), cluster.logs_tail()
    for _ in range(2):
        tasks.sweep.delay()

    def sweeps_done() -> int:
        return sum(len(re.findall(r"Task notifications\.sweep\[[^\]]+\] succeeded", log.read_text()))
                   for log in cluster.logs[2:])

    assert wait_for(lambda: sweeps_done() >= 6, WAIT, interval=1), cluster.logs_tail()
    assert {pk: sent_copies(cluster.mail, pk) for pk in emails} == dict.fromkeys(emails, 1)
