"""Consent has a history (issue 16): given, widened, narrowed, withdrawn — over the service, the API
and the coordinator's page; the participant's current consent is the latest step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.errors import InvalidInput
from buddynet.records.people import services
from buddynet.records.people.models import ConsentEvent, Participant
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

PARTICIPANTS = "/api/v1/participants/"


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


def test_each_step_is_named_from_the_scope_before_and_after(world: World) -> None:
    p = f.ParticipantFactory(project=world.project, consent_date=None, consent_scope="", status="intake")
    steps = [("basic", "given"), ("research", "widened"), ("network", "narrowed"), ("network", "given"),
             ("", "withdrawn"), ("basic", "given")]
    for day, (scope, _kind) in enumerate(steps, start=1):
        services.consent_record(participant=p, given_on=dt.date(2025, 10, day), scope=scope, by=world.coordinator,
                                how=ConsentEvent.How.SPOKEN_INTERPRETER)

    events = list(p.consent_events.order_by("on"))
    assert [(e.scope, e.kind) for e in events] == steps
    assert all(e.recorded_by == world.coordinator and e.how == "spoken_interpreter" for e in events)
    p.refresh_from_db()
    assert (p.consent_scope, p.consent_date, p.consent_recorded_by) == (
        "basic", dt.date(2025, 10, 6), world.coordinator)


def test_a_withdrawal_leaves_no_current_consent(world: World) -> None:
    services.consent_record(participant=world.participant, given_on=dt.date(2025, 11, 1), scope="",
                            by=world.coordinator)

    world.participant.refresh_from_db()
    assert (world.participant.consent_scope, world.participant.consent_date) == ("", None)
    assert not world.participant.has_consent and not world.participant.consent_covers_network


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"given_on": dt.date(2025, 12, 1), "scope": "basic"}, "given_on"),  # in the future
    ({"given_on": dt.date(2025, 5, 1), "scope": "basic"}, "given_on"),  # before the latest step
    ({"given_on": dt.date(2025, 11, 1), "scope": "everything"}, "scope"),
])
def test_a_wrong_step_is_refused_and_nothing_is_written(world: World, kwargs: dict[str, Any], field: str) -> None:
    services.consent_record(participant=world.participant, given_on=dt.date(2025, 6, 1), scope="research",
                            by=world.coordinator)
    before = ConsentEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.consent_record(participant=world.participant, by=world.coordinator, **kwargs)

    assert field in refused.value.message  # type: ignore[operator]
    assert ConsentEvent.objects.count() == before


def test_the_api_keeps_the_history_when_the_consent_fields_change(world: World) -> None:
    client = client_for(world.coordinator)

    response = client.patch(f"{PARTICIPANTS}{world.participant.pk}/",
                            {"consent_scope": "basic", "consent_date": "2025-11-02", "consent_how": "spoken"},
                            format="json")

    assert response.status_code == 200, response.json()
    event = world.participant.consent_events.get()
    assert (event.kind, event.scope, event.on, event.how, event.recorded_by) == (
        "narrowed", "basic", dt.date(2025, 11, 2), "spoken", world.coordinator)
    assert response.json()["consent_scope"] == "basic"


def test_a_new_participant_through_the_api_starts_their_history(world: World) -> None:
    response = client_for(world.coordinator).post(PARTICIPANTS, {
        "project": world.project.pk, "first_name": "Nadia", "last_name": "Amrani", "postcode": "9000",
        "status": "waiting", "consent_scope": "network", "consent_date": "2025-11-03"}, format="json")

    assert response.status_code == 201, response.json()
    p = Participant.objects.get(pk=response.json()["id"])
    assert [(e.kind, e.scope) for e in p.consent_events.all()] == [("given", "network")]


def test_the_consent_endpoint_adds_a_step_and_lists_the_history(world: World) -> None:
    client = client_for(world.coordinator)
    url = f"{PARTICIPANTS}{world.participant.pk}/consent/"

    added = client.post(url, {"scope": "basic", "given_on": "2025-11-03", "how": "spoken_interpreter"}, format="json")
    listed = client.get(url)

    assert added.status_code == 201, added.json()
    assert added.json()["kind"] == "narrowed"
    assert [(e["kind"], e["scope"]) for e in listed.json()] == [("narrowed", "basic")]
    world.participant.refresh_from_db()
    assert world.participant.consent_scope == "basic"


@pytest.mark.parametrize(("who", "status"), [
    ("volunteer_user", 404), ("other_coordinator", 404), ("funder_user", 404), ("admin", 201)])
def test_only_the_participants_coordinator_or_an_administrator_records_consent(
    world: World, who: str, status: int,
) -> None:
    response = client_for(getattr(world, who)).post(
        f"{PARTICIPANTS}{world.participant.pk}/consent/", {"scope": "basic", "given_on": "2025-11-03"},
        format="json")

    assert response.status_code == status
    assert ConsentEvent.objects.count() == (1 if status == 201 else 0)


def test_the_api_refuses_a_step_in_the_future_with_the_field(world: World) -> None:
    response = client_for(world.coordinator).post(
        f"{PARTICIPANTS}{world.participant.pk}/consent/", {"scope": "basic", "given_on": "2025-12-03"},
        format="json")

    assert response.status_code == 400
    assert "given_on" in response.json()
    assert not ConsentEvent.objects.exists()


def test_the_page_records_a_narrower_consent_and_shows_the_history(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator)
    url = reverse("web:coordinator-participant-consent", args=[world.participant.pk])

    response = client.post(url, {"scope": "withdraw", "given_on": "2025-11-03", "how": "signed_form"})

    assert response.status_code == 302
    world.participant.refresh_from_db()
    assert (world.participant.consent_scope, world.participant.consent_date) == ("", None)
    page = client.get(reverse("web:coordinator-participant", args=[world.participant.pk])).content.decode()
    assert "Ingetrokken" in page  # the history, in Dutch


def test_the_page_refuses_a_date_before_the_latest_step(world: World) -> None:
    services.consent_record(participant=world.participant, given_on=dt.date(2025, 10, 1), scope="research",
                            by=world.coordinator)
    client = Client()
    client.force_login(world.coordinator)

    response = client.post(reverse("web:coordinator-participant-consent", args=[world.participant.pk]),
                           {"scope": "basic", "given_on": "2025-09-01", "how": "signed_form"})

    assert response.status_code == 400
    assert world.participant.consent_events.count() == 1
