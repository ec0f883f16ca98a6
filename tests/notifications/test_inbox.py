"""The inbox, over the API and as a page: each user sees, reads and marks only their own messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from notifications import services
from notifications.models import Channel, Kind, Notification, Preference
from notifications.selectors import Recipient
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def message_for(user: Any, key: str = "k", end: dt.date = dt.date(2026, 12, 20)) -> Notification:
    services.notification_create([services.Message(Recipient(user.pk, user.language, False), Kind.DUO_ENDING, key,
                                      {"duo": f"Duo van {user.email}", "end": end}, "/admin/")])
    return Notification.objects.get(recipient=user, channel=Channel.INBOX, dedup_key=key)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def results(response: Any) -> list[dict[str, Any]]:
    return response.json()["results"]


# --- API ----------------------------------------------------------------------------------
def test_each_user_lists_only_their_own_inbox(world: World) -> None:
    mine = message_for(world.coordinator)
    bobs = message_for(world.volunteer_user)

    alice = client_for(world.coordinator).get("/api/v1/notifications/")
    admin = client_for(world.admin).get("/api/v1/notifications/")

    assert [row["id"] for row in results(alice)] == [mine.pk]
    assert results(admin) == []  # administrators manage, they do not read other people's mail
    assert b"bob@example.be" not in alice.content
    assert bobs.pk not in [row["id"] for row in results(alice)]


def test_someone_elses_message_is_404_to_read_and_to_mark(world: World) -> None:
    bobs = message_for(world.volunteer_user)

    for user in (world.coordinator, world.admin, world.other_coordinator):
        client = client_for(user)
        assert client.get(f"/api/v1/notifications/{bobs.pk}/").status_code == 404
        assert client.post(f"/api/v1/notifications/{bobs.pk}/read/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_marking_read_and_filtering_unread(world: World) -> None:
    first = message_for(world.coordinator, "a")
    message_for(world.coordinator, "b")
    client = client_for(world.coordinator)

    response = client.post(f"/api/v1/notifications/{first.pk}/read/")

    assert response.status_code == 200 and response.json()["is_read"] is True
    first.refresh_from_db()
    assert first.read_at is not None
    unread = client.get("/api/v1/notifications/?unread=true")
    assert [row["subject"] for row in results(unread)] == [
        "Het duo Duo van alice@example.be bereikt het geplande einde op 20 december 2026"]
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0


def test_a_bad_filter_value_is_a_400_in_the_callers_language(world: World) -> None:
    response = client_for(world.coordinator).get("/api/v1/notifications/?unread=misschien",
                                                 HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "unread" in response.json()


def test_marking_all_read_touches_only_my_messages(world: World) -> None:
    message_for(world.coordinator)
    bobs = message_for(world.volunteer_user)

    client_for(world.coordinator).post("/api/v1/notifications/read-all/")

    bobs.refresh_from_db()
    assert bobs.read_at is None


# --- page ---------------------------------------------------------------------------------
def test_the_inbox_page_shows_my_messages_and_the_header_counts_them(world: World) -> None:
    message_for(world.coordinator, "a")
    message_for(world.coordinator, "b")
    message_for(world.volunteer_user, "c")

    page = signed_in(world.coordinator).get("/meldingen/")

    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('class="card inbox-item unread"') == 2
    assert "Duo van alice@example.be" in text
    assert "bob@example.be" not in text
    assert '<a class="inbox-link" href="/meldingen/">Meldingen <span class="badge">2<span' in text
    assert "2 ongelezen meldingen" in text


def test_marking_read_on_the_page_lowers_the_count_and_follows_a_safe_link(world: World) -> None:
    mine = message_for(world.coordinator)
    client = signed_in(world.coordinator)

    opened = client.post(f"/meldingen/{mine.pk}/gelezen/", {"next": "/admin/"})
    evil = client.post(f"/meldingen/{mine.pk}/gelezen/", {"next": "https://evil.example/"})

    assert (opened.status_code, opened["Location"]) == (302, "/admin/")
    assert (evil.status_code, evil["Location"]) == (302, "/meldingen/")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'class="badge"' not in client.get("/meldingen/").content.decode().split("</header>")[0]


def test_nobody_marks_someone_elses_message_on_the_page(world: World) -> None:
    bobs = message_for(world.volunteer_user)

    response = signed_in(world.coordinator).post(f"/meldingen/{bobs.pk}/gelezen/")

    assert response.status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_the_inbox_needs_a_sign_in_and_the_login_page_has_no_inbox_link(world: World) -> None:
    anonymous = Client()

    assert anonymous.get("/meldingen/").status_code == 302
    assert anonymous.post("/meldingen/alles-gelezen/").status_code == 302
    assert "inbox-link" not in anonymous.get("/aanmelden/").content.decode()


def test_a_user_chooses_the_daily_digest_on_the_page(world: World) -> None:
    client = signed_in(world.volunteer_user)

    saved = client.post("/meldingen/voorkeur/", {"email_frequency": "daily"})
    refused = client.post("/meldingen/voorkeur/", {"email_frequency": "hourly"})

    assert saved.status_code == refused.status_code == 302
    assert Preference.objects.get(user=world.volunteer_user).email_frequency == "daily"
    page = client.get("/meldingen/").content.decode()
    assert 'value="daily" checked' in page
