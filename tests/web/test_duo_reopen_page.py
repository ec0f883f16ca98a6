"""A coordinator re-opens a closed duo from the duo page (issue 18): the page offers the button
on a closed duo only, a confirmation page, then POST → duo_reopen; a refusal (the participant
already has another open duo) answers 409 with the reason on the page and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from buddynet.records.duos.models import Duo, DuoStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


def closed(world: Any) -> Duo:
    return f.DuoFactory(
        participant=f.ParticipantFactory(project=world.project),
        volunteer=f.VolunteerFactory(project=world.project),
        status=DuoStatus.CLOSED,
        introduced_on=dt.date(2025, 7, 8),
        started_on=dt.date(2025, 7, 15),
        closed_on=dt.date(2025, 10, 1),
        closure_reason="goals_reached",
    )


def office(world: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.coordinator)
    return client


def test_the_coordinator_reopens_a_closed_duo_after_confirming(world: Any) -> None:
    duo = closed(world)
    client = office(world)
    url = f"/coordinator/duos/{duo.pk}/heropenen/"
    assert url in client.get(f"/coordinator/duos/{duo.pk}/").content.decode()
    assert url not in client.get(f"/coordinator/duos/{world.duo.pk}/").content.decode().replace(
        f"/coordinator/duos/{duo.pk}/", ""
    )  # an open duo offers no re-opening
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Duo heropenen" in confirm.content.decode()
    duo.refresh_from_db()
    assert duo.status == DuoStatus.CLOSED  # the GET only asks

    done = client.post(url, {}, follow=True)

    duo.refresh_from_db()
    assert (duo.status, duo.closed_on, duo.closure_reason) == (DuoStatus.ACTIVE, None, "")
    assert "Het duo is heropend." in done.content.decode()
    assert client.get(url).status_code == 409  # an open duo cannot be re-opened


def test_a_refused_reopening_answers_409_with_the_reason(world: Any) -> None:
    duo = closed(world)
    f.DuoFactory(participant=duo.participant, volunteer=f.VolunteerFactory(project=world.project))  # open again

    response = office(world).post(f"/coordinator/duos/{duo.pk}/heropenen/", {})

    assert response.status_code == 409
    page = response.content.decode()
    assert 'role="alert"' in page and "Deze deelnemer heeft al een lopend duo." in page
    duo.refresh_from_db()
    assert duo.status == DuoStatus.CLOSED and duo.closure_reason == "goals_reached"
