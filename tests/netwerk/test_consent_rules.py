"""Consent enforced (issue 16): no network map is started or changed for a participant whose consent
does not cover it — in the service, so the API and the pages alike; a withdrawal offers to erase
the maps; a check-in's new contact does not make a map without that consent."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.errors import Conflict
from buddynet.records.duos import services as duo_services
from buddynet.records.people import services as people_services
from netwerk import services
from netwerk.models import Alter, NetworkMap
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

MAPS = "/api/v1/netwerk/maps/"
ALTERS = "/api/v1/netwerk/alters/"


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


def page_client(world: World) -> Client:
    client = Client()
    client.force_login(world.coordinator)
    return client


def narrow(world: World, scope: str = "basic") -> None:
    people_services.consent_record(participant=world.participant, given_on=dt.date(2025, 11, 1), scope=scope,
                                   by=world.coordinator)
    world.participant.refresh_from_db()


def a_map(world: World) -> NetworkMap:
    network_map = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2025, 6, 1))
    services.alter_add(network_map=network_map, by=world.coordinator,
                       data={"label": "Mama", "category": "family", "life_domains": ["housing"]})
    return network_map


def start_over_api(world: World) -> Any:
    return client_for(world.coordinator).post(MAPS, {"participant": world.participant.pk, "date": "2025-11-02"},
                                              format="json")


def start_over_page(world: World) -> Any:
    return page_client(world).post(reverse("netwerk:map-create", args=[world.participant.pk]),
                                   {"occasion": "intake", "date": "2025-11-02", "copy_from_last": "on"}, follow=True)


@pytest.mark.parametrize("scope", ["basic", ""])
@pytest.mark.parametrize("channel", ["api", "page"])
def test_no_map_is_started_without_network_consent(world: World, channel: str, scope: str) -> None:
    narrow(world, scope)

    response = start_over_api(world) if channel == "api" else start_over_page(world)

    assert not NetworkMap.objects.filter(participant=world.participant).exists()
    if channel == "api":
        assert response.status_code == 409
        assert "netwerkkaart" in response.json()["detail"]
    else:
        assert "dekt geen netwerkkaart" in response.content.decode()


@pytest.mark.parametrize("channel", ["api", "page"])
def test_a_map_is_started_with_network_consent(world: World, channel: str) -> None:
    narrow(world, "network")

    response = start_over_api(world) if channel == "api" else start_over_page(world)

    assert response.status_code == (201 if channel == "api" else 200)
    assert NetworkMap.objects.filter(participant=world.participant).count() == 1


@pytest.mark.parametrize("channel", ["api", "page"])
def test_an_existing_map_cannot_be_changed_after_narrowing(world: World, channel: str) -> None:
    network_map = a_map(world)
    narrow(world)

    if channel == "api":
        response = client_for(world.coordinator).post(ALTERS, {
            "map": network_map.pk, "label": "Buurvrouw", "category": "neighbour", "life_domains": []}, format="json")
        assert response.status_code == 409
        edited = client_for(world.coordinator).patch(f"{MAPS}{network_map.pk}/", {"note": "nieuw"}, format="json")
        assert edited.status_code == 409
    else:
        response = page_client(world).post(reverse("netwerk:map-edit", args=[network_map.pk]), {
            "action": "add", "new-label": "Buurvrouw", "new-category": "neighbour", "new-ring": "2",
            "new-valence": "supportive"})
        assert response.status_code == 400
        assert "dekt geen netwerkkaart" in response.content.decode()
    assert list(network_map.alters.values_list("label", flat=True)) == ["Mama"]
    network_map.refresh_from_db()
    assert network_map.note != "nieuw"


def test_the_pages_disable_the_button_and_say_how_to_record_wider_consent(world: World) -> None:
    narrow(world)
    client = page_client(world)

    participant_page = client.get(reverse("web:coordinator-participant", args=[world.participant.pk])).content.decode()
    maps_page = client.get(reverse("netwerk:participant-maps", args=[world.participant.pk])).content.decode()

    consent_url = reverse("web:coordinator-participant-consent", args=[world.participant.pk])
    for html in (participant_page, maps_page):
        assert "disabled" in html and "dekt geen netwerkkaart" in html
        assert consent_url in html


def test_with_network_consent_the_button_is_enabled(world: World) -> None:
    html = page_client(world).get(reverse("netwerk:participant-maps", args=[world.participant.pk])).content.decode()

    assert "dekt geen netwerkkaart" not in html
    assert 'aria-describedby="map-blocked"' not in html


def test_a_new_contact_from_a_check_in_makes_no_map_without_consent_but_the_check_in_is_kept(world: World) -> None:
    narrow(world)

    check_in, _created = duo_services.check_in_record(
        duo=world.duo, author=world.volunteer_user, client_uuid=uuid.uuid4(), data={
            "date": dt.date(2025, 11, 2), "duration_minutes": 60, "mode": "phone",
            "new_contacts": [{"label": "Buurvrouw Ria", "category": "neighbour", "life_domain": "social"}]})
    added = services.tie_via_buddy_add(participant=world.participant, label="Buurvrouw Ria", category="neighbour",
                                       life_domains=["social"], by=world.volunteer_user, check_in=check_in)

    assert added is None
    assert not NetworkMap.objects.filter(participant=world.participant).exists()
    check_in.refresh_from_db()
    assert check_in.new_contacts[0]["label"] == "Buurvrouw Ria"
    with pytest.raises(Conflict):  # asked directly, it is refused
        services.tie_via_buddy_add(participant=world.participant, label="Ria", category="neighbour",
                                   life_domains=[], by=world.coordinator)


def test_after_withdrawal_the_page_offers_to_erase_the_maps_and_erases_them(world: World) -> None:
    network_map = a_map(world)
    other = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2025, 9, 1))
    narrow(world, "")
    client = page_client(world)
    page = client.get(reverse("web:coordinator-participant", args=[world.participant.pk])).content.decode()
    erase_url = reverse("netwerk:maps-erase", args=[world.participant.pk])
    assert erase_url in page

    response = client.post(erase_url, follow=True)

    assert response.status_code == 200
    assert not NetworkMap.objects.filter(pk__in=[network_map.pk, other.pk]).exists()
    assert not Alter.objects.filter(map_id=network_map.pk).exists()
    assert "2 netwerkkaarten gewist" in response.content.decode()


def test_maps_under_network_consent_are_not_erased_in_bulk(world: World) -> None:
    network_map = a_map(world)

    with pytest.raises(Conflict):
        services.maps_erase_for_consent(participant=world.participant, by=world.coordinator)
    page_client(world).post(reverse("netwerk:maps-erase", args=[world.participant.pk]))

    assert NetworkMap.objects.filter(pk=network_map.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("other_coordinator", 404), ("volunteer_user", 404),
                                             ("funder_user", 404)])
def test_only_the_coordinator_can_erase_the_maps(world: World, who: str, status: int) -> None:
    network_map = a_map(world)
    narrow(world, "")
    client = Client()
    client.force_login(getattr(world, who))

    response = client.post(reverse("netwerk:maps-erase", args=[world.participant.pk]))

    assert response.status_code == status
    assert NetworkMap.objects.filter(pk=network_map.pk).exists()
