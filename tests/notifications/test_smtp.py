"""Mail for real (issue 14, item 6): the SMTP settings come from the environment, and a real SMTP
server (aiosmtpd, started by each test) receives the notification — or refuses, or hangs, and the
outbox records the failed attempt and sends it on a later one."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import parseaddr
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.core.exceptions import ValidationError
from django.utils import timezone

from buddynet.records.people import services as people_services
from notifications import services
from tests.conftest import World
from tests.integration.processes import REPO, free_port
from tests.notifications.test_delivery import write

pytestmark = pytest.mark.django_db

USER, PASSWORD = "buddynet@example.be", "smtp-secret"


class Inbox:
    """aiosmtpd handler: keeps what it receives; `delay` seconds of silence before answering DATA."""

    def __init__(self, delay: float = 0) -> None:
        self.delay = delay
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def _server(inbox: Inbox, port: int) -> Controller:
    # AUTH without TLS only because this server listens on 127.0.0.1 inside the test.
    return Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_authenticator,
                      auth_require_tls=False, auth_required=True)


@pytest.fixture
def smtp(settings: Any) -> Iterator[tuple[Inbox, int]]:
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = USER, PASSWORD
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield Inbox(), port


def test_a_notification_reaches_a_real_smtp_server_with_the_configured_login(world: World, smtp: Any) -> None:
    inbox, port = smtp
    controller = _server(inbox, port)
    controller.start()
    try:
        row = write(world)
        assert services.notification_deliver(notification_id=row.pk) == ("sent", None)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    mail_from, rcpt_tos, content = inbox.messages[0]
    assert rcpt_tos == [world.coordinator.email]
    message = message_from_bytes(content)
    assert message["Message-ID"].startswith(f"<notification-{row.pk}@")  # what receivers de-duplicate on
    assert mail_from and message["Subject"]
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1


def test_a_wrong_smtp_password_fails_the_attempt_and_keeps_the_row_for_a_retry(world: World, smtp: Any,
                                                                                settings: Any) -> None:
    inbox, port = smtp
    settings.EMAIL_HOST_PASSWORD = "wrong"
    controller = _server(inbox, port)
    controller.start()
    try:
        row = write(world)
        outcome, delay = services.notification_deliver(notification_id=row.pk)
    finally:
        controller.stop()
    assert outcome == "retry" and delay and delay > 0
    assert inbox.messages == []
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1 and "SMTPAuthenticationError" in row.last_error


def test_a_refused_connection_is_retried_and_sent_once_the_server_is_up(world: World, smtp: Any,
                                                                         settings: Any) -> None:
    inbox, port = smtp  # nothing listens on the port yet
    row = write(world)
    outcome, delay = services.notification_deliver(notification_id=row.pk)
    assert outcome == "retry" and delay is not None
    row.refresh_from_db()
    assert row.sent_at is None and "ConnectionRefusedError" in row.last_error
    # Before the backoff is over the row is held: neither the sweep nor a duplicate task takes it.
    assert row.pk not in services.undelivered_ids()

    controller = _server(inbox, port)
    controller.start()
    try:
        later = timezone.now() + dt.timedelta(seconds=max(delay, settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS) + 1)
        with time_machine.travel(later, tick=False):
            assert row.pk in services.undelivered_ids()  # the sweep hands it on ...
            assert services.notification_deliver(notification_id=row.pk) == ("sent", None)  # ... and it goes out
            assert services.notification_deliver(notification_id=row.pk) == ("skipped", None)  # once
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    row.refresh_from_db()
    assert row.attempts == 2 and row.sent_at is not None


def test_a_server_that_hangs_fails_the_attempt_at_the_timeout_instead_of_blocking_the_worker(
        world: World, smtp: Any) -> None:
    inbox, port = smtp
    inbox.delay = 5  # longer than EMAIL_TIMEOUT (2 s in the fixture)
    controller = _server(inbox, port)
    controller.start()
    try:
        row = write(world)
        outcome, _delay = services.notification_deliver(notification_id=row.pk)
    finally:
        inbox.delay = 0
        controller.stop()
    assert outcome == "retry"
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1
    assert "timed out" in row.last_error.lower() or "TimeoutError" in row.last_error, row.last_error


SETTINGS_PROBE = """
import django
django.setup()
from django.conf import settings as s
print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS,
      s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT)
"""


def _probe(tmp_path: Any, **values: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update(DJANGO_SETTINGS_MODULE="buddynet.settings", BUDDYNET_VAR_DIR=str(tmp_path), **values)
    return subprocess.run([sys.executable, "-c", SETTINGS_PROBE], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)


def test_smtp_settings_are_read_from_the_environment(tmp_path: Any) -> None:
    result = _probe(tmp_path, EMAIL_HOST="smtp.example.be", EMAIL_PORT="587", EMAIL_HOST_USER=USER,
                    EMAIL_HOST_PASSWORD=PASSWORD, EMAIL_USE_TLS="true", EMAIL_TIMEOUT="7")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.be", "587", USER,
                                     PASSWORD, "True", "False", "7"]
    # Without EMAIL_HOST: the console backend of the single-machine setup, and a bounded timeout.
    plain = _probe(tmp_path)
    assert plain.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"
    assert plain.stdout.split()[-1] == "20"


@pytest.mark.parametrize(("values", "message"), [
    ({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "exclude each other"),
    ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not an integer"),
    ({"EMAIL_USE_TLS": "maybe"}, "is not a boolean"),
])
def test_bad_smtp_settings_stop_the_process_with_a_message(tmp_path: Any, values: dict[str, str],
                                                           message: str) -> None:
    result = _probe(tmp_path, **values)
    assert result.returncode != 0
    assert message in result.stderr



# --- Sender name and reply-to per organisation (issue 14, item 6) ----------------------------
def _deliver_over_smtp(world: World, smtp: Any, **kwargs: Any) -> Any:
    inbox, port = smtp
    controller = _server(inbox, port)
    controller.start()
    try:
        row = write(world, **kwargs)
        assert services.notification_deliver(notification_id=row.pk) == ("sent", None)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    return message_from_bytes(inbox.messages[0][2])


def test_mail_to_an_organisations_coordinator_comes_via_buddynet_in_its_name_and_answers_go_to_it(
    world: World, smtp: Any, settings: Any,
) -> None:
    settings.DEFAULT_FROM_EMAIL = "buddynet <noreply@buddynet.example.be>"
    people_services.organisation_save(organisation=world.project.organisation, data={
        "email_sender_name": "OCMW Gent – Buddywerking", "email_reply_to": "buddy@ocmw.gent"})
    message = _deliver_over_smtp(world, smtp)
    name, address = parseaddr(str(make_header(decode_header(message["From"]))))
    assert (name, address) == ("OCMW Gent – Buddywerking via buddynet", "noreply@buddynet.example.be")
    assert message["Reply-To"] == "buddy@ocmw.gent"


def test_without_an_organisation_sender_mail_comes_from_buddynet_with_no_reply_to(
    world: World, smtp: Any, settings: Any,
) -> None:
    settings.DEFAULT_FROM_EMAIL = "buddynet <noreply@buddynet.example.be>"
    # Another organisation's sender never leaks into this one's mail; administrators (all
    # organisations) get buddynet's own.
    people_services.organisation_save(organisation=world.other_project.organisation, data={
        "email_sender_name": "Brugge", "email_reply_to": "buddy@brugge.be"})
    message = _deliver_over_smtp(world, smtp, user=world.admin)
    assert message["From"] == "buddynet <noreply@buddynet.example.be>"
    assert message["Reply-To"] is None


@pytest.mark.parametrize("name", ["Gent\r\nBcc: x@evil.example", 'OCMW "Gent"', "Gent <x@evil.example>",
                                  "a@b", "Gent, Brugge"])
def test_a_sender_name_that_could_forge_a_header_or_address_is_refused(world: World, name: str) -> None:
    organisation = world.project.organisation
    with pytest.raises(ValidationError) as refused:
        people_services.organisation_save(organisation=organisation, data={"email_sender_name": name})
    assert "email_sender_name" in refused.value.message_dict
    organisation.refresh_from_db()
    assert organisation.email_sender_name == ""
