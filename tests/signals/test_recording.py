"""A barrier met on a check-in becomes a signal (phone page, its offline resend, the API); a
coordinator records, moves and shares signals; the rules hold through every channel."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.features.signals import services
from buddynet.features.signals.models import BarrierType, Signal, SignalStatus
from buddynet.records.duos.models import CheckIn
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

CHECK_IN = "/mijn/contact/"


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(user)
    return client


def phone_check_in(w: World, **extra: Any) -> dict[str, Any]:
    return {"duo": w.duo.pk, "date": timezone.localdate().isoformat(), "duration": "60", "mode": "in_person",
            "activities": ["talk"], "mood": "4", **extra}


def test_the_taxonomy_is_seeded_with_the_issues_barriers() -> None:
    codes = set(BarrierType.objects.values_list("code", flat=True))
    assert {"non-take-up", "digital-exclusion", "waiting-lists", "housing", "discrimination"} <= codes
    assert BarrierType.objects.get(code="non-take-up").name_nl == "Niet-gebruik van rechten"


def test_the_phone_page_offers_the_barrier_chips(world: World) -> None:
    page = signed_in(world.volunteer_user).get(CHECK_IN).content.decode()
    assert "We liepen tegen een drempel aan" in page
    assert 'value="digital-exclusion"' in page and "Digitale uitsluiting" in page


def test_a_barrier_from_the_phone_is_stored_once_also_when_the_outbox_resends_it(world: World) -> None:
    world.participant.postcode, world.participant.municipality = "9000", "Gent"
    world.participant.save()
    client = signed_in(world.volunteer_user)
    key = str(uuid.uuid4())
    fields = phone_check_in(world, client_uuid=key, barrier_type="digital-exclusion",
                            barrier_life_domain="administration", barrier_note="Formulier enkel online")

    # The outbox sends the stored fields with Accept: application/json; a lost answer means a resend.
    outbox = {"HTTP_ACCEPT": "application/json", "HTTP_X_BUDDYNET_AUTHOR": str(world.volunteer_user.pk)}
    first = client.post(CHECK_IN, fields, **outbox)
    again = client.post(CHECK_IN, fields, **outbox)

    assert (first.status_code, again.status_code) == (201, 200)
    signal = Signal.objects.get()
    check_in = CheckIn.objects.get(client_uuid=key)
    assert signal.check_in == check_in and signal.duo == world.duo and signal.participant == world.participant
    assert (signal.barrier_type.code, signal.life_domain, signal.municipality) == (
        "digital-exclusion", "administration", "Gent")
    assert signal.description == "Formulier enkel online" and signal.recorded_by == world.volunteer_user
    assert signal.status == SignalStatus.NEW and not signal.shareable


def test_the_description_is_encrypted_at_rest(world: World) -> None:
    from django.db import connection

    signal = services.signal_record(participant=world.participant, by=world.coordinator,
                                    data={"barrier_type": "housing", "life_domain": "housing",
                                          "description": "Wachttijd sociale woning"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM signals_signal WHERE id = %s", [signal.pk])
        stored = cursor.fetchone()[0]
    assert "Wachttijd" not in stored and stored.startswith("gAAAAA")


def test_a_refused_barrier_stores_neither_the_check_in_nor_the_signal(world: World) -> None:
    client = signed_in(world.volunteer_user)
    before = CheckIn.objects.count()
    response = client.post(CHECK_IN, phone_check_in(world, barrier_type="no-such-type", barrier_life_domain="work"))
    assert response.status_code == 400
    assert "Kies een soort drempel uit de lijst." in response.content.decode()
    assert CheckIn.objects.count() == before and not Signal.objects.exists()


def test_a_barrier_without_a_life_domain_is_refused_on_the_page(world: World) -> None:
    response = signed_in(world.volunteer_user).post(CHECK_IN, phone_check_in(world, barrier_type="housing"))
    assert response.status_code == 400 and not Signal.objects.exists()


def test_a_barrier_takes_the_check_ins_first_life_domain_when_none_is_chosen(world: World) -> None:
    response = signed_in(world.volunteer_user).post(
        CHECK_IN, phone_check_in(world, barrier_type="mobility", life_domains=["work", "mobility"]))
    assert response.status_code == 302
    assert Signal.objects.get().life_domain == "mobility"


def test_a_barrier_through_the_api_with_the_check_in(world: World) -> None:
    api = client_for(world.volunteer_user)
    body = {"duo": world.duo.pk, "date": timezone.localdate().isoformat(), "duration_minutes": 30,
            "mode": "phone", "barrier": {"barrier_type": "waiting-lists", "life_domain": "health"}}
    response = api.post("/api/v1/check-ins/", body, format="json")
    assert response.status_code == 201, response.content
    assert Signal.objects.get().barrier_type.code == "waiting-lists"
    bad = api.post("/api/v1/check-ins/", {**body, "barrier": {"barrier_type": "x", "life_domain": "health"}},
                   format="json")
    assert bad.status_code == 400 and "barrier_type" in bad.json()
    assert Signal.objects.count() == 1


def test_the_status_moves_one_way_and_passing_on_says_to_whom(world: World) -> None:
    signal = services.signal_record(participant=world.participant, by=world.coordinator,
                                    data={"barrier_type": "housing", "life_domain": "housing"})
    with pytest.raises(Conflict):
        services.signal_move(signal=signal, status=SignalStatus.ANSWERED, by=world.coordinator)
    with pytest.raises(InvalidInput):
        services.signal_move(signal=signal, status=SignalStatus.PASSED_ON, by=world.coordinator)
    with pytest.raises(NotAllowed):
        services.signal_move(signal=signal, status=SignalStatus.PASSED_ON, by=world.other_coordinator,
                             passed_on_to="OCMW")
    services.signal_move(signal=signal, status=SignalStatus.PASSED_ON, by=world.coordinator, passed_on_to="OCMW Gent")
    signal = services.signal_move(signal=signal, status=SignalStatus.STRUCTURAL, by=world.coordinator)
    assert (signal.status, signal.passed_on_to) == (SignalStatus.STRUCTURAL, "OCMW Gent")
    with pytest.raises(Conflict):
        services.signal_move(signal=signal, status=SignalStatus.ANSWERED, by=world.coordinator)


def test_a_description_that_names_someone_cannot_be_shared(world: World) -> None:
    signal = services.signal_record(participant=world.participant, duo=world.duo, by=world.coordinator,
                                    data={"barrier_type": "housing", "life_domain": "housing",
                                          "description": "Marieke vond geen betaalbare woning"})
    with pytest.raises(InvalidInput):
        services.signal_share(signal=signal, shareable=True, by=world.coordinator)
    signal = services.signal_describe(signal=signal, by=world.coordinator,
                                      description="Geen betaalbare woning onder de 700 euro")
    with pytest.raises(NotAllowed):
        services.signal_share(signal=signal, shareable=True, by=world.volunteer_user)
    assert services.signal_share(signal=signal, shareable=True, by=world.coordinator).shareable
    # A new text is not shareable until marked again.
    assert not services.signal_describe(signal=signal, by=world.coordinator, description="Anders").shareable


def test_a_volunteer_records_only_for_their_own_duo(world: World) -> None:
    with pytest.raises(NotAllowed):
        services.signal_record(participant=world.participant, by=world.volunteer_user,
                               data={"barrier_type": "housing", "life_domain": "housing"})
    with pytest.raises(NotAllowed):
        services.signal_record(participant=world.other_participant, duo=world.other_duo, by=world.volunteer_user,
                               data={"barrier_type": "housing", "life_domain": "housing"})


def test_the_phone_page_speaks_english_when_asked(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.volunteer_user)
    page = client.get(CHECK_IN).content.decode()
    assert "We ran into a barrier" in page and "Digital exclusion" in page and "Digitale uitsluiting" not in page
