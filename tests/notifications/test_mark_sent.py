"""Issue 21 item 11: an e-mail that SMTP accepted is marked sent even when the database
connection breaks right after, so the sweep does not send it a second time.

The fault is real: the mail backend below delivers (to Django's locmem outbox) and then has
PostgreSQL terminate the very connection the worker uses, as a database restart would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from notifications import services
from notifications.models import Channel, Kind, Notification
from notifications.selectors import Recipient
from tests.conftest import require_postgres


class DatabaseBlipAfterSending(EmailBackend):
    def send_messages(self, messages: Sequence[Any]) -> int:
        sent = super().send_messages(messages)
        pid = connection.connection.info.backend_pid
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return sent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sent_email_is_marked_sent_after_the_connection_broke(world: Any, settings: Any) -> None:
    require_postgres()
    settings.EMAIL_BACKEND = f"{__name__}.DatabaseBlipAfterSending"
    user = world.coordinator
    recipient = Recipient(user.pk, user.language, False)
    services.notification_create([services.Message(recipient, Kind.DUO_ENDING, "end:blip",
                                                   {"duo": "Bert & Marieke", "end": dt.date(2026, 12, 20)}, "/admin/")])
    row = Notification.objects.get(recipient=user, channel=Channel.EMAIL, dedup_key="end:blip")

    assert services.notification_deliver(notification_id=row.pk) == ("sent", None)

    row.refresh_from_db()
    assert row.sent_at is not None and row.claimed_until is None
    assert row.pk not in services.undelivered_ids()
    assert len(mail.outbox) == 1
