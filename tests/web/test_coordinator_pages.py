"""What the coordinator's pages show from other records: the new contacts of a check-in, the
days a volunteer volunteered, and the links to the matching, netwerk and funding pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(world: World) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.coordinator)
    return client


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- New contacts of a check-in ---------------------------------------------------------------
@pytest.mark.parametrize("page", ["web:coordinator-duo", "web:coordinator-participant"])
def test_the_timeline_shows_the_new_contacts_of_a_check_in_in_dutch(
        world: World, client: Client, page: str) -> None:
    f.CheckInFactory(duo=world.duo, author=world.volunteer_user, concern=True, concern_note="Ze eet slecht.",
                     new_contacts=[{"label": "Buurvrouw Anna", "category": "neighbour", "life_domain": "social"},
                                   {"label": "Trainer Koen", "category": "organisation", "life_domain": "leisure"}])
    pk = world.duo.pk if page == "web:coordinator-duo" else world.participant.pk

    response = client.get(reverse(page, args=[pk]))

    assert response.status_code == 200
    body = text(response)
    assert "Ze eet slecht." in body
    assert ("Nieuw contact via de buddy</span> <strong>Buurvrouw Anna</strong> "
            "(Buur, levensdomein: Sociaal netwerk)") in body
    assert "<strong>Trainer Koen</strong> (Organisatie of vereniging, levensdomein: Vrije tijd)" in body
    assert body.count("Nieuw contact via de buddy") == 2


def test_a_check_in_without_new_contacts_shows_none(world: World, client: Client) -> None:
    body = text(client.get(reverse("web:coordinator-duo", args=[world.duo.pk])))
    assert "Nieuw contact via de buddy" not in body


def test_a_new_contacts_label_is_escaped(world: World, client: Client) -> None:
    f.CheckInFactory(duo=world.duo, author=world.volunteer_user,
                     new_contacts=[{"label": "<b>Anna</b>", "category": "friend", "life_domain": "social"}])
    body = text(client.get(reverse("web:coordinator-duo", args=[world.duo.pk])))
    assert "<strong>&lt;b&gt;Anna&lt;/b&gt;</strong> (Vriend" in body
