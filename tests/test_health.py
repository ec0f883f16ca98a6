"""GET /healthz: 200 when the database and the broker answer, 503 when one does not.

The broker is real: the embedded filesystem transport in the default run, Redis in CI's
service run. "Unreachable" is a real Redis URL on a local port that refuses connections.
An unreachable database is a real connection too, opened with the test database's settings
pointed somewhere nothing answers (a refused port for PostgreSQL, a file in a directory that
does not exist for SQLite).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import override_settings

from buddynet import health
from buddynet.celery import app as celery_app

pytestmark = pytest.mark.django_db


def _assert_never_cached(response: Any) -> None:
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "max-age=0"} <= cache_control
    assert "Expires" in response


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A local port that is bound but not listening: a connection to it is refused at once,
    and nothing else can start listening on it while the test runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    # Celery reads its configuration through django.conf.settings, so an override reaches it;
    # but it prefers a CELERY_BROKER_URL environment variable (set in CI's service run).
    with override_settings(CELERY_BROKER_URL=url), pytest.MonkeyPatch.context() as env:
        env.setenv("CELERY_BROKER_URL", url)
        assert celery_app.conf.broker_write_url == url
        yield


@pytest.fixture
def unreachable_broker(refused_port: int) -> Iterator[str]:
    url = f"redis://127.0.0.1:{refused_port}/0"
    with broker_at(url):
        yield url


@pytest.fixture
def unreachable_database(refused_port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """/healthz's connection, replaced by one to a database that cannot be reached.

    A connection of its own rather than the test's: closing and reopening the test's connection
    inside its transaction (or its in-memory SQLite database) would lose the test database.
    """
    broken = connections.create_connection(DEFAULT_DB_ALIAS)
    if broken.vendor == "postgresql":
        where = f"127.0.0.1:{refused_port}"
        broken.settings_dict = {**broken.settings_dict, "HOST": "127.0.0.1", "PORT": str(refused_port)}
    else:
        where = "/nonexistent-buddynet-dir/db.sqlite3"
        broken.settings_dict = {**broken.settings_dict, "NAME": where}
    monkeypatch.setattr(health, "connection", broken)
    try:
        yield where
    finally:
        broken.close()


def test_it_answers_200_when_database_and_broker_are_up(client: Any) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"status", "database", "broker", "ms"}
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert isinstance(body["ms"], int | float) and body["ms"] >= 0
    _assert_never_cached(response)


def test_it_answers_503_when_the_broker_is_unreachable(client: Any, unreachable_broker: str) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503, response.content
    body = response.json()
    assert set(body) == {"status", "database", "broker", "ms"}
    assert body["status"] == "down"
    assert body["database"] == "ok"
    assert body["broker"].startswith("down: "), body
    # The error's class only: no URL, host or password leaks into a public endpoint.
    assert "127.0.0.1" not in response.content.decode()
    _assert_never_cached(response)


def test_it_answers_503_when_the_database_is_unreachable(client: Any, unreachable_database: str) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503, response.content
    body = response.json()
    assert set(body) == {"status", "database", "broker", "ms"}
    assert body["status"] == "down"
    assert body["database"] == "down: OperationalError", body
    assert body["broker"] == "ok"
    # The error's class only: no host, port or file name leaks into a public endpoint.
    assert unreachable_database not in response.content.decode()
    _assert_never_cached(response)


def test_it_recovers_once_the_broker_is_back(client: Any, refused_port: int) -> None:
    with broker_at(f"redis://127.0.0.1:{refused_port}/0"):
        assert client.get("/healthz").status_code == 503

    response = client.get("/healthz")

    assert response.status_code == 200, response.content


def test_it_answers_only_get(client: Any) -> None:
    response = client.post("/healthz")

    assert response.status_code == 405
