"""Names and labels lose bidirectional controls and invisible characters and are stored in NFC
(issue 21, item 6): one model field (buddynet.validators.NameField) that every channel's save
passes, checked here over the API, a page, the admin's and services' saves."""

from __future__ import annotations

import unicodedata

import pytest
from django.test import Client
from django.urls import reverse

from buddynet.records.people.models import Organisation, Participant
from buddynet.validators import clean_text
from netwerk.models import Alter
from tests import factories as f
from tests.conftest import World, client_for
from tests.web.test_coordinator_edit import participant_edit_body

RLO, ZWSP, BOM, LRI, PDI, ZWJ = "\u202e", "\u200b", "\ufeff", "\u2066", "\u2069", "\u200d"
DECOMPOSED = "Rene\u0301"  # e + combining acute
COMPOSED = "Ren\u00e9"


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0x200B, 0x2010), *range(0x202A, 0x202F),
                                                  *range(0x2066, 0x206A), 0xFEFF, 0x2060, 0x061C]])
def test_each_control_and_invisible_character_is_removed(char: str) -> None:
    assert clean_text(f"Jan{char}Peeters") == "JanPeeters"


def test_text_is_normalised_to_nfc() -> None:
    assert clean_text(DECOMPOSED) == COMPOSED
    assert unicodedata.is_normalized("NFC", clean_text(DECOMPOSED))
    assert clean_text("Zoë Çelik") == "Zoë Çelik" and clean_text(None) is None


@pytest.mark.django_db
def test_a_save_through_the_orm_stores_the_clean_name(world: World) -> None:
    organisation = Organisation.objects.create(name=f"Vzw{ZWSP} {RLO}Noord{BOM}")
    organisation.refresh_from_db()
    assert organisation.name == "Vzw Noord"
    participant = f.ParticipantFactory(project=world.project, first_name=DECOMPOSED, last_name=f"{LRI}Peeters{PDI}")
    assert participant.first_name == COMPOSED  # the instance too, not only the row
    participant.refresh_from_db()
    assert (participant.first_name, participant.last_name) == (COMPOSED, "Peeters")


@pytest.mark.django_db
def test_the_api_stores_and_answers_the_clean_name(world: World) -> None:
    response = client_for(world.coordinator).post("/api/v1/participants/", {
        "project": world.project.pk, "first_name": f"Na{ZWSP}dia", "last_name": f"{RLO}inarmA",
        "postcode": "9000"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["first_name"], response.json()["last_name"]) == ("Nadia", "inarmA")
    stored = Participant.objects.get(pk=response.json()["id"])
    assert (stored.first_name, stored.last_name) == ("Nadia", "inarmA")


@pytest.mark.django_db
def test_a_look_alike_of_a_taken_organisation_name_is_refused(world: World) -> None:
    taken = world.project.organisation.name
    response = client_for(world.admin).post("/api/v1/organisations/", {"name": f"{taken[:2]}{ZWSP}{taken[2:]}"},
                                            format="json")
    assert response.status_code == 400 and "name" in response.json()
    assert Organisation.objects.filter(name=taken).count() == 1


@pytest.mark.django_db
def test_a_name_of_only_invisible_characters_is_refused_with_a_field_message(world: World) -> None:
    before = Participant.objects.count()
    response = client_for(world.coordinator).post("/api/v1/participants/", {
        "project": world.project.pk, "first_name": f"{ZWSP}{ZWJ}{BOM}", "last_name": "Amrani", "postcode": "9000"},
        format="json")
    assert response.status_code == 400 and "first_name" in response.json()
    assert Participant.objects.count() == before


@pytest.mark.django_db
def test_a_network_alters_label_is_cleaned_over_the_api(world: World) -> None:
    from netwerk.models import NetworkMap

    network_map = NetworkMap.objects.create(participant=world.participant, occasion="intake",
                                            date=world.duo.started_on or world.duo.proposed_on)
    response = client_for(world.coordinator).post("/api/v1/netwerk/alters/", {
        "map": network_map.pk, "label": f"Buur{RLO}man", "category": "neighbour"}, format="json")
    assert response.status_code == 201, response.content
    assert Alter.objects.get(pk=response.json()["id"]).label == "Buurman"


@pytest.mark.django_db
def test_the_coordinators_edit_page_stores_the_clean_name(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator)
    body = participant_edit_body(world)
    body.update({"person-first_name": f"Ma{ZWSP}rieke{RLO}", "person-last_name": DECOMPOSED})
    response = client.post(reverse("web:coordinator-participant-edit", args=[world.participant.pk]), body)
    assert response.status_code == 302, response.content.decode()[:2000]
    world.participant.refresh_from_db()
    assert (world.participant.first_name, world.participant.last_name) == ("Marieke", COMPOSED)


@pytest.mark.django_db
def test_a_goal_is_cleaned_before_it_is_encrypted(world: World) -> None:
    from buddynet.records.duos.models import Goal

    response = client_for(world.coordinator).post("/api/v1/goals/", {
        "duo": world.duo.pk, "description": f"Zelf{ZWSP} naar de {RLO}bib gaan", "life_domain": "leisure"},
        format="json")
    assert response.status_code == 201, response.content
    assert Goal.objects.get(pk=response.json()["id"]).description == "Zelf naar de bib gaan"
