"""Screening is a rule, not a label (issues 15 and 16): a missing or expired criminal-record extract
keeps a volunteer out of the match run's pool and refuses a new duo (409 with the reason) over the
API and the pages; the volunteer's status follows the screening dates in volunteer_save, whatever
the channel; the volunteer's page says why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.errors import Conflict
from buddynet.records.duos.models import Duo
from buddynet.records.people.models import Volunteer
from buddynet.records.people.screening import extract_valid_until, screening_problems
from matching import services as matching_services
from matching.models import Proposal
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

D = dt.date
# VolunteerFactory's extract was checked on 2025-02-15: valid 36 months, so it stops counting
# on 2028-02-15 — "the day".
CHECKED = D(2025, 2, 15)
THE_DAY = D(2028, 2, 15)
VOLUNTEERS = "/api/v1/volunteers/"
DUOS = "/api/v1/duos/"


def on(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC), tick=False)


def pair(world: World) -> tuple[Any, Any]:
    """A waiting participant and a free volunteer who fit each other in every other way (the
    world's own volunteer takes a break, so Wout is the only candidate)."""
    Volunteer.objects.filter(pk=world.volunteer.pk).update(status=Volunteer.Status.PAUSED)
    participant = f.ParticipantFactory(project=world.project, first_name="Nadia", waiting_since=D(2027, 12, 1))
    volunteer = f.VolunteerFactory(project=world.project, first_name="Wout", criminal_record_checked_on=CHECKED)
    return participant, volunteer


def test_the_extract_is_valid_for_the_projects_months_up_to_the_day_before(world: World) -> None:
    assert extract_valid_until(CHECKED, 36) == THE_DAY
    assert extract_valid_until(D(2025, 5, 31), 1) == D(2025, 6, 30)
    volunteer = f.VolunteerFactory(project=world.project, criminal_record_checked_on=CHECKED)
    assert screening_problems(volunteer, today=THE_DAY - dt.timedelta(days=1)) == []
    assert len(screening_problems(volunteer, today=THE_DAY)) == 1
    world.project.screening_valid_months = 12
    assert len(screening_problems(volunteer, today=D(2026, 2, 15))) == 1


def test_on_the_day_the_volunteer_is_not_in_the_next_match_runs_pool(world: World) -> None:
    participant, volunteer = pair(world)
    with on(THE_DAY - dt.timedelta(days=1)):
        before = matching_services.match_run_start(project=world.project, by=world.coordinator)
    with on(THE_DAY):
        after = matching_services.match_run_start(project=world.project, by=world.coordinator)

    assert list(before.proposals.values_list("participant_id", "volunteer_id")) == [(participant.pk, volunteer.pk)]
    assert not after.proposals.exists()
    assert after.unmatched == [{"participant": participant.pk, "reason": "screening_incomplete",
                                "params": {"count": 1}}]


def test_on_the_day_a_locked_pair_is_not_forced_either(world: World) -> None:
    participant, volunteer = pair(world)
    with on(THE_DAY - dt.timedelta(days=10)):
        matching_services.pair_rule_lock(participant=participant, volunteer=volunteer, by=world.coordinator,
                                    reason="Kennen elkaar al")
    with on(THE_DAY):
        run = matching_services.match_run_start(project=world.project, by=world.coordinator)

    assert not run.proposals.exists()
    assert run.rules["locks_ignored"] == [[participant.pk, volunteer.pk]]


def test_on_the_day_the_api_refuses_a_new_duo_with_the_reason(world: World) -> None:
    participant, volunteer = pair(world)
    with on(THE_DAY):
        response = client_for(world.coordinator).post(
            DUOS, {"volunteer": volunteer.pk, "participant": participant.pk}, format="json",
            HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 409
    assert "15/02/2028" in response.json()["detail"] and "verlopen" in response.json()["detail"]
    assert not Duo.objects.filter(volunteer=volunteer).exists()


def test_the_day_before_the_api_still_makes_the_duo(world: World) -> None:
    participant, volunteer = pair(world)
    with on(THE_DAY - dt.timedelta(days=1)):
        response = client_for(world.coordinator).post(
            DUOS, {"volunteer": volunteer.pk, "participant": participant.pk}, format="json")

    assert response.status_code == 201, response.json()


def test_on_the_day_accepting_a_proposal_on_the_page_is_refused_with_the_reason(world: World) -> None:
    participant, volunteer = pair(world)
    with on(THE_DAY - dt.timedelta(days=1)):
        proposal = matching_services.match_run_start(project=world.project, by=world.coordinator).proposals.get()
    client = Client()
    with on(THE_DAY):
        client.force_login(world.coordinator)  # signed in that day: a session does not last years
        response = client.post(reverse("matching:accept", args=[proposal.pk]), follow=True)
        with pytest.raises(Conflict):  # and the service itself, as any other channel calls it
            matching_services.proposal_accept(proposal=proposal, by=world.coordinator)

    assert "15/02/2028" in response.content.decode() and "verlopen" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.decision == Proposal.Decision.PENDING and proposal.duo is None
    assert not Duo.objects.filter(volunteer=volunteer).exists()


@pytest.mark.parametrize("field", ["intake_date", "training_date", "criminal_record_checked_on"])
def test_a_missing_screening_step_refuses_a_new_duo(world: World, field: str) -> None:
    participant, volunteer = pair(world)
    Volunteer.objects.filter(pk=volunteer.pk).update(**{field: None})

    response = client_for(world.coordinator).post(
        DUOS, {"volunteer": volunteer.pk, "participant": participant.pk}, format="json")

    assert response.status_code == 409
    assert not Duo.objects.filter(volunteer=volunteer).exists()


def test_the_volunteers_page_says_why_they_cannot_be_matched(world: World) -> None:
    _participant, volunteer = pair(world)
    client = Client()
    with on(THE_DAY):
        client.force_login(world.coordinator)
        html = client.get(reverse("web:coordinator-volunteer", args=[volunteer.pk])).content.decode()

    assert 'id="screening-problems"' in html
    assert "15/02/2028" in html and "verlopen" in html


def test_before_the_day_the_volunteers_page_shows_no_problem(world: World) -> None:
    _participant, volunteer = pair(world)
    client = Client()
    with on(THE_DAY - dt.timedelta(days=1)):
        client.force_login(world.coordinator)
        html = client.get(reverse("web:coordinator-volunteer", args=[volunteer.pk])).content.decode()

    assert 'id="screening-problems"' not in html


# --- the status follows the screening (issue 15), in every channel ---------------------------
def new_volunteer(world: World, **fields: Any) -> dict[str, Any]:
    return {"project": world.project.pk, "first_name": "Wout", "last_name": "Vermeulen", "postcode": "9000",
            **fields}


@pytest.mark.parametrize("fields", [
    {"intake_date": "2026-11-01"},  # only an intake date
    # an extract 42 months old
    {"intake_date": "2023-05-01", "training_date": "2023-06-01", "criminal_record_checked_on": "2023-06-01"},
], ids=["only an intake date", "a 42-month-old extract"])
def test_the_api_cannot_create_an_unscreened_volunteer_as_active(world: World, fields: dict[str, Any]) -> None:
    before = Volunteer.objects.count()
    with on(D(2026, 12, 1)):
        response = client_for(world.coordinator).post(VOLUNTEERS, new_volunteer(world, status="active", **fields),
                                                      format="json")

    assert response.status_code == 400, response.json()
    assert "status" in response.json()
    assert Volunteer.objects.count() == before


def test_the_api_cannot_set_an_unscreened_volunteer_active(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project, status=Volunteer.Status.SCREENING, training_date=None)

    response = client_for(world.coordinator).patch(f"{VOLUNTEERS}{volunteer.pk}/", {"status": "active"},
                                                   format="json")

    assert response.status_code == 400
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.SCREENING


def test_completing_the_screening_makes_the_volunteer_active_and_available(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project, status=Volunteer.Status.SCREENING, training_date=None,
                                   waiting_since=None)
    with on(D(2025, 11, 3)):
        response = client_for(world.coordinator).patch(f"{VOLUNTEERS}{volunteer.pk}/",
                                                       {"training_date": "2025-11-01"}, format="json")

    assert response.status_code == 200, response.json()
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.waiting_since) == (Volunteer.Status.ACTIVE, D(2025, 11, 3))
    assert response.json()["screening_problems"] == []


def test_an_expired_extract_takes_an_active_volunteer_back_to_screening(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project)
    with on(D(2026, 12, 1)):
        response = client_for(world.coordinator).patch(f"{VOLUNTEERS}{volunteer.pk}/",
                                                       {"criminal_record_checked_on": "2023-06-01"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "screening" and len(response.json()["screening_problems"]) == 1
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.SCREENING


def test_the_intake_wizard_leaves_a_volunteer_with_an_old_extract_in_screening(world: World) -> None:
    from tests.web.test_coordinator_forms import volunteer_intake

    client = Client()
    with on(D(2026, 12, 1)):
        client.force_login(world.coordinator)
        response = volunteer_intake(world, client, {"intake_date": "2023-05-01", "training_date": "2023-06-01",
                                                    "criminal_record_checked_on": "2023-06-01"})

    assert response.status_code == 302
    volunteer = Volunteer.objects.get(first_name="Wout", last_name="Amrani")
    assert volunteer.status == Volunteer.Status.SCREENING and volunteer.privacy_informed_on == D(2026, 12, 1)
