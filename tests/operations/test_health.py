"""/healthz/detail: each part turns its own check red, and only administrators or the token see it.

Real parts everywhere: the test database, the configured broker, Celery's ping over it. No
worker consumes the broker in this process's tests, so "no worker answers" is the real state
here (tests/operations/test_health_worker.py starts a real worker and kills it).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from buddynet.celery import app as celery_app
from buddynet.operations.models import Heartbeat
from buddynet.operations.tasks import BACKUP, BEAT, heartbeat
from notifications.models import Notification
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "health-token-for-tests-0123456789"  # noqa: S105


def detail(client: Any, **headers: str) -> Any:
    return client.get("/healthz/detail?format=json", headers=headers)


def states(response: Any) -> dict[str, str]:
    """{check class name: "OK" or its message} from the JSON answer."""
    return {key.split("(")[0]: value for key, value in response.json().items()}


@pytest.fixture(autouse=True)
def _token(settings: Any) -> None:
    settings.HEALTH_TOKEN = TOKEN
    settings.HEALTH_WORKER_TIMEOUT_SECONDS = 1


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def test_anyone_but_an_administrator_or_the_token_gets_404(client: Any, world: World) -> None:
    assert detail(client).status_code == 404
    assert detail(client, Authorization="Bearer wrong").status_code == 404
    assert detail(client, Authorization=TOKEN).status_code == 404
    for user in (world.coordinator, world.volunteer_user, world.funder_user):
        client.force_login(user)
        assert detail(client).status_code == 404, user
        client.logout()


@pytest.mark.parametrize("who", ["administrator", "token"])
def test_an_administrator_or_the_token_sees_every_check(client: Any, world: World, who: str) -> None:
    if who == "administrator":
        client.force_login(world.admin)
        response = detail(client)
    else:
        response = detail(client, **bearer())
    assert response.status_code in (200, 500)
    assert response["Cache-Control"].count("no-cache") == 1
    assert set(states(response)) == {"Database", "Broker", "Worker", "BeatHeartbeat", "DiskSpace", "LastBackup",
                                     "OutboxAge"}
    assert states(response)["Database"] == "OK"
    assert states(response)["Broker"] == "OK"


def test_without_a_token_configured_no_bearer_gets_in(client: Any, settings: Any) -> None:
    settings.HEALTH_TOKEN = ""
    assert detail(client, Authorization="Bearer ").status_code == 404


def test_no_worker_answering_the_ping_is_red(client: Any) -> None:
    response = detail(client, **bearer())
    assert response.status_code == 500
    assert states(response)["Worker"] == "Unavailable: Celery workers unavailable"


def test_a_stopped_beat_turns_its_check_red(client: Any) -> None:
    assert states(detail(client, **bearer()))["BeatHeartbeat"] == "Unavailable: No heartbeat of beat yet"

    heartbeat.apply()  # what beat has a worker run every minute
    assert states(detail(client, **bearer()))["BeatHeartbeat"] == "OK"

    Heartbeat.objects.filter(name=BEAT).update(at=timezone.now() - timedelta(minutes=6))
    response = detail(client, **bearer())
    assert response.status_code == 500
    assert states(response)["BeatHeartbeat"].startswith("Unavailable: Beat's last heartbeat is 36")


def _email(world: World, *, minutes_old: int, key: str, **fields: Any) -> Notification:
    return Notification.objects.create(
        recipient=world.volunteer_user, kind="check_in_reminder", channel="email", subject="Herinnering",
        body="Je hebt al even geen contact gelogd.", dedup_key=key,
        created_at=timezone.now() - timedelta(minutes=minutes_old), **fields)


def test_an_old_undelivered_email_turns_the_outbox_red(client: Any, world: World) -> None:
    _email(world, minutes_old=5, key="fresh")
    _email(world, minutes_old=600, key="sent", sent_at=timezone.now())
    _email(world, minutes_old=600, key="failed", failed_at=timezone.now())
    _email(world, minutes_old=600, key="digest", digest=True)
    assert states(detail(client, **bearer()))["OutboxAge"] == "OK"

    _email(world, minutes_old=61, key="stuck")
    response = detail(client, **bearer())
    assert response.status_code == 500
    assert states(response)["OutboxAge"] == "Unavailable: Oldest undelivered e-mail is 61 minutes old"


def test_a_full_disk_turns_its_check_red(client: Any, settings: Any) -> None:
    assert states(detail(client, **bearer()))["DiskSpace"] == "OK"
    settings.HEALTH_DISK_MIN_FREE_MB = 1024 ** 4  # an exabyte: no disk has that free
    assert states(detail(client, **bearer()))["DiskSpace"].startswith("Unavailable: Disk of var has ")


@pytest.fixture
def frozen_redis() -> Iterator[str]:
    """A port that accepts TCP connections (the kernel's backlog) and never answers a byte:
    what a stopped (SIGSTOP) or wedged Redis looks like to a client."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        server.close()


def test_healthz_answers_503_on_a_frozen_broker_instead_of_hanging(client: Any, frozen_redis: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELERY_BROKER_URL", frozen_redis)
    answers: list[Any] = []
    with override_settings(CELERY_BROKER_URL=frozen_redis, HEALTH_BROKER_TIMEOUT_SECONDS=1):
        assert celery_app.conf.broker_write_url == frozen_redis
        request = threading.Thread(target=lambda: answers.append(client.get("/healthz")), daemon=True)
        request.start()
        # Not a timing assertion: before the fix the request never came back at all.
        request.join(timeout=60)
    assert answers, "/healthz hung on a broker that does not answer"
    assert answers[0].status_code == 503
    assert answers[0].json()["broker"] == "down: TimeoutError"


def test_with_nightly_backups_on_a_missing_or_old_backup_turns_its_check_red(client: Any, settings: Any) -> None:
    settings.BACKUP_NIGHTLY = False  # nothing expected: whoever backs up otherwise watches that
    assert states(detail(client, **bearer()))["LastBackup"] == "OK"

    settings.BACKUP_NIGHTLY = True
    response = detail(client, **bearer())
    assert response.status_code == 500
    assert states(response)["LastBackup"] == "Unavailable: No backup yet (make one: manage.py backup)"

    # What a complete backup records (tests/operations/test_backup.py: `manage.py backup` does).
    Heartbeat.objects.create(name=BACKUP, at=timezone.now() - timedelta(hours=2))
    assert states(detail(client, **bearer()))["LastBackup"] == "OK"

    # The next nights fail (pg_dump missing, BACKUP_DIR full or read-only): red the day after.
    Heartbeat.objects.filter(name=BACKUP).update(at=timezone.now() - timedelta(hours=27))
    response = detail(client, **bearer())
    assert response.status_code == 500
    assert states(response)["LastBackup"] == "Unavailable: The last complete backup is 27 h old"
