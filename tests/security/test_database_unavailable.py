"""Issue 21 item 13: while PostgreSQL restarts, requests answer 503 with Retry-After (JSON on
the API, a page in the user's language elsewhere) instead of 500, and the next request after it
is back works without a restart.

The outage is real: another connection has PostgreSQL terminate the connection Django holds,
as a restart does; the next query on it fails."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _cut_djangos_connection() -> None:
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_the_api_answers_503_json_with_retry_after_then_recovers(world: Any) -> None:
    require_postgres()
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.volunteer_user)
    assert client.get("/api/v1/duos/").status_code == 200
    _cut_djangos_connection()

    during = client.get("/api/v1/duos/")

    assert during.status_code == 503
    assert during["Retry-After"] == "5"
    assert "briefly unavailable" in during.json()["detail"]
    assert client.get("/api/v1/duos/").status_code == 200  # a new connection, no restart


def test_a_page_answers_a_dutch_503_page(world: Any) -> None:
    require_postgres()
    client = Client(raise_request_exception=False)
    client.force_login(world.volunteer_user)
    assert client.get("/mijn/").status_code == 200
    _cut_djangos_connection()

    during = client.get("/mijn/")

    assert during.status_code == 503
    assert during["Retry-After"] == "5"
    assert "even niet bereikbaar" in during.content.decode()
    assert client.get("/mijn/").status_code == 200
