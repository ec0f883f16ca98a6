"""Error reports leave the process without personal data: a real failing request, captured by
sentry-sdk's Django integration, scrubbed by before_send, caught at the transport (the outer edge)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from buddynet.operations.errors import scrub_event, scrub_text, sentry_init
from tests.conftest import World

NOTE = "Paula vertelde over haar schulden bij het OCMW en haar depressie"
EMAIL = "paula.peeters@voorbeeld.be"


class Keep(Transport):
    events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            if item.type == "event" and item.payload.json is not None:
                Keep.events.append(item.payload.json)


@pytest.fixture
def sentry() -> Iterator[list[dict[str, Any]]]:
    Keep.events = []
    sentry_init(dsn="https://public@sentry.invalid/1", environment="test", transport=Keep)
    try:
        yield Keep.events
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # no DSN: reporting off again for the rest of the run


@pytest.mark.django_db
@pytest.mark.urls("tests.operations.error_urls")
def test_a_real_error_event_carries_no_body_name_note_cookie_or_address(
        client: Any, world: World, sentry: list[dict[str, Any]]) -> None:
    participant = world.participant
    client.raise_request_exception = False
    client.force_login(world.coordinator)
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(f"/notes/{participant.pk}/?email={EMAIL}", {"note": NOTE, "email": EMAIL},
                           headers={"X-Request-ID": "req-12345678", "Authorization": "Token secret-token-value"})
    assert response.status_code == 500
    sentry_sdk.flush()

    assert len(sentry) == 1
    event = sentry[0]
    text = json.dumps(event)
    # What must not leave the process.
    for secret in (NOTE, "schulden", EMAIL, participant.first_name, participant.last_name, world.coordinator.email,
                   client.cookies["sessionid"].value, "secret-token-value"):
        assert secret not in text, secret
    assert "data" not in event["request"] and "cookies" not in event["request"]
    assert "query_string" not in event["request"]
    assert set(event.get("user", {})) <= {"id"}
    crumbs = event["breadcrumbs"]["values"]
    logged = next(c for c in crumbs if c.get("category") == "buddynet.web")
    assert logged["message"] == "could not notify %s about %s"
    # What makes the report useful stays.
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == f"mail to [email] refused for participant {participant.pk}"
    assert any(frame["function"] == "save_note" for frame in exception["stacktrace"]["frames"])
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])
    assert event["transaction"] == "/notes/{participant_id}/"


def test_the_scrubber_on_a_handwritten_event_with_every_kind_of_personal_data() -> None:
    event = {
        "message": f"bounce from {EMAIL}",
        "logentry": {"message": "could not notify %s", "params": ["Paula"], "formatted": "could not notify Paula"},
        "user": {"id": 7, "email": EMAIL, "username": EMAIL, "ip_address": "192.0.2.1"},
        "request": {"method": "POST", "url": f"https://buddy.example.be/x?email={EMAIL}", "data": {"note": NOTE},
                    "cookies": {"sessionid": "s"}, "query_string": f"email={EMAIL}",
                    "headers": {"Cookie": "sessionid=s", "Authorization": "Token t", "Accept": "text/html"},
                    "env": {"REMOTE_ADDR": "192.0.2.1"}},
        "extra": {"participant": "Paula Peeters"},
        "exception": {"values": [{"type": "IntegrityError",
                                  "value": 'duplicate key\nDETAIL:  Key (email)=(paula@x.be) already exists.',
                                  "stacktrace": {"frames": [{"function": "f", "vars": {"note": NOTE}}]}}]},
        "breadcrumbs": {"values": [{"category": "query", "message": "SELECT 1", "data": {"params": ["Paula"]}}]},
    }
    scrubbed = scrub_event(event)
    text = json.dumps(scrubbed)
    for secret in ("Paula", NOTE, EMAIL, "paula@x.be", "192.0.2.1", "sessionid", "Token t"):
        assert secret not in text, secret
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["request"] == {"method": "POST", "url": "https://buddy.example.be/x",
                                   "headers": {"Accept": "text/html"}}
    assert scrubbed["exception"]["values"][0]["value"] == (
        "duplicate key\nDETAIL:  Key (email)=([Filtered]) already exists.")
    assert scrubbed["logentry"] == {"message": "could not notify %s"}


def test_scrub_text_replaces_addresses_only() -> None:
    assert scrub_text("to an.de-vos+x@mail.example.be, ok") == "to [email], ok"
    assert scrub_text("42 rows") == "42 rows"
