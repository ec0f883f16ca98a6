"""The suggestion for one participant (issue 20): its note "a match run may pair them differently"
shows only when the latest match run gives a suggested volunteer's last place to another waiting
participant; and the participant's page links to the suggestion while they wait for a buddy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from matching import engine, services
from matching.engine.suggest import suggest
from tests import factories as f
from tests.conftest import World


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def waiting(world: World, days: int, **extra: object):
    return f.ParticipantFactory(project=world.project, waiting_since=dt.date.today() - dt.timedelta(days=days),
                                **extra)


def test_the_note_shows_when_the_latest_run_gives_the_volunteer_to_someone_else(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project, capacity=1, first_name="Vera")
    first = waiting(world, 300, first_name="Wout")
    run = services.match_run_start(project=world.project, by=world.coordinator)
    proposal = run.proposals.get(participant=first)
    assert proposal.volunteer_id == volunteer.pk
    newcomer = waiting(world, 0, first_name="Nadia")

    found = services.participant_suggestions(participant=newcomer, by=world.coordinator)

    top = found.volunteers[0]
    assert top.volunteer == volunteer and top.contested
    assert [p.pk for p in top.taken_by] == [proposal.pk]
    html = browser_for(world.coordinator).get(f"/matching/deelnemers/{newcomer.pk}/suggesties/",
                                              HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The latest match run proposes this volunteer to another waiting participant" in html
    assert f"/matching/runs/{run.pk}/#proposal-{proposal.pk}" in html
    data = browser_for(world.coordinator).get(f"/api/v1/match-suggestions/{newcomer.pk}/").json()
    assert data["volunteers"][0]["contested"] is True
    assert data["volunteers"][0]["taken_by"] == [{"participant": first.pk, "participant_name": str(first),
                                                  "proposal": proposal.pk, "run": run.pk}]


def test_no_note_when_someone_merely_scores_higher_with_the_volunteer(world: World) -> None:
    # The engine's old criterion (another waiting participant scores higher with a volunteer who
    # has one place left) holds here; no match run gives the volunteer to them: no note.
    volunteer = f.VolunteerFactory(project=world.project, capacity=1)
    waiting(world, 300)
    newcomer = waiting(world, 0)
    weights = services.weights_for(project=world.project)
    problem, _, _ = services.pool_problem(project=world.project, weights=weights)
    assert [c.volunteer_id for c in suggest(problem, newcomer.pk).contested] == [volunteer.pk]

    found = services.participant_suggestions(participant=newcomer, by=world.coordinator)

    assert found.volunteers[0].volunteer == volunteer and not found.volunteers[0].contested
    html = browser_for(world.coordinator).get(f"/matching/deelnemers/{newcomer.pk}/suggesties/",
                                              HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The latest match run proposes" not in html and 'role="note"' not in html


def test_no_note_when_the_volunteer_has_room_for_both(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project, capacity=2)
    first = waiting(world, 300)
    run = services.match_run_start(project=world.project, by=world.coordinator)
    assert run.proposals.get(participant=first).volunteer_id == volunteer.pk
    newcomer = waiting(world, 0)

    found = services.participant_suggestions(participant=newcomer, by=world.coordinator)

    assert found.volunteers[0].volunteer == volunteer and not found.volunteers[0].contested


def test_no_note_once_that_proposal_is_decided(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project, capacity=1)
    first = waiting(world, 300)
    run = services.match_run_start(project=world.project, by=world.coordinator)
    services.proposal_reject(proposal=run.proposals.get(participant=first), by=world.coordinator, reason="nee")
    newcomer = waiting(world, 0)

    found = services.participant_suggestions(participant=newcomer, by=world.coordinator)

    assert found.volunteers[0].volunteer == volunteer and not found.volunteers[0].contested


def test_the_page_says_when_the_latest_run_proposed_another_volunteer_for_this_participant(world: World) -> None:
    # Two volunteers; only the near one speaks French, the other participant's only language, so
    # the run gives the near one to them and the far one to ours; ours' best suggestion is the near one.
    near = f.VolunteerFactory(project=world.project, capacity=1, first_name="Nele", languages=["nl", "fr"])
    far = f.VolunteerFactory(project=world.project, capacity=1, first_name="Frans", postcode="9030",
                             latitude=51.0833, longitude=3.6833)
    waiting(world, 300, languages=["fr"])
    ours = waiting(world, 10)
    run = services.match_run_start(project=world.project, by=world.coordinator)
    own = run.proposals.get(participant=ours)
    assert own.volunteer_id == far.pk

    found = services.participant_suggestions(participant=ours, by=world.coordinator)

    assert found.volunteers[0].volunteer == near and found.own_proposal == own
    html = browser_for(world.coordinator).get(f"/matching/deelnemers/{ours.pk}/suggesties/",
                                              HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"The latest match run proposes {far} for this participant" in html


@pytest.mark.parametrize("status, linked", [("waiting", True), ("matched", False)])
def test_the_participant_page_links_to_the_suggestion_while_they_wait(world: World, status: str,
                                                                      linked: bool) -> None:
    person = waiting(world, 5, status=status)

    html = browser_for(world.coordinator).get(f"/coordinator/deelnemers/{person.pk}/",
                                              HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (f'href="/matching/deelnemers/{person.pk}/suggesties/"' in html) is linked


def test_a_waiting_participant_with_an_open_duo_gets_no_link(world: World) -> None:
    # world.participant has an open duo (a data state the intake allows while the duo is proposed).
    world.participant.status = "waiting"
    world.participant.save()

    html = browser_for(world.coordinator).get(f"/coordinator/deelnemers/{world.participant.pk}/").content.decode()

    assert f"/matching/deelnemers/{world.participant.pk}/suggesties/" not in html


def test_the_benchmark_criterion_is_the_services_criterion() -> None:
    # taken_in_optimum from a fresh optimum: the volunteer the optimum gives to the other
    # participant is flagged; one with room left is not.
    def person(i: int, **extra: object) -> dict[str, object]:
        return {"id": i, "latitude": 51.05, "longitude": 3.72, "languages": ("nl",),
                "availability": ("mon_evening",), **extra}

    new = engine.Participant(**person(1), needs={"work": 3})
    other = engine.Participant(**person(2), needs={"housing": 3}, waiting_days=300)
    tight = engine.Volunteer(**person(10), strengths={"housing": 3}, capacity_left=1)
    problem = engine.Problem((new, other), (tight,), ("housing", "work"))
    from matching.engine.suggest import room_left, taken_in_optimum

    found = suggest(problem, 1)
    optimum = engine.match(problem)
    assigned: dict[int, list[int]] = {}
    for a in optimum.assignments:
        assigned.setdefault(a.volunteer_id, []).append(a.participant_id)

    assert taken_in_optimum(found, room_left(problem), assigned) == (2,)
    roomy = engine.Problem((new, other), (engine.Volunteer(**person(10), capacity_left=2),), ("housing", "work"))
    assert taken_in_optimum(suggest(roomy, 1), room_left(roomy), {10: [2]}) == ()
