"""The participant's voice (issue 18 item 4): the evaluation in easy Dutch, recorded by the
volunteer (on the phone) or the coordinator (also from paper); a poor "it clicks" answer after
the first meeting, from either side, alerts the coordinators once; own words encrypted at rest;
aggregates (≥ 5) in the funder report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from buddynet.errors import InvalidInput, NotAllowed
from buddynet.features.aftercare import services
from buddynet.features.aftercare.models import Evaluation
from buddynet.features.aftercare.report import SUPPRESSED, voice_section
from notifications.models import Channel, Kind, Notification
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

D = dt.date


def first_meeting(world: World, by: Any, respondent: str, fit: int) -> Evaluation:
    return services.evaluation_record(participant=world.participant, duo=world.duo, by=by, data={
        "moment": "first_meeting", "respondent": respondent, "date": D(2025, 7, 16), "fit": fit, "heard": 4})


def alerts() -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=Kind.PAIRING_FIT_POOR, channel=Channel.INBOX)
                  .values_list("recipient__email", "dedup_key"))


def test_a_poor_pairing_fit_alerts_the_coordinator_once(world: World) -> None:
    first_meeting(world, world.volunteer_user, "volunteer", fit=4)
    assert alerts() == []

    first_meeting(world, world.volunteer_user, "participant", fit=2)
    assert alerts() == [("alice@example.be", f"pairing_fit_poor:duo:{world.duo.pk}")]

    first_meeting(world, world.coordinator, "volunteer", fit=1)  # the other side too: still one alert
    assert alerts() == [("alice@example.be", f"pairing_fit_poor:duo:{world.duo.pk}")]


def test_fit_counts_after_the_first_meeting_only(world: World) -> None:
    evaluation = services.evaluation_record(participant=world.participant, duo=world.duo, by=world.coordinator,
                                            data={"moment": "interim", "date": D(2025, 9, 1), "fit": 1, "heard": 5})
    assert evaluation.fit is None and alerts() == []


def test_who_may_record(world: World) -> None:
    data = {"moment": "interim", "date": D(2025, 9, 1), "heard": 3}
    with pytest.raises(NotAllowed):
        services.evaluation_record(participant=world.participant, duo=world.duo, by=world.other_volunteer_user,
                                   data=data)
    with pytest.raises(NotAllowed):
        services.evaluation_record(participant=world.participant, duo=None, by=world.volunteer_user, data=data)
    with pytest.raises(InvalidInput):
        services.evaluation_record(participant=world.participant, duo=world.duo, by=world.coordinator,
                                   data={"moment": "interim", "date": D(2025, 9, 1)})
    assert not Evaluation.objects.exists()


def test_own_words_are_encrypted_at_rest(world: World) -> None:
    evaluation = services.evaluation_record(participant=world.participant, duo=world.duo, by=world.volunteer_user,
                                            data={"moment": "interim", "date": D(2025, 9, 1), "heard": 5,
                                                  "own_words": "Ik ga terug naar de zangles"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT own_words FROM aftercare_evaluation WHERE id = %s", [evaluation.pk])
        stored = cursor.fetchone()[0]
    assert "zangles" not in stored and stored.startswith("gAAAAA")
    assert Evaluation.objects.get().own_words == "Ik ga terug naar de zangles"


def test_the_funder_report_shows_means_of_at_least_5(world: World) -> None:
    people = [f.ParticipantFactory(project=world.project) for _ in range(5)]
    for n, person in enumerate(people):
        services.evaluation_record(participant=person, duo=None, by=world.coordinator, data={
            "moment": "intake", "date": D(2025, 6, 1), "heard": 1 + n, "decide": 4 if n < 4 else None})
    rows = {(r["moment"], r["question"]): r for r in voice_section(
        project_ids=[world.project.pk], start=D(2025, 1, 1), end=D(2025, 12, 31))["rows"]}
    assert rows[("intake", "heard")] == {"moment": "intake", "question": "heard", "answered": 5, "mean": 3.0}
    assert rows[("intake", "decide")]["mean"] == SUPPRESSED


@pytest.mark.parametrize(("who", "status"), [("volunteer_user", 200), ("coordinator", 200), ("admin", 200),
                                              ("other_coordinator", 404), ("other_volunteer_user", 404),
                                              ("funder_user", 404)])
def test_page_access_for_the_duo(world: World, client: Any, who: str, status: int) -> None:
    client.force_login(getattr(world, who))
    assert client.get(reverse("aftercare:evaluate-duo", args=[world.duo.pk])).status_code == status


@pytest.mark.parametrize(("who", "status"), [("coordinator", 200), ("volunteer_user", 404),
                                              ("other_coordinator", 404), ("funder_user", 404)])
def test_page_access_for_an_intake(world: World, client: Any, who: str, status: int) -> None:
    client.force_login(getattr(world, who))
    assert client.get(reverse("aftercare:evaluate-participant", args=[world.participant.pk])).status_code == status


def test_the_page_records_and_refuses_an_empty_form(world: World, client: Any) -> None:
    client.force_login(world.volunteer_user)
    url = reverse("aftercare:evaluate-duo", args=[world.duo.pk])
    base = {"moment": "first_meeting", "respondent": "participant", "source": "phone", "date": "2025-07-16"}
    assert client.post(url, base).status_code == 400
    assert client.post(url, {**base, "fit": "1", "heard": "5"}).status_code == 302
    assert Evaluation.objects.get().fit == 1
    assert alerts() == [("alice@example.be", f"pairing_fit_poor:duo:{world.duo.pk}")]


def test_api(world: World) -> None:
    volunteer = client_for(world.volunteer_user)
    body = {"duo": world.duo.pk, "moment": "first_meeting", "date": "2025-07-16", "fit": 2}
    assert volunteer.post("/api/v1/evaluations/", body, format="json").status_code == 201
    assert volunteer.get("/api/v1/evaluations/").status_code == 403
    assert client_for(world.other_volunteer_user).post("/api/v1/evaluations/", body, format="json").status_code == 400
    assert volunteer.post("/api/v1/evaluations/", {**body, "fit": 9}, format="json").status_code == 400
    listed = client_for(world.coordinator).get("/api/v1/evaluations/")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert client_for(world.other_coordinator).get("/api/v1/evaluations/").json()["count"] == 0
    assert len(alerts()) == 1
