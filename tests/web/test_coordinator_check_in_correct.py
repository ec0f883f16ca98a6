"""A coordinator corrects a volunteer's check-in on the coordinator pages (not in the back office):
the duo page links every check-in to a small form that writes through check_in_update.

Who may open the page per role is in tests/web/test_coordinator_access.py; the rule itself
(the author for 48 hours, a coordinator of the project always) through every channel in
tests/test_rules_channels.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos.models import CheckIn
from tests import factories as f
from tests.conftest import World
from tests.web.form_html import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _url(check_in: CheckIn) -> str:
    return reverse("web:coordinator-check-in-correct", args=[check_in.pk])


def _shown(client: Client, check_in: CheckIn) -> dict[str, Any]:
    """The form as the page shows it: what a browser would post unchanged."""
    response = client.get(_url(check_in))
    assert response.status_code == 200
    return form_data(response.content.decode(), "check-in-correct")


def _stored(check_in: CheckIn) -> tuple[Any, ...]:
    row = CheckIn.objects.get(pk=check_in.pk)
    return (row.date, row.duration_minutes, row.mode, row.mood, row.activities, row.life_domains, row.note,
            row.author_id, row.concern)


def test_the_duo_page_links_every_check_in_to_its_correction(world: World) -> None:
    older = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=dt.date(2025, 7, 20))

    html = _client(world.coordinator).get(reverse("web:coordinator-duo", args=[world.duo.pk])).content.decode()

    for check_in in (world.check_in, older):
        assert f'href="{_url(check_in)}"' in html
    # The link names the check-in for a screen reader, not only "Corrigeer".
    assert 'aria-label="Het contactmoment van 20 juli 2025 corrigeren">Corrigeer</a>' in html


def test_a_coordinator_corrects_the_duration_long_after_the_volunteers_48_hours(world: World) -> None:
    check_in = world.check_in
    # Twenty-one newer check-ins: the corrected one is on the second page of the timeline.
    for day in range(21):
        f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=dt.date(2025, 9, 1) + dt.timedelta(days=day))
    before = _stored(check_in)

    with time_machine.travel(dt.datetime(2025, 11, 20, 10, 0), tick=False):
        client = _client(world.coordinator)
        body = {**_shown(client, check_in), "duration_minutes": "95"}
        response = client.post(_url(check_in), body)
        page = client.get(response["Location"])

    duo_url = reverse("web:coordinator-duo", args=[world.duo.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{duo_url}?check_in={check_in.pk}#check-in-{check_in.pk}"
    after = _stored(check_in)
    assert after[1] == 95
    assert after[:1] + after[2:] == before[:1] + before[2:], "only the duration changed"
    html = page.content.decode()
    assert page.context["check_ins"].number == 2
    assert f'id="check-in-{check_in.pk}"' in html
    assert "Het contactmoment is gecorrigeerd." in html


def test_every_field_of_the_form_reaches_the_check_in(world: World) -> None:
    client = _client(world.coordinator)
    body = {**_shown(client, world.check_in), "date": "2025-07-31", "duration_minutes": "45", "mode": "phone",
            "mood": "2", "activities": ["walk", "errands"], "life_domains": ["housing"], "note": "  Gebeld.  "}

    response = client.post(_url(world.check_in), body)

    assert response.status_code == 302
    world.check_in.refresh_from_db()
    assert (world.check_in.date, world.check_in.duration_minutes, world.check_in.mode, world.check_in.mood,
            world.check_in.activities, world.check_in.life_domains, world.check_in.note) == (
        dt.date(2025, 7, 31), 45, "phone", 2, ["errands", "walk"], ["housing"], "Gebeld.")


def test_a_date_in_the_future_is_refused_by_the_service_and_nothing_is_saved(world: World) -> None:
    client = _client(world.coordinator)
    before = _stored(world.check_in)
    body = {**_shown(client, world.check_in), "date": "2025-11-04", "duration_minutes": "30"}

    response = client.post(_url(world.check_in), body)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"date": ["De datum ligt in de toekomst."]}
    assert 'role="alert"' in response.content.decode()
    assert _stored(world.check_in) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"duration_minutes": "0"}, "duration_minutes"),
    ({"duration_minutes": "721"}, "duration_minutes"),
    ({"duration_minutes": "een uur"}, "duration_minutes"),
    ({"duration_minutes": ""}, "duration_minutes"),
    ({"date": "31/02/2025"}, "date"),
    ({"date": ""}, "date"),
    ({"mode": "pigeon"}, "mode"),
    ({"mood": "7"}, "mood"),
    ({"activities": ["juggling"]}, "activities"),
    ({"life_domains": ["weather"]}, "life_domains"),
])
def test_bad_input_answers_400_with_the_field_and_saves_nothing(world: World, change: dict[str, Any],
                                                                  field: str) -> None:
    client = _client(world.coordinator)
    before = _stored(world.check_in)
    # A valid change besides the bad one: it must not be saved either.
    body = {**_shown(client, world.check_in), "note": "Iets anders", **change}

    response = client.post(_url(world.check_in), body)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    html = response.content.decode()
    assert f'id="id_{field}_errors"' in html
    assert _stored(world.check_in) == before


def test_the_form_is_in_dutch_with_a_label_for_every_field(world: World) -> None:
    html = _client(world.coordinator).get(_url(world.check_in)).content.decode()

    for label in ("Datum van het contact", "Duur (minuten)", "Soort contact", "Hoe ging het?", "Correctie opslaan"):
        assert label in html
    for field in ("date", "duration_minutes", "mood", "note"):
        assert f'<label for="id_{field}">' in html
    assert "<legend>Soort contact" in html


def test_a_coordinator_of_another_project_gets_404_and_changes_nothing(world: World) -> None:
    before = _stored(world.check_in)
    client = _client(world.other_coordinator)

    response = client.post(_url(world.check_in), {"date": "2025-08-01", "duration_minutes": "5", "mode": "phone"})

    assert response.status_code == 404
    assert _stored(world.check_in) == before


def test_a_coordinator_who_volunteers_cannot_correct_on_their_own_duo_here(world: World) -> None:
    """The coordinator pages manage the duos of the projects one coordinates: a coordinator's own
    duo as a volunteer in another project is not among them (404), whatever the phone allows."""
    own = f.DuoFactory(participant=f.ParticipantFactory(project=world.other_project),
                       volunteer=f.VolunteerFactory(project=world.other_project))
    membership_grant(user=world.coordinator, role=Role.VOLUNTEER, volunteer=own.volunteer)
    mine = f.CheckInFactory(duo=own, author=world.coordinator)

    response = _client(world.coordinator).get(_url(mine))

    assert response.status_code == 404
