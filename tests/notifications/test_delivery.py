"""Delivery: a claim per attempt, bounded retries with backoff, failed rows for the admin, the
sweep, the daily digest. Time is controlled with time-machine; the failing mail server is a
real SMTP connection to a port where nothing listens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from celery.exceptions import Retry
from django.test import Client
from django.utils.html import escape

from notifications import services, tasks
from notifications.models import Channel, Kind, Notification
from notifications.selectors import Recipient
from tests.conftest import World
from tests.integration.processes import free_port

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def write(world: World, *, digest: bool = False, key: str = "duo_ending:duo:1:2026-12-20",
          user: Any = None) -> Notification:
    user = user or world.coordinator
    services.notification_create([services.Message(Recipient(user.pk, user.language, digest), Kind.DUO_ENDING, key,
                                      {"duo": "Bert & Marieke", "end": dt.date(2026, 12, 20)}, "/admin/")])
    return Notification.objects.get(recipient=user, channel=Channel.EMAIL, dedup_key=key)


@pytest.fixture
def smtp_down(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5


def test_a_second_attempt_at_a_sent_row_does_nothing(world: World, mailoutbox: list[Any]) -> None:
    row = write(world)

    assert services.notification_deliver(notification_id=row.pk) == ("sent", None)
    assert services.notification_deliver(notification_id=row.pk) == ("skipped", None)

    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1 and row.claimed_until is None


def test_a_row_held_by_a_running_attempt_is_not_taken_twice(world: World, mailoutbox: list[Any]) -> None:
    with time_machine.travel(T0 - dt.timedelta(minutes=10), tick=False):
        row = write(world)
    with time_machine.travel(T0, tick=False):
        assert services.delivery_claim(notification_id=row.pk) is not None  # a worker took it ...
        assert services.notification_deliver(notification_id=row.pk) == ("skipped", None)  # ... a duplicate task stops
        assert row.pk not in services.undelivered_ids()  # ... and the sweep leaves it alone
    # The worker died without a word: once its claim (above the task's time limit) runs out,
    # the sweep hands the row on and it is sent once.
    with time_machine.travel(T0 + dt.timedelta(seconds=services.claim_seconds() + 1), tick=False):
        assert row.pk in services.undelivered_ids()
        assert services.notification_deliver(notification_id=row.pk) == ("sent", None)
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.attempts == 2


def test_a_failing_mail_server_is_retried_with_backoff_then_the_row_is_failed_for_the_admin(
        world: World, smtp_down: None, settings: Any) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    row = write(world)
    now = T0
    outcomes = []
    for expected_delay in (60, 120):
        with time_machine.travel(now, tick=False):
            outcomes.append(services.notification_deliver(notification_id=row.pk))
            assert services.notification_deliver(notification_id=row.pk) == ("skipped", None)  # held: backoff
            assert row.pk not in services.undelivered_ids()  # the sweep respects it too
        with time_machine.travel(now + dt.timedelta(seconds=expected_delay - 1), tick=False):
            assert services.notification_deliver(notification_id=row.pk) == ("skipped", None)  # not before
        now += dt.timedelta(seconds=expected_delay)
    with time_machine.travel(now, tick=False):
        outcomes.append(services.notification_deliver(notification_id=row.pk))

    assert outcomes == [("retry", 60), ("retry", 120), ("failed", None)]
    row.refresh_from_db()
    assert row.failed_at is not None and row.sent_at is None and row.attempts == 3
    assert "ConnectionRefusedError" in row.last_error
    assert row.pk not in services.undelivered_ids()  # failed rows wait for a person
    admin = Client()
    admin.force_login(world.admin)
    page = admin.get("/admin/notifications/notification/?state=failed")
    assert page.status_code == 200 and escape(row.subject).encode() in page.content


def test_an_administrator_can_send_a_failed_row_again(world: World, mailoutbox: list[Any], eager: None,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    row = write(world)
    Notification.objects.filter(pk=row.pk).update(failed_at=T0, attempts=5, last_error="SMTP down")
    admin = Client()
    admin.force_login(world.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/admin/notifications/notification/",
                              {"action": "send_again", "_selected_action": [row.pk]})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.sent_at is not None and row.failed_at is None


def test_the_deliver_task_retries_through_celery_and_stops_at_the_claim(world: World, smtp_down: None,
                                                                       eager: None) -> None:
    # Eager Celery runs the retry at once, before its backoff is due: the claim refuses it, so
    # one task message makes exactly one attempt, and the next waits for its time.
    row = write(world)

    with pytest.raises(Retry):
        tasks.deliver.delay(row.pk)

    row.refresh_from_db()
    assert row.attempts == 1 and row.sent_at is None and row.claimed_until is not None


def test_the_sweep_finds_what_was_never_enqueued_after_a_grace_period(world: World, mailoutbox: list[Any],
                                                                      eager: None) -> None:
    with time_machine.travel(T0, tick=False):
        row = write(world)  # the broker was down: no task exists for it
        assert services.undelivered_ids() == []  # its own task may still be on the way
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        assert services.undelivered_ids() == [row.pk]
        assert tasks.sweep.delay().get() == 1
        assert services.undelivered_ids() == []
    assert len(mailoutbox) == 1


def test_inbox_rows_and_digest_rows_are_not_swept(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        write(world, digest=True)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        assert services.undelivered_ids() == []


def test_the_daily_digest_sends_one_email_with_every_waiting_item(world: World, mailoutbox: list[Any],
                                                                  eager: None) -> None:
    first = write(world, digest=True, key="a")
    second = write(world, digest=True, key="b")
    write(world, digest=True, key="c", user=world.other_coordinator)

    assert tasks.send_digests.delay().get() == 2

    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.be", "charlie@example.be"]
    alice = next(m for m in mailoutbox if m.to == ["alice@example.be"])
    assert alice.subject == "Je overzicht van buddynet: 2 nieuw"
    assert alice.body.count("Het duo Bert & Marieke bereikt het geplande einde") == 2
    for row in (first, second):
        row.refresh_from_db()
        assert row.sent_at is not None
    assert services.digest_deliver(user_id=world.coordinator.pk) == 0  # nothing twice
    assert len(mailoutbox) == 2


def test_a_failed_digest_keeps_its_items_for_the_next_one(world: World, smtp_down: None) -> None:
    row = write(world, digest=True)

    with pytest.raises(ConnectionRefusedError):
        services.digest_deliver(user_id=world.coordinator.pk)

    row.refresh_from_db()
    assert (row.sent_at, row.failed_at, row.claimed_until, row.attempts) == (None, None, None, 1)
    assert "ConnectionRefusedError" in row.last_error


def test_no_retry_waits_as_long_as_redis_waits_before_handing_a_task_to_another_worker() -> None:
    """A retry is a task with a countdown; Redis re-delivers an unacknowledged task after its
    visibility timeout. A countdown at or above it would send the same delivery twice."""
    from django.conf import settings

    longest = max(services.retry_delay(attempt) for attempt in range(1, 100))
    assert longest == 3600  # the backoff's cap: the retries do stop growing
    assert longest < settings.REDIS_VISIBILITY_TIMEOUT
    if settings.CELERY_BROKER_URL.startswith("redis"):
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == settings.REDIS_VISIBILITY_TIMEOUT
