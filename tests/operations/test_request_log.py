"""One log line per request, with its id, the user's id (never a name or address), status and
duration; as JSON with LOG_FORMAT=json (the formatter the settings configure)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import World

pytestmark = pytest.mark.django_db


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "buddynet.request"]


def test_each_request_logs_one_line_with_id_user_id_status_and_duration(
        client: Any, world: World, caplog: pytest.LogCaptureFixture) -> None:
    client.force_login(world.coordinator)
    with caplog.at_level(logging.INFO, logger="buddynet.request"):
        response = client.get(f"/api/v1/participants/?search={world.coordinator.email}",
                              headers={"X-Request-ID": "proxy-req-0001"})
    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-req-0001"
    [record] = _lines(caplog)
    assert record.request_id == "proxy-req-0001"  # type: ignore[attr-defined]
    assert record.user_id == world.coordinator.pk  # type: ignore[attr-defined]
    assert record.status == 200 and record.method == "GET"  # type: ignore[attr-defined]
    assert record.path == "/api/v1/participants/"  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]

    # Formatted the way LOG_FORMAT=json formats it: one JSON object, no name, no address.
    formatter = logging.config.DictConfigurator(settings.LOGGING).configure_formatter(  # type: ignore[attr-defined]
        settings.LOGGING["formatters"]["json"])
    line = json.loads(formatter.format(record))
    assert {"request_id": "proxy-req-0001", "user_id": world.coordinator.pk, "status": 200,
            "path": "/api/v1/participants/", "level": "INFO"}.items() <= line.items()
    text = formatter.format(record)
    assert world.coordinator.full_name
    for personal in (world.coordinator.email, world.coordinator.full_name):
        assert personal not in text


def test_anonymous_requests_get_a_new_id_and_no_user(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="buddynet.request"):
        first = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
        second = client.get("/healthz")
    ids = [r.request_id for r in _lines(caplog)]  # type: ignore[attr-defined]
    assert ids == [first["X-Request-ID"], second["X-Request-ID"]]
    assert len(set(ids)) == 2 and "bad id with spaces" not in ids
    assert [r.user_id for r in _lines(caplog)] == [None, None]  # type: ignore[attr-defined]
