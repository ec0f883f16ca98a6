"""Duo life (issue 17): rules in the services, reached through the API and the pages alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.records.duos.models import Duo, DuoStatus, Goal
from notifications.models import Channel, Kind, Notification
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


def _page(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(user)
    return client


def close_through(channel: str, w: World, duo: Duo, body: dict[str, Any]) -> Any:
    if channel == "api":
        data = {"reason": body["reason"], "next_step": body["next_step"], "on": body["closed_on"]}
        return client_for(w.coordinator).post(f"/api/v1/duos/{duo.pk}/close/", data, format="json",
                                              HTTP_ACCEPT_LANGUAGE="nl")
    return _page(w.coordinator).post(reverse("web:coordinator-duo-close", args=[duo.pk]), body)


CHANNELS = ["api", "page"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_goals_reached_is_refused_for_a_duo_without_goals(world: World, channel: str) -> None:
    Goal.objects.filter(duo=world.duo).delete()
    response = close_through(channel, world, world.duo,
                             {"reason": "goals_reached", "closed_on": "2025-10-01", "next_step": "end"})
    assert response.status_code == 400
    assert "kan dus niet afsluiten met &#x27;Doelen bereikt&#x27;" in response.content.decode() or (
        "kan dus niet afsluiten met 'Doelen bereikt'" in response.content.decode())
    world.duo.refresh_from_db()
    world.participant.refresh_from_db()
    assert world.duo.status == DuoStatus.ACTIVE and world.duo.closure_reason == ""
    assert world.participant.status == "waiting"


@pytest.mark.parametrize("channel", CHANNELS)
def test_goals_reached_is_accepted_for_a_duo_with_goals(world: World, channel: str) -> None:
    assert world.duo.goals.exists()
    response = close_through(channel, world, world.duo,
                             {"reason": "goals_reached", "closed_on": "2025-10-01", "next_step": "end"})
    assert response.status_code in (200, 302)
    world.duo.refresh_from_db()
    assert (world.duo.status, world.duo.closure_reason) == (DuoStatus.CLOSED, "goals_reached")


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_new_match_keeps_the_participants_original_waiting_time(world: World, channel: str) -> None:
    assert world.participant.waiting_since == dt.date(2025, 6, 1)
    response = close_through(channel, world, world.duo,
                             {"reason": "no_click", "closed_on": "2025-10-01", "next_step": "rematch"})
    assert response.status_code in (200, 302)
    world.participant.refresh_from_db()
    assert (world.participant.status, world.participant.waiting_since) == ("waiting", dt.date(2025, 6, 1))


@pytest.mark.parametrize(("action", "body", "make", "confirmation"), [
    ("pause", {"reason": "Ziek", "paused_on": "2025-10-01"}, "active", "Het duo is gepauzeerd."),
    ("resume", {}, "paused", "Het duo loopt weer."),
    ("close", {"reason": "no_click", "closed_on": "2025-10-01", "next_step": "end"}, "active",
     "Het duo is afgesloten."),
    ("introduce", {"introduced_on": "2025-10-01"}, "proposed", "De kennismaking is genoteerd."),
    ("activate", {"started_on": "2025-10-01"}, "introduced", "Het duo is gestart."),
])
def test_confirmations_are_plain_dutch(world: World, action: str, body: dict[str, Any], make: str,
                                       confirmation: str) -> None:
    dates: dict[str, Any] = {}
    if make in ("introduced", "active", "paused"):
        dates["introduced_on"] = dt.date(2025, 7, 8)
    if make in ("active", "paused"):
        dates["started_on"] = dt.date(2025, 7, 15)
    if make == "paused":
        dates.update(paused_on=dt.date(2025, 9, 1), pause_reason="Ziek")
    duo = f.DuoFactory(participant=f.ParticipantFactory(project=world.project),
                       volunteer=f.VolunteerFactory(project=world.project), status=make, **dates)
    response = _page(world.coordinator).post(reverse(f"web:coordinator-duo-{action}", args=[duo.pk]), body,
                                             follow=True)
    text = response.content.decode()
    assert confirmation in text
    assert "Gedaan:" not in text


def test_the_evaluation_says_what_1_and_5_mean(world: World) -> None:
    text = _page(world.coordinator).get(reverse("web:coordinator-duo-close", args=[world.duo.pk])).content.decode()
    assert "1 – heel slecht" in text and "5 – heel goed" in text
    assert "1 = heel slecht, 5 = heel goed." in text


def _concern(w: World) -> Any:
    return f.CheckInFactory(duo=w.duo, author=w.volunteer_user, concern=True, concern_note="Ze eet niet goed.",
                            date=dt.date(2025, 10, 30))


def handle_through(channel: str, w: World, check_in: Any, note: str) -> Any:
    if channel == "api":
        return client_for(w.coordinator).post(f"/api/v1/check-ins/{check_in.pk}/handle-concern/", {"note": note},
                                              format="json")
    return _page(w.coordinator).post(reverse("web:coordinator-concern-handle", args=[check_in.pk]), {"note": note})


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_volunteer_hears_back_when_their_worry_is_handled(world: World, channel: str) -> None:
    check_in = _concern(world)
    response = handle_through(channel, world, check_in, "Ik heb de huisarts gebeld; ze krijgt maaltijden.")
    assert response.status_code in (200, 302)

    told = Notification.objects.filter(recipient=world.volunteer_user, kind=Kind.CONCERN_HANDLED,
                                       channel=Channel.INBOX)
    assert told.count() == 1
    assert told.get().link == reverse("web:volunteer-duo", args=[world.duo.pk]) + f"#ci-{check_in.pk}"
    # Nobody else is told.
    assert not Notification.objects.filter(kind=Kind.CONCERN_HANDLED).exclude(recipient=world.volunteer_user).exists()

    volunteer = _page(world.volunteer_user)
    inbox = volunteer.get("/meldingen/").content.decode()
    assert "Je zorg werd opgevolgd" in inbox
    assert "schreef je een antwoord. Open buddynet om het te lezen." in inbox
    # The answer stays in buddynet (encrypted on the check-in), never in a message or its e-mail.
    assert not Notification.objects.filter(body__contains="huisarts").exists()
    duo_page = volunteer.get(reverse("web:volunteer-duo", args=[world.duo.pk])).content.decode()
    assert "Je zorg werd opgevolgd" in duo_page
    assert "Ik heb de huisarts gebeld; ze krijgt maaltijden." in duo_page


def test_a_worry_not_yet_handled_shows_no_answer(world: World) -> None:
    _concern(world)
    duo_page = _page(world.volunteer_user).get(reverse("web:volunteer-duo", args=[world.duo.pk])).content.decode()
    assert "Je zorg werd opgevolgd" not in duo_page
    assert not Notification.objects.filter(kind=Kind.CONCERN_HANDLED).exists()
