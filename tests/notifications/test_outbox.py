"""Events write outbox rows in the transaction of the change; delivery starts after the commit."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from buddynet import events
from buddynet.features.funding import services as funding_services
from buddynet.features.funding.models import Grant
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos import services as duo_services
from matching import services as match_services
from matching.models import MatchRun
from notifications import services
from notifications.models import Channel, Kind, Notification, Preference
from notifications.selectors import Recipient
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

CONCERN = {"date": dt.date(2025, 8, 2), "duration_minutes": 45, "mode": "phone", "concern": True,
           "concern_note": "Ze eet niet meer goed."}


def record_concern(world: World, **extra: Any) -> Any:
    check_in, _ = duo_services.check_in_record(duo=world.duo, author=world.volunteer_user,
                                               client_uuid=uuid.uuid4(), data={**CONCERN, **extra})
    return check_in


def test_a_concern_writes_an_inbox_and_an_email_row_for_each_coordinator(world: World) -> None:
    colleague = f.UserFactory(email="els@example.be", language="en")
    membership_grant(user=colleague, role=Role.COORDINATOR, project=world.project)

    check_in = record_concern(world)

    rows = Notification.objects.filter(kind=Kind.CONCERN_RAISED).order_by("recipient__email", "channel")
    assert [(n.recipient.email, n.channel) for n in rows] == [
        ("alice@example.be", "email"), ("alice@example.be", "inbox"),
        ("els@example.be", "email"), ("els@example.be", "inbox"),
    ]
    alice, els = rows[0], rows[2]
    assert alice.subject == "Zorg gemeld over het duo Bert & Marieke"  # Alice reads Dutch (the default)
    assert els.subject == "Concern raised about the duo Bert & Marieke"  # Els chose English
    assert "Ze eet niet meer goed" not in alice.body  # the note stays inside buddynet
    assert (alice.object_id, alice.content_type.model) == (check_in.pk, "checkin")
    assert all(n.sent_at is None for n in rows if n.channel == Channel.EMAIL)
    assert all(n.sent_at is not None for n in rows if n.channel == Channel.INBOX)
    # nobody outside the project hears of it
    assert not Notification.objects.exclude(recipient__in=[world.coordinator, colleague]).exists()


def test_the_email_goes_out_after_the_commit_once(world: World, eager: None, mailoutbox: list[Any],
                                                    django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_concern(world)
        assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["alice@example.be"]
    assert email.subject == "Zorg gemeld over het duo Bert & Marieke"
    row = Notification.objects.get(channel=Channel.EMAIL)
    # to the participant page, at the check-in, where the concern is followed up
    page = f"/coordinator/deelnemers/{world.participant.pk}/?check_in={row.object_id}#check-in-{row.object_id}"
    assert f"http://127.0.0.1:8000{page}" in email.body
    html = {mimetype: body for body, mimetype in email.alternatives}["text/html"]
    assert "<h1" in html and "Bert &amp; Marieke" in html
    assert email.extra_headers["Message-ID"] == f"<notification-{row.pk}@127.0.0.1>"
    assert row.sent_at is not None and row.attempts == 1


def test_a_rolled_back_change_leaves_no_notification_and_sends_nothing(
        world: World, eager: None, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        record_concern(world)
        assert Notification.objects.count() == 2  # written inside the transaction ...
        raise RuntimeError("the request failed after the check-in was saved")

    assert Notification.objects.count() == 0  # ... and gone with it
    assert callbacks == []
    assert mailoutbox == []


def test_the_same_concern_announced_twice_gives_one_notification(world: World) -> None:
    check_in = record_concern(world)
    events.concern_raised(check_in)  # e.g. raised again by an edit of the same check-in

    assert Notification.objects.filter(kind=Kind.CONCERN_RAISED).count() == 2  # one inbox + one e-mail


def test_a_volunteers_check_in_succeeds_while_the_broker_is_down(
        world: World, broker_down: str, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(world.volunteer_user).post(
            "/api/v1/check-ins/", {"duo": world.duo.pk, **CONCERN, "date": "2025-08-02"}, format="json")

    assert response.status_code == 201, response.content
    assert len(callbacks) == 1  # the enqueue was attempted, failed, and did not fail the request
    email = Notification.objects.get(channel=Channel.EMAIL, kind=Kind.CONCERN_RAISED)
    assert (email.sent_at, email.attempts, email.claimed_until) == (None, 0, None)  # left for the sweep


def test_a_digest_reader_gets_routine_messages_in_the_digest_but_a_concern_at_once(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    Preference.objects.create(user=world.coordinator, email_frequency="daily")

    with django_capture_on_commit_callbacks() as callbacks:
        record_concern(world)
        events.allowance_cap_approaching(world.volunteer, 2026, 55, Decimal("2010.15"))

    emails = {n.kind: n for n in Notification.objects.filter(channel=Channel.EMAIL)}
    assert emails[Kind.CONCERN_RAISED].digest is False
    assert emails[Kind.ALLOWANCE_CAP].digest is True
    assert len(callbacks) == 1  # only the concern is enqueued now


def test_an_allowance_cap_warning_reaches_the_projects_coordinators(world: World) -> None:
    events.allowance_cap_approaching(world.volunteer, 2026, 55, Decimal("2010.15"))
    events.allowance_cap_approaching(world.volunteer, 2026, 57, Decimal("2090.00"))  # same year: same cause

    rows = Notification.objects.filter(kind=Kind.ALLOWANCE_CAP, channel=Channel.INBOX)
    assert [(n.recipient, n.subject) for n in rows] == [
        (world.coordinator, "Bert Janssens nadert het jaarplafond van de vrijwilligersvergoeding")]
    assert "55" in rows[0].body and "€\xa02.010,15" in rows[0].body  # nl-BE money (issue 17)


def test_a_finished_match_run_reaches_the_coordinators_of_its_project(world: World) -> None:
    # A real run, matched inline by matching's service: the event comes from matching.services._finish.
    f.ParticipantFactory(project=world.project, first_name="Fatima")
    f.VolunteerFactory(project=world.project, first_name="Jan")
    english = f.UserFactory(email="els@example.be", language="en")
    membership_grant(user=english, role=Role.COORDINATOR, project=world.project)

    run = match_services.match_run_start(project=world.project, by=world.coordinator, inline=True)
    run.refresh_from_db()
    events.match_run_finished(run)  # announced again: the same cause

    assert run.status == MatchRun.Status.DONE
    rows = Notification.objects.filter(kind=Kind.MATCH_RUN_FINISHED, channel=Channel.INBOX).order_by("recipient_id")
    assert [n.recipient for n in rows] == [world.coordinator, english]  # not charlie, of the other project
    alice, els = rows
    assert alice.subject == f"Koppelronde #{run.pk} afgelopen: Klaar"
    assert els.subject == f"Match run #{run.pk} finished: Done"
    assert "Buddy Gent" in alice.body
    assert alice.link == reverse("matching:run", args=[run.pk])
    assert (alice.content_type.model, alice.object_id) == ("matchrun", run.pk)
    assert client_for_pages(world.coordinator).get(alice.link).status_code == 200


def test_a_frozen_report_goes_to_the_funder_and_the_coordinators_with_its_pdf(
        world: World, eager: None, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
        settings: Any, tmp_path: Path) -> None:
    # A real report of a real grant, signed off by funding's service: its PDF rendered (WeasyPrint)
    # and stored in real file storage, the event emitted in the sign-off's transaction.
    settings.MEDIA_ROOT = str(tmp_path)
    grant = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-GENT-1",
                                 amount=Decimal("40000"), start_date=dt.date(2025, 1, 1),
                                 end_date=dt.date(2027, 12, 31))
    draft = funding_services.report_create(grant=grant, period_start=dt.date(2025, 1, 1),
                                           period_end=dt.date(2025, 12, 31), by=world.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        report = funding_services.report_sign_off(report=draft, by=world.coordinator)

    pdf_bytes = (tmp_path / report.pdf.name).read_bytes()
    assert pdf_bytes.startswith(b"%PDF-")
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.be", "funder@example.be"]
    for message in mailoutbox:
        assert message.attachments == [(Path(report.pdf.name).name, pdf_bytes, "application/pdf")]
        assert "Marieke" not in message.body and "Peeters" not in message.body
        assert f"http://127.0.0.1:8000/financiering/rapporten/{report.pk}/" in message.body
    funder_row = Notification.objects.get(recipient=world.funder_user, channel=Channel.INBOX)
    assert funder_row.subject == "Voortgangsrapport: Buddy Gent"
    assert (funder_row.content_type.model, funder_row.object_id) == ("progressreport", report.pk)
    # the link opens the signed-off report for each recipient
    for user in (world.funder_user, world.coordinator):
        row = Notification.objects.get(recipient=user, channel=Channel.INBOX, kind=Kind.REPORT_FROZEN)
        assert client_for_pages(user).get(row.link).status_code == 200
    assert not Notification.objects.filter(recipient=world.other_coordinator).exists()


def client_for_pages(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_notify_skips_what_the_recipient_already_has_in_one_statement(world: World,
                                                                      django_assert_num_queries: Any) -> None:
    recipient = Recipient(world.coordinator.pk, "en", False)
    batch = [services.Message(recipient, Kind.DUO_ENDING, f"duo_ending:duo:{i}:2026-12-01",
                              {"duo": f"Duo {i}", "end": dt.date(2026, 12, 1)}) for i in range(300)]

    with django_assert_num_queries(1):
        first = services.notification_create(batch)
    with django_assert_num_queries(1):
        again = services.notification_create(batch)

    assert len(first) == 600 and again == []
    assert Notification.objects.count() == 600
