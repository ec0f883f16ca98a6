"""The network API beyond the access matrix: what it answers, in which language, at what cost."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from netwerk import services
from netwerk.models import Alter, NetworkMap
from tests import factories as f
from tests.conftest import World, client_for

MAPS = "/api/v1/netwerk/maps/"


def a_map(world: World, participant: Any = None, on: dt.date = dt.date(2025, 6, 1)) -> NetworkMap:
    network_map = services.map_create(participant=participant or world.participant, by=world.coordinator, on=on,
                                      copy_from_last=False)
    mother = services.alter_add(network_map=network_map, by=world.coordinator,
                                data={"label": "Mama", "category": "family", "life_domains": ["housing"]})
    gp = services.alter_add(network_map=network_map, by=world.coordinator,
                            data={"label": "Huisarts", "category": "professional", "life_domains": ["health"]})
    services.tie_add(a=mother, b=gp)
    return network_map


def test_a_new_map_through_the_api_starts_from_the_last_one(world: World) -> None:
    first = a_map(world)

    response = client_for(world.coordinator).post(MAPS, {"participant": world.participant.pk, "date": "2025-12-01",
                                                         "occasion": "interim"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["copied_from"] == first.pk
    assert sorted(a["key"] for a in body["alters"]) == sorted(str(a.key) for a in first.alters.all())
    assert len(body["ties"]) == 1


def test_measures_and_change_through_the_api(world: World) -> None:
    first = a_map(world)
    second = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2025, 12, 1))
    ria = services.alter_add(network_map=second, by=world.coordinator, data={
        "label": "Ria", "category": "neighbour", "life_domains": ["social"], "via_buddy": True})
    client = client_for(world.coordinator)

    measures = client.get(f"{MAPS}{second.pk}/measures/").json()
    change = client.get(f"{MAPS}{second.pk}/change/").json()
    against = client.get(f"{MAPS}{second.pk}/change/", {"against": first.pk}).json()

    assert measures["without_buddy"]["size"] == 3
    assert measures["without_buddy"]["informal_size"] == 2
    assert measures["without_buddy"]["domains_covered"] == ["housing", "social"]
    assert change == against
    assert (change["before_map"], change["after_map"]) == (first.pk, second.pk)
    assert change["gained"] == change["gained_via_buddy"] == [str(ria.key)]
    assert change["informal_size_change"] == 1 and change["domain_coverage_change"] == 1


def test_the_volunteer_adds_a_tie_via_the_api_and_sees_nothing_else_of_the_map(world: World) -> None:
    a_map(world)
    client = client_for(world.volunteer_user)

    response = client.post(f"/api/v1/netwerk/duos/{world.duo.pk}/tie-via-buddy/",
                           {"label": "Wandelclub", "category": "organisation", "life_domains": ["leisure"]},
                           format="json")

    assert response.status_code == 201
    assert set(response.json()) == {"id", "label", "category", "life_domains", "via_buddy", "map_date"}
    alter = Alter.objects.get(label="Wandelclub")
    assert alter.via_buddy and alter.added_by == world.volunteer_user
    assert client.get(f"/api/v1/netwerk/alters/{alter.pk}/").status_code == 404
    assert client.get(f"{MAPS}{alter.map_id}/").status_code == 404


def test_a_closed_duos_volunteer_can_no_longer_add_a_tie(world: World) -> None:
    world.duo.status = "closed"
    world.duo.closed_on = dt.date(2025, 9, 1)
    world.duo.closure_reason = "goals_reached"
    world.duo.next_step = "end"
    world.duo.save()

    response = client_for(world.volunteer_user).post(
        f"/api/v1/netwerk/duos/{world.duo.pk}/tie-via-buddy/", {"label": "Ria", "category": "neighbour"},
        format="json")

    assert response.status_code == 403
    assert not NetworkMap.objects.exists()


def test_a_tie_across_maps_is_refused_in_dutch_by_default_and_in_english_when_asked(world: World) -> None:
    one = a_map(world).alters.first()
    other = a_map(world, f.ParticipantFactory(project=world.project)).alters.first()
    body = {"a": one.pk, "b": other.pk}
    client = client_for(world.coordinator)

    dutch = client.post("/api/v1/netwerk/ties/", body, format="json")
    english = client.post("/api/v1/netwerk/ties/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert dutch.status_code == english.status_code == 400
    assert dutch.json() == {"b": ["Beide personen moeten op dezelfde netwerkkaart staan."]}
    assert english.json() == {"b": ["Both people must be on the same network map."]}


def test_an_unknown_category_is_named_in_dutch(world: World) -> None:
    response = client_for(world.coordinator).post("/api/v1/netwerk/alters/", {
        "map": a_map(world).pk, "label": "X", "category": "stranger"}, format="json")

    assert response.status_code == 400
    assert "geldige keuze" in response.json()["category"][0]


def test_listing_maps_costs_as_many_queries_for_many_maps_as_for_one(world: World) -> None:
    client = client_for(world.coordinator)
    a_map(world)
    client.get(MAPS)  # warm up: roles, content types

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(MAPS).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for _ in range(4):
        a_map(world, f.ParticipantFactory(project=world.project))
    assert len(client.get(MAPS).json()["results"]) == 5
    assert count() == one
