"""Issue 21 item 4: opening a duo action page (GET) on a duo whose status does not allow the
action answers 409 with the reason, never a 500; the page offers no button to submit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from buddynet.records.duos.models import DuoStatus

pytestmark = pytest.mark.django_db

ACTIONS = ("kennismaking", "starten", "pauzeren", "hervatten", "afsluiten", "doel")


def _client(world: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.coordinator)
    return client


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_page_of_a_closed_duo_answers_409_with_the_reason(world: Any, action: str) -> None:
    world.duo.status = DuoStatus.CLOSED
    world.duo.closed_on, world.duo.closure_reason = dt.date.today(), "other"
    world.duo.save()

    response = _client(world).get(f"/coordinator/duos/{world.duo.pk}/{action}/")

    assert response.status_code == 409
    page = response.content.decode()
    assert 'role="alert"' in page and 'type="submit"' not in page.split('role="alert"')[1]


@pytest.mark.parametrize(("action", "allowed"), [("pauzeren", True), ("hervatten", False), ("starten", False),
                                                 ("afsluiten", True), ("doel", True)])
def test_an_active_duo_shows_the_form_only_for_what_it_may_do(world: Any, action: str, allowed: bool) -> None:
    response = _client(world).get(f"/coordinator/duos/{world.duo.pk}/{action}/")

    assert response.status_code == (200 if allowed else 409)
