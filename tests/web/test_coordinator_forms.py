"""Coordinator forms: a complete intake saves once; bad input gets a clear Dutch message and saves nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.records.duos.models import CheckIn, Duo, DuoStatus
from buddynet.records.people.models import Participant, Volunteer
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


@pytest.fixture
def client(world: World) -> Client:
    client = Client()
    client.force_login(world.coordinator)
    return client


def step(client: Client, url: str, prefix: str, name: str, data: dict[str, Any]) -> Any:
    body = {f"{prefix}-current_step": name, **{f"{name}-{k}": v for k, v in data.items()}}
    return client.post(url, body)


PERSON = {"first_name": "Nadia", "last_name": "Amrani", "postcode": "9000", "mobility": "walk",
          "birth_year": "1961", "gender": "f", "phone": "0470 12 34 56"}
DAILY = {"languages": ["nl", "ar"], "availability": ["mon_evening", "sat_morning"], "interests": ["cooking"]}
NEEDS = {**{f"domain_{d}": "0" for d in ("housing", "work", "income", "health", "mobility", "childcare",
                                         "education", "leisure", "administration")},
         "domain_social": "3", "domain_administration": "2", "gender_preference": "f"}
CONSENT = {"explained": "on", "consent_scope": "network", "consent_date": "2025-11-03"}


def participant_intake(world: World, client: Client, consent: dict[str, Any]) -> Any:
    url = reverse("web:coordinator-participant-intake", args=[world.project.pk])
    prefix = f"intake_participant_{world.project.pk}"
    client.get(url)
    for name, data in (("person", PERSON), ("daily", DAILY), ("needs", NEEDS)):
        response = step(client, url, prefix, name, data)
        assert response.status_code == 200
        assert b"errorlist" not in response.content, response.content.decode()[:3000]
    return step(client, url, prefix, "consent", consent)


def test_a_complete_participant_intake_saves_a_waiting_participant_with_consent(world: World, client: Client) -> None:
    before = Participant.objects.count()
    response = participant_intake(world, client, CONSENT)

    assert response.status_code == 302
    assert Participant.objects.count() == before + 1
    p = Participant.objects.get(first_name="Nadia", last_name="Amrani")
    assert response["Location"] == reverse("web:coordinator-participant", args=[p.pk])
    assert (p.status, p.waiting_since, p.municipality) == ("waiting", dt.date(2025, 11, 3), "Gent")
    assert (p.consent_date, p.consent_scope, p.consent_recorded_by) == (dt.date(2025, 11, 3), "network",
                                                                         world.coordinator)
    assert p.needs == {"administration": 2, "social": 3}
    assert p.availability == ["mon_evening", "sat_morning"]
    assert p.languages == ["nl", "ar"]
    assert p.project == world.project


def test_no_participant_intake_completes_without_consent(world: World, client: Client) -> None:
    before = Participant.objects.count()
    response = participant_intake(world, client, {"consent_scope": "network", "consent_date": "2025-11-03"})

    assert response.status_code == 200
    assert "Zonder toestemming kan de intake niet afgerond worden" in response.content.decode()
    assert Participant.objects.count() == before


def test_consent_in_the_future_is_refused(world: World, client: Client) -> None:
    before = Participant.objects.count()
    response = participant_intake(world, client, {**CONSENT, "consent_date": "2025-12-01"})

    assert "Deze datum ligt in de toekomst." in response.content.decode()
    assert Participant.objects.count() == before


def test_an_unknown_postcode_stops_the_first_step(world: World, client: Client) -> None:
    url = reverse("web:coordinator-participant-intake", args=[world.project.pk])
    response = step(client, url, f"intake_participant_{world.project.pk}", "person", {**PERSON, "postcode": "0001"})

    html = response.content.decode()
    assert "Onbekende Belgische postcode: 0001." in html
    assert 'name="person-first_name"' in html  # still on the first step


def test_a_step_without_a_language_or_a_free_moment_says_so(world: World, client: Client) -> None:
    url = reverse("web:coordinator-participant-intake", args=[world.project.pk])
    prefix = f"intake_participant_{world.project.pk}"
    step(client, url, prefix, "person", PERSON)
    response = step(client, url, prefix, "daily", {"languages": [], "availability": []})

    html = response.content.decode()
    assert "Kies minstens één taal." in html
    assert "Vink minstens één dagdeel aan." in html


def test_needs_must_name_at_least_one_domain_and_ages_in_order(world: World, client: Client) -> None:
    url = reverse("web:coordinator-participant-intake", args=[world.project.pk])
    prefix = f"intake_participant_{world.project.pk}"
    step(client, url, prefix, "person", PERSON)
    step(client, url, prefix, "daily", DAILY)
    zero = {k: "0" for k in NEEDS if k.startswith("domain_")}
    response = step(client, url, prefix, "needs", {**zero, "gender_preference": "any",
                                                     "preferred_age_min": "60", "preferred_age_max": "30"})

    html = response.content.decode()
    assert "Geef minstens één levensdomein waar ondersteuning nodig is." in html
    assert "De bovengrens van de leeftijd is lager dan de ondergrens." in html


def test_the_messages_are_english_for_an_english_browser(world: World, client: Client) -> None:
    url = reverse("web:coordinator-participant-intake", args=[world.project.pk])
    body = {f"intake_participant_{world.project.pk}-current_step": "person", "person-postcode": "12"}
    response = client.post(url, body, HTTP_ACCEPT_LANGUAGE="en")

    assert "This field is required." in response.content.decode()


def volunteer_intake(world: World, client: Client, screening: dict[str, Any]) -> Any:
    url = reverse("web:coordinator-volunteer-intake", args=[world.project.pk])
    prefix = f"intake_volunteer_{world.project.pk}"
    strengths = {**{k: v for k, v in NEEDS.items() if k.startswith("domain_")}, "gender_preference": "any",
                 "capacity": "2"}
    for name, data in (("person", {**PERSON, "first_name": "Wout"}), ("daily", DAILY), ("strengths", strengths)):
        response = step(client, url, prefix, name, data)
        assert b"errorlist" not in response.content, response.content.decode()[:3000]
    return step(client, url, prefix, "screening", {"privacy_explained": "on", **screening})


def test_a_volunteer_with_a_complete_screening_becomes_available(world: World, client: Client) -> None:
    response = volunteer_intake(world, client, {"intake_date": "2025-10-01", "criminal_record_checked_on":
                                                "2025-10-05", "training_date": "2025-10-20"})

    assert response.status_code == 302
    vol = Volunteer.objects.get(first_name="Wout", last_name="Amrani")
    assert (vol.status, vol.screening_complete, vol.capacity, vol.waiting_since) == (
        "active", True, 2, dt.date(2025, 11, 3))
    assert vol.strengths == {"administration": 2, "social": 3}


def test_a_volunteer_without_training_stays_in_screening(world: World, client: Client) -> None:
    volunteer_intake(world, client, {"intake_date": "2025-10-01"})

    vol = Volunteer.objects.get(first_name="Wout", last_name="Amrani")
    assert (vol.status, vol.screening_complete, vol.waiting_since) == ("screening", False, None)


def test_a_screening_date_in_the_future_saves_nothing(world: World, client: Client) -> None:
    before = Volunteer.objects.count()
    response = volunteer_intake(world, client, {"intake_date": "2026-01-01"})

    assert "Deze datum ligt in de toekomst." in response.content.decode()
    assert Volunteer.objects.count() == before


def post_close(world: World, client: Client, data: dict[str, Any]) -> Any:
    return client.post(reverse("web:coordinator-duo-close", args=[world.duo.pk]), data)


def test_closing_without_a_reason_or_next_step_is_refused(world: World, client: Client) -> None:
    response = post_close(world, client, {"closed_on": "2025-10-01"})

    html = response.content.decode()
    assert "Kies de reden van afsluiten." in html
    assert "Kies wat er nu met de deelnemer gebeurt." in html
    world.duo.refresh_from_db()
    assert world.duo.status == DuoStatus.ACTIVE


def test_closing_before_the_proposal_or_other_without_a_note_is_refused(world: World, client: Client) -> None:
    response = post_close(world, client, {"reason": "other", "closed_on": "2025-01-01", "next_step": "end"})

    html = response.content.decode()
    assert "De afsluiting kan niet vóór het voorstel liggen." in html
    assert "Bij de reden &#x27;Andere&#x27;" in html
    world.duo.refresh_from_db()
    assert world.duo.status == DuoStatus.ACTIVE


def test_closing_with_a_rematch_puts_the_participant_back_in_waiting(world: World, client: Client) -> None:
    response = post_close(world, client, {"reason": "no_click", "closed_on": "2025-10-01", "next_step": "rematch",
                                          "evaluation_volunteer": "2", "evaluation_participant": "3"})

    assert response.status_code == 302
    world.duo.refresh_from_db()
    world.participant.refresh_from_db()
    assert (world.duo.status, world.duo.closure_reason, world.duo.evaluation_participant) == ("closed", "no_click", 3)
    # Back on the waiting list with the time already waited (issue 17).
    assert (world.participant.status, world.participant.waiting_since) == ("waiting", dt.date(2025, 6, 1))


def test_pausing_needs_a_reason(world: World, client: Client) -> None:
    response = client.post(reverse("web:coordinator-duo-pause", args=[world.duo.pk]), {"paused_on": "2025-10-01"})

    assert "Zeg waarom het duo pauzeert." in response.content.decode()
    world.duo.refresh_from_db()
    assert world.duo.status == DuoStatus.ACTIVE


def test_a_move_the_lifecycle_forbids_answers_409_and_changes_nothing(world: World, client: Client) -> None:
    proposed = f.DuoFactory(participant=f.ParticipantFactory(project=world.project),
                            volunteer=f.VolunteerFactory(project=world.project), status=DuoStatus.PROPOSED,
                            introduced_on=None, started_on=None)
    response = client.post(reverse("web:coordinator-duo-resume", args=[proposed.pk]), {})

    assert response.status_code == 409
    assert "Alleen een gepauzeerd duo kan hervatten." in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == DuoStatus.PROPOSED


def test_an_introduction_before_the_proposal_is_refused_by_the_service(world: World, client: Client) -> None:
    proposed = f.DuoFactory(participant=f.ParticipantFactory(project=world.project),
                            volunteer=f.VolunteerFactory(project=world.project), status=DuoStatus.PROPOSED,
                            proposed_on=dt.date(2025, 10, 1), introduced_on=None, started_on=None)
    response = client.post(reverse("web:coordinator-duo-introduce", args=[proposed.pk]),
                           {"introduced_on": "2025-09-01"})

    assert response.status_code == 400
    assert b"error-summary" in response.content
    proposed.refresh_from_db()
    assert (proposed.status, proposed.introduced_on) == (DuoStatus.PROPOSED, None)


def test_handling_a_concern_needs_a_note(world: World, client: Client) -> None:
    check_in = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, concern=True, concern_note="Zorg")
    url = reverse("web:coordinator-concern-handle", args=[check_in.pk])
    response = client.post(url, {"note": ""})

    assert response.status_code == 400  # bad input, as on the other forms
    assert "Schrijf kort op hoe de zorg opgevolgd werd." in response.content.decode()
    check_in.refresh_from_db()
    assert check_in.concern_handled_at is None

    response = client.post(url, {"note": "Huisarts gebeld."})
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert (check_in.concern_handled_by, check_in.concern_handled_note) == (world.coordinator, "Huisarts gebeld.")


def test_a_check_in_without_a_concern_has_no_follow_up_page(world: World, client: Client) -> None:
    response = client.get(reverse("web:coordinator-concern-handle", args=[world.check_in.pk]))
    assert response.status_code == 404
    assert not CheckIn.objects.filter(concern_handled_at__isnull=False).exists()


def test_lists_search_and_filter(world: World, client: Client) -> None:
    f.ParticipantFactory(project=world.project, first_name="Zeno", last_name="Claes", status="intake",
                         needs={"housing": 2})
    url = reverse("web:coordinator-participants", args=[world.project.pk])

    response = client.post(url, {"q": "zeno"})
    assert (response.status_code, response["Location"]) == (302, url)  # the search never enters the address
    html = client.get(url).content.decode()
    assert "Zeno Claes" in html and "Marieke Peeters" not in html
    assert 'value="zeno"' in html  # the box shows what is being searched for
    html = client.get(url, {"domain": "housing"}).content.decode()  # a link's filter replaces the kept one
    assert "Zeno Claes" in html and "Marieke Peeters" not in html
    html = client.get(url, {"status": "matched"}).content.decode()
    assert "Zeno Claes" not in html

    f.VolunteerFactory(project=world.project, first_name="Yara", last_name="Smet", training_date=None,
                       status="screening")
    url = reverse("web:coordinator-volunteers", args=[world.project.pk])
    html = client.get(url, {"screening": "missing"}).content.decode()
    assert "Yara Smet" in html and "Bert Janssens" not in html
    html = client.get(url, {"room": "on"}).content.decode()
    assert "Yara Smet" in html and "Bert Janssens" not in html  # Bert's one place is taken by the world's duo
    client.post(url, {"q": "yara", "status": "screening"})
    html = client.get(url).content.decode()
    assert "Yara Smet" in html and "Bert Janssens" not in html

    url = reverse("web:coordinator-duos", args=[world.project.pk])
    client.post(url, {"q": "marieke", "status": "open"})
    assert "Marieke Peeters" in client.get(url).content.decode()
    client.post(url, {"q": "marieke", "status": "closed"})
    assert "Marieke Peeters" not in client.get(url).content.decode()
    assert "Marieke Peeters" not in client.get(url, {"status": "closed"}).content.decode()
    assert Duo.objects.count() == 2  # reading changed nothing


def test_a_search_term_in_the_address_is_ignored_and_the_kept_search_is_per_list_and_project(
    world: World, client: Client
) -> None:
    participants = reverse("web:coordinator-participants", args=[world.project.pk])
    html = client.get(participants, {"q": "zzz-nobody"}).content.decode()
    assert "Marieke Peeters" in html and 'value="zzz-nobody"' not in html

    client.post(participants, {"q": "zzz-nobody"})
    assert "Marieke Peeters" not in client.get(participants).content.decode()
    duos = reverse("web:coordinator-duos", args=[world.project.pk])
    assert "Marieke Peeters" in client.get(duos).content.decode()  # the duo list keeps its own search

    response = client.post(participants, {"clear": "1", "q": "ignored"})
    assert response.status_code == 302
    assert "Marieke Peeters" in client.get(participants).content.decode()


def test_a_tampered_filter_is_a_400_with_the_field_named(world: World, client: Client) -> None:
    url = reverse("web:coordinator-participants", args=[world.project.pk])
    response = client.post(url, {"status": "no-such-status"})
    assert response.status_code == 400
    assert "no-such-status" in response.content.decode()  # Django's "Select a valid choice. … is not one of …"
    assert f"list-filter:participants:{world.project.pk}" not in client.session


def test_a_goal_needs_a_domain_and_words_and_a_closed_duo_takes_none(world: World, client: Client) -> None:
    url = reverse("web:coordinator-duo-goal-add", args=[world.duo.pk])
    before = world.duo.goals.count()
    html = client.post(url, {"life_domain": "", "description": ""}).content.decode()
    assert "Kies het levensdomein van het doel." in html
    assert "Beschrijf het doel." in html
    assert world.duo.goals.count() == before

    assert client.post(url, {"life_domain": "housing", "description": "Huurpremie aanvragen"}).status_code == 302
    # The description is encrypted at rest (buddynet/crypto.py): compare after decryption.
    assert "Huurpremie aanvragen" in [g.description for g in world.duo.goals.filter(life_domain="housing")]

    world.duo.status, world.duo.closed_on, world.duo.closure_reason = "closed", dt.date(2025, 10, 1), "other"
    world.duo.save()
    response = client.post(url, {"life_domain": "work", "description": "Werk zoeken"})
    assert response.status_code == 409
    assert "Dit duo is afgesloten" in response.content.decode()
    assert world.duo.goals.count() == before + 1


def test_a_goal_is_marked_reached_or_changed_on_the_duo_page(world: World, client: Client) -> None:
    """Issue 17: the coordinator changes a goal's words and status on buddynet's pages (it took
    the back office before); the same validation as adding one, saved through goal_save."""
    goal = world.goal
    duo_page = client.get(reverse("web:coordinator-duo", args=[world.duo.pk])).content.decode()
    url = reverse("web:coordinator-goal-edit", args=[goal.pk])
    assert f'href="{url}"' in duo_page

    form = client.get(url).content.decode()
    assert "Doel wijzigen" in form and 'value="open" selected' in form
    response = client.post(url, {"life_domain": "", "description": "", "status": "finished"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Kies het levensdomein van het doel." in html and "Beschrijf het doel." in html
    goal.refresh_from_db()
    assert goal.status == "open"

    response = client.post(url, {"life_domain": "work", "description": "Cv opmaken", "status": "achieved"})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.life_domain, goal.description, goal.status) == ("work", "Cv opmaken", "achieved")
    shown = client.get(response["Location"]).content.decode()
    assert "Het doel is opgeslagen." in shown and "Cv opmaken" in shown and "Bereikt" in shown


def test_a_coordinator_of_two_projects_switches_between_them(world: World, client: Client) -> None:
    from buddynet.records.accounts.models import Role
    from buddynet.records.accounts.services import membership_grant

    second = f.ProjectFactory(organisation=world.project.organisation, name="Buddy Gent Noord")
    membership_grant(user=world.coordinator, role=Role.COORDINATOR, project=second)
    html = client.get(reverse("web:coordinator-today", args=[world.project.pk])).content.decode()
    assert 'name="project"' in html and "Buddy Gent Noord" in html

    response = client.get(reverse("web:coordinator-home"), {"project": second.pk})
    assert response["Location"] == reverse("web:coordinator-today", args=[second.pk])
    html = client.get(response["Location"]).content.decode()
    assert "Marieke Peeters" not in html  # the other project's people stay on their own page
