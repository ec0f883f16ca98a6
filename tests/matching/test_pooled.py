"""Pooled match runs (issue 20): several projects of one organisation in one municipality matched
together, through the service, the API and the page. Alice coordinates both projects of the city,
Olga administers the organisation, Charlie coordinates only the first project, and Otto
administers another organisation."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos import services as duo_services
from buddynet.records.duos.models import Duo
from matching import engine, selectors, services
from matching.models import MatchRun, Proposal
from tests import factories as f
from tests.conftest import World, client_for

ANTWERPEN = {"postcode": "2000", "municipality": "Antwerpen", "latitude": 51.2194, "longitude": 4.4025}
GENT_NORTH = {"postcode": "9030", "municipality": "Gent", "latitude": 51.0833, "longitude": 3.6833}


@dataclass
class City:
    first: Any  # world.project (Gent): a waiting participant, no free volunteer
    second: Any  # another project of the same organisation, in Gent: a free volunteer
    participant: Any
    volunteer: Any
    alice: Any  # coordinates both
    olga: Any  # administers the organisation
    charlie: Any  # coordinates the first project only
    otto: Any  # administers another organisation


@pytest.fixture
def city(world: World) -> City:
    first = world.project
    first.matching_weights = {"distance": 0, "waiting": 9}  # a pooled run does not use them
    first.save()
    second = f.ProjectFactory(organisation=first.organisation, name="Buddy Gent-Noord")
    participant = f.ParticipantFactory(project=first, first_name="Nadia")
    volunteer = f.VolunteerFactory(project=second, first_name="Vera", **GENT_NORTH)
    alice = world.coordinator
    membership_grant(user=alice, role=Role.COORDINATOR, project=second)
    olga = f.UserFactory(email="olga@example.be")
    membership_grant(user=olga, role=Role.ORG_ADMIN, organisation=first.organisation)
    charlie = f.UserFactory(email="charlie.gent@example.be")
    membership_grant(user=charlie, role=Role.COORDINATOR, project=first)
    otto = f.UserFactory(email="otto@example.be")
    membership_grant(user=otto, role=Role.ORG_ADMIN, organisation=world.other_project.organisation)
    return City(first, second, participant, volunteer, alice, olga, charlie, otto)


def browser_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the service ------------------------------------------------------------------------------
def test_a_pooled_run_pairs_a_participant_with_a_volunteer_of_the_other_project(city: City) -> None:
    run = services.match_run_start_pooled(projects=[city.second, city.first], by=city.olga)

    run.refresh_from_db()
    assert run.status == MatchRun.Status.DONE and run.pooled
    assert set(run.projects.values_list("pk", flat=True)) == {city.first.pk, city.second.pk}
    assert run.project == city.first  # listed under the first by name ("Buddy Gent" < "Buddy Gent-Noord")
    assert city.participant.pk in run.pools["participants"] and city.volunteer.pk in run.pools["volunteers"]
    proposal = run.proposals.get(participant=city.participant)
    assert proposal.volunteer == city.volunteer
    # The matcher's default weights, not the first project's own.
    assert run.weights == engine.DEFAULT_WEIGHTS and proposal.parts["distance"] > 0


def test_each_volunteer_keeps_their_own_travel_limit(city: City) -> None:
    city.volunteer.max_travel_km = 3  # Mariakerke is about 5 km from the participant
    city.volunteer.save()

    run = services.match_run_start_pooled(projects=[city.first, city.second], by=city.olga)

    assert not run.proposals.filter(participant=city.participant).exists()
    # Left: the first project's own volunteer nearby, who is at capacity.
    assert {u["participant"]: u["reason"] for u in run.unmatched}[city.participant.pk] == "all_at_capacity"


def test_accepting_makes_a_duo_of_the_participants_project(city: City) -> None:
    run = services.match_run_start_pooled(projects=[city.first, city.second], by=city.alice)
    proposal = run.proposals.get(participant=city.participant)

    services.proposal_accept(proposal=proposal, by=city.alice)

    duo = Duo.objects.get(participant=city.participant)
    assert duo.project == city.first and duo.volunteer == city.volunteer
    assert city.volunteer.project_id == city.second.pk  # the volunteer stays in their own project
    # Their capacity (1) is used: a run of their own project has no room for them.
    again = services.match_run_start(project=city.second, by=city.alice)
    assert again.proposals.count() == 0


def test_a_coordinator_of_one_of_the_projects_can_neither_start_see_nor_decide(city: City) -> None:
    with pytest.raises(NotAllowed):
        services.match_run_start_pooled(projects=[city.first, city.second], by=city.charlie)
    run = services.match_run_start_pooled(projects=[city.first, city.second], by=city.alice)
    proposal = run.proposals.get(participant=city.participant)

    assert not selectors.match_runs_for_user(user=city.charlie).filter(pk=run.pk).exists()
    assert not selectors.proposals_for_user(user=city.charlie).filter(pk=proposal.pk).exists()
    assert selectors.proposals_for_user(user=city.alice).filter(pk=proposal.pk).exists()
    with pytest.raises(NotAllowed):
        services.proposal_accept(proposal=proposal, by=city.charlie)
    assert not Duo.objects.filter(participant=city.participant).exists()
    # The organisation's administrator starts runs but reads no names: not theirs to decide either.
    assert not selectors.match_runs_for_user(user=city.olga).filter(pk=run.pk).exists()


@translation.override("en")
def test_only_projects_of_one_organisation_and_one_municipality_are_pooled(city: City, world: World) -> None:
    with pytest.raises(InvalidInput, match="one organisation"):
        services.match_run_start_pooled(projects=[city.first, world.other_project], by=city.olga)
    with pytest.raises(InvalidInput, match="at least two"):
        services.match_run_start_pooled(projects=[city.first, city.first], by=city.olga)
    antwerpen = f.ProjectFactory(organisation=city.first.organisation, name="Buddy Antwerpen")
    with pytest.raises(InvalidInput, match="no participants or volunteers"):
        services.match_run_start_pooled(projects=[city.first, antwerpen], by=city.olga)
    f.VolunteerFactory(project=antwerpen, **ANTWERPEN)
    with pytest.raises(InvalidInput, match="one municipality"):
        services.match_run_start_pooled(projects=[city.first, antwerpen], by=city.olga)
    assert MatchRun.objects.count() == 0


def test_a_projects_municipality_is_where_most_of_its_people_live(city: City) -> None:
    mixed = f.ProjectFactory(organisation=city.first.organisation, name="Buddy Rand")
    f.ParticipantFactory(project=mixed, **ANTWERPEN)
    f.VolunteerFactory(project=mixed, **ANTWERPEN)
    f.VolunteerFactory(project=mixed)  # Gent
    tie = f.ProjectFactory(organisation=city.first.organisation, name="Buddy Gelijk")
    f.VolunteerFactory(project=tie, **ANTWERPEN)
    f.VolunteerFactory(project=tie)

    towns = selectors.project_municipalities(project_ids=[city.first.pk, mixed.pk, tie.pk])

    assert towns == {city.first.pk: "Gent", mixed.pk: "Antwerpen", tie.pk: "Antwerpen"}


def test_one_run_at_a_time_over_the_same_projects(city: City) -> None:
    services.match_run_start_pooled(projects=[city.first, city.second], by=city.olga, inline=False)

    with pytest.raises(Conflict):
        services.match_run_start_pooled(projects=[city.first, city.second], by=city.olga)
    with pytest.raises(Conflict):
        services.match_run_start(project=city.second, by=city.alice)
    assert MatchRun.objects.count() == 1


def test_a_duo_across_projects_needs_a_coordinator_of_both(city: City) -> None:
    with pytest.raises(InvalidInput):
        duo_services.duo_propose(volunteer=city.volunteer, participant=city.participant, by=city.charlie)
    assert not Duo.objects.filter(participant=city.participant).exists()

    duo = duo_services.duo_propose(volunteer=city.volunteer, participant=city.participant, by=city.alice)

    assert duo.project == city.first


def test_a_duo_across_organisations_is_refused_even_for_the_platform_administrator(world: World) -> None:
    with pytest.raises(InvalidInput):
        duo_services.duo_propose(volunteer=world.other_volunteer, participant=f.ParticipantFactory(
            project=world.project), by=world.admin)


# --- the API ----------------------------------------------------------------------------------
POOLED = "/api/v1/match-runs/pooled/"


def test_the_org_admin_starts_a_pooled_run_over_the_api_and_gets_figures_without_names(city: City) -> None:
    response = client_for(city.olga).post(POOLED, {"projects": [city.first.pk, city.second.pk]}, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["pooled"] is True and sorted(data["projects"]) == sorted([city.first.pk, city.second.pk])
    assert data["matched_count"] == 1 and "unmatched" not in data and "Nadia" not in response.content.decode()
    assert client_for(city.olga).get(f"/api/v1/match-runs/{data['id']}/").status_code in (403, 404)
    detail = client_for(city.alice).get(f"/api/v1/match-runs/{data['id']}/")
    assert detail.status_code == 200 and detail.json()["pooled"] is True
    proposals = client_for(city.alice).get(f"/api/v1/match-proposals/?run={data['id']}").json()
    rows = proposals["results"] if isinstance(proposals, dict) else proposals
    proposal_id = next(row["id"] for row in rows if row["participant"] == city.participant.pk)
    assert client_for(city.charlie).post(f"/api/v1/match-proposals/{proposal_id}/accept/").status_code == 404
    accepted = client_for(city.alice).post(f"/api/v1/match-proposals/{proposal_id}/accept/")
    assert accepted.status_code == 200
    assert Duo.objects.get(participant=city.participant).volunteer == city.volunteer


@pytest.mark.parametrize("who, status", [("charlie", 400), ("otto", 400)])
def test_projects_out_of_reach_are_a_400_over_the_api(city: City, who: str, status: int) -> None:
    response = client_for(getattr(city, who)).post(POOLED, {"projects": [city.first.pk, city.second.pk]},
                                                   format="json")

    assert response.status_code == status
    assert "projects" in response.json() and MatchRun.objects.count() == 0


def test_other_roles_get_403_and_bad_input_a_400_over_the_api(city: City, world: World) -> None:
    assert client_for(world.volunteer_user).post(POOLED, {"projects": [city.first.pk]}, format="json"
                                                 ).status_code == 403
    bad = client_for(city.olga).post(POOLED, {"projects": [city.first.pk, city.second.pk], "weights": {"x": 1}},
                                     format="json")
    assert bad.status_code == 400 and "weights" in bad.json()
    one = client_for(city.olga).post(POOLED, {"projects": [city.first.pk]}, format="json")
    assert one.status_code == 400 and "projects" in one.json()
    assert MatchRun.objects.count() == 0


# --- the page ---------------------------------------------------------------------------------
def page(city: City) -> str:
    return f"/matching/organisaties/{city.first.organisation_id}/samen/"


def test_the_org_admin_chooses_projects_on_the_page_and_sees_figures_only(city: City) -> None:
    client = browser_for(city.olga)
    html = client.get(page(city), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Buddy Gent · Gent" in html and "Buddy Gent-Noord · Gent" in html

    response = client.post(page(city), {"projects": [city.first.pk, city.second.pk]}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302 and response["Location"] == page(city)
    run = MatchRun.objects.get()
    assert run.pooled and run.proposals.count() == 1
    after = client.get(page(city), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 / " in after and "Nadia" not in after and f"/matching/runs/{run.pk}/" not in after
    assert client.get(f"/matching/runs/{run.pk}/").status_code == 404


def test_a_coordinator_of_both_goes_to_the_run_and_decides(city: City) -> None:
    client = browser_for(city.alice)

    response = client.post(page(city), {"projects": [city.first.pk, city.second.pk]})

    run = MatchRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/matching/runs/{run.pk}/"
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A pooled run of these projects" in html and "Vera" in html and "Nadia" in html
    proposal = Proposal.objects.get(run=run)
    assert client.post(f"/matching/voorstellen/{proposal.pk}/aanvaarden/").status_code == 302
    assert Duo.objects.get(participant=city.participant).project == city.first


@pytest.mark.parametrize("who", ["charlie", "otto"])
def test_others_get_404_on_the_page(city: City, world: World, who: str) -> None:
    client = browser_for(getattr(city, who))

    assert client.get(page(city)).status_code == 404
    assert client.post(page(city), {"projects": [city.first.pk, city.second.pk]}).status_code == 404
    assert MatchRun.objects.count() == 0


def test_the_page_answers_400_with_the_reason_and_writes_nothing(city: City) -> None:
    antwerpen = f.ProjectFactory(organisation=city.first.organisation, name="Buddy Antwerpen")
    f.VolunteerFactory(project=antwerpen, **ANTWERPEN)
    client = browser_for(city.olga)

    response = client.post(page(city), {"projects": [city.first.pk, antwerpen.pk]}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "Only projects of one municipality can be pooled" in response.content.decode()
    empty = client.post(page(city), {}, HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 400 and "Choose at least two projects" in empty.content.decode()
    assert MatchRun.objects.count() == 0


def test_who_coordinates_every_project_is_told_the_pooled_run_finished(city: City) -> None:
    from notifications.models import Kind, Notification

    run = services.match_run_start_pooled(projects=[city.first, city.second], by=city.olga)

    told = set(Notification.objects.filter(kind=Kind.MATCH_RUN_FINISHED, dedup_key__contains=f"run:{run.pk}")
               .values_list("recipient_id", flat=True))
    assert city.alice.pk in told and city.charlie.pk not in told


def test_a_pair_across_projects_can_be_forbidden_and_the_next_pooled_run_obeys(city: City) -> None:
    run = services.match_run_start_pooled(projects=[city.first, city.second], by=city.alice)
    proposal = run.proposals.get(participant=city.participant)

    services.proposal_reject(proposal=proposal, by=city.alice, reason="Kennen elkaar", forbid=True)

    rule = selectors.forbidden_pairs_for_user(user=city.alice).get(participant=city.participant)
    assert rule.volunteer == city.volunteer and rule.project == city.first
    again = services.match_run_start_pooled(projects=[city.first, city.second], by=city.alice)
    assert not again.proposals.filter(participant=city.participant, volunteer=city.volunteer).exists()
    assert [city.participant.pk, city.volunteer.pk] in again.rules["forbidden"]


def test_the_pooled_page_is_linked_for_the_org_admin_and_a_coordinator_of_two_projects(city: City) -> None:
    organisation_page = browser_for(city.olga).get(f"/organisatie/{city.first.organisation_id}/").content.decode()
    assert page(city) in organisation_page
    assert page(city) in browser_for(city.alice).get("/matching/").content.decode()
    # Charlie coordinates one project: /matching/ takes them to it, with no pooled link.
    assert browser_for(city.charlie).get("/matching/").status_code == 302


def test_projects_that_no_one_coordinates_together_are_not_pooled_in_either_channel(city: City) -> None:
    """Only who coordinates every project of a pooled run opens and decides it: a run over
    projects without such a coordinator would hold proposals nobody can act on."""
    from buddynet.records.accounts.models import Membership

    Membership.objects.filter(user=city.alice, project=city.second).delete()
    f.VolunteerFactory(project=city.second, **GENT_NORTH)
    body = {"projects": [city.first.pk, city.second.pk]}

    api = client_for(city.olga).post(POOLED, body, format="json", HTTP_ACCEPT_LANGUAGE="nl")
    assert api.status_code == 400, api.content
    assert "Geen enkele coördinator coördineert al deze projecten" in api.json()["projects"][0]
    pages = browser_for(city.olga).post(page(city), body, HTTP_ACCEPT_LANGUAGE="en")
    assert pages.status_code == 400 and "No coordinator coordinates all these projects" in pages.content.decode()
    assert MatchRun.objects.count() == 0
    membership_grant(user=city.charlie, role=Role.COORDINATOR, project=city.second)  # now one does
    assert client_for(city.olga).post(POOLED, body, format="json").status_code == 201


# --- one rule of who pools and who decides, over every channel (issue 15) -----------------------
def _pool_through(channel: str, user: Any, city: City) -> bool:
    """Pool the city's two projects through one channel; whether a run was started."""
    body = {"projects": [city.first.pk, city.second.pk]}
    if channel == "service":
        with contextlib.suppress(NotAllowed):  # refused is what the caller checks, by the runs made
            services.match_run_start_pooled(projects=[city.first, city.second], by=user)
    elif channel == "api":
        client_for(user).post(POOLED, body, format="json")
    else:
        browser_for(user).post(page(city), body)
    return MatchRun.objects.filter(pooled=True).exists()


@pytest.mark.parametrize("channel", ["service", "api", "page"])
def test_an_administrator_of_the_organisation_pools_in_every_channel_even_as_platform_administrator(
        city: City, channel: str) -> None:
    """The platform administrator who also administers the organisation may pool its projects
    (matching.selectors._pool_scope). The API's project field used to offer such a user only the
    projects under a support access, so the API refused what the service allowed."""
    from buddynet.records.accounts.models import SupportAccess

    SupportAccess.objects.all().delete()  # no support access: the role alone opens no participant
    both = f.UserFactory(email="both@example.be")
    membership_grant(user=both, role=Role.ADMINISTRATOR)
    membership_grant(user=both, role=Role.ORG_ADMIN, organisation=city.first.organisation)

    assert _pool_through(channel, both, city)
    assert selectors.may_pool(user=both, project_ids=[city.first.pk, city.second.pk])


@pytest.mark.parametrize("channel", ["service", "api", "page"])
@pytest.mark.parametrize("who, pools", [("alice", True), ("olga", True), ("charlie", False), ("otto", False)])
def test_who_may_pool_is_one_rule_in_every_channel(city: City, channel: str, who: str, pools: bool) -> None:
    user = getattr(city, who)
    assert selectors.may_pool(user=user, project_ids=[city.first.pk, city.second.pk]) is pools
    assert _pool_through(channel, user, city) is pools


@pytest.mark.parametrize("channel", ["service", "api", "page"])
@pytest.mark.parametrize("who, decides", [("alice", True), ("charlie", False), ("olga", False)])
def test_who_decides_a_pooled_proposal_is_one_rule_in_every_channel(
        city: City, channel: str, who: str, decides: bool) -> None:
    """Charlie coordinates the run's lead project (the one it is listed under) but not the other:
    no channel lets them decide; Alice, who coordinates both, decides in every channel."""
    run = services.match_run_start_pooled(projects=[city.first, city.second], by=city.alice)
    assert run.project == city.first  # the lead project is the one Charlie coordinates
    proposal = run.proposals.get(participant=city.participant)
    user = getattr(city, who)
    assert selectors.may_decide_run(user=user, run=run) is decides

    if channel == "service":
        if decides:
            services.proposal_accept(proposal=proposal, by=user)
        else:
            with pytest.raises(NotAllowed):
                services.proposal_accept(proposal=proposal, by=user)
    elif channel == "api":
        status = client_for(user).post(f"/api/v1/match-proposals/{proposal.pk}/accept/").status_code
        assert status == (200 if decides else 404)
    else:
        status = browser_for(user).post(f"/matching/voorstellen/{proposal.pk}/aanvaarden/").status_code
        assert status == (302 if decides else 404)
    assert Duo.objects.filter(participant=city.participant).exists() is decides


def test_a_pooled_run_finished_is_told_to_exactly_who_may_decide_it(city: City) -> None:
    from notifications.models import Notification

    run = services.match_run_start_pooled(projects=[city.first, city.second], by=city.olga)
    told = set(Notification.objects.filter(kind="match_run_finished").values_list("recipient_id", flat=True))
    everyone = [city.alice, city.charlie, city.olga, city.otto]
    assert told == {u.pk for u in everyone if selectors.may_decide_run(user=u, run=run)} == {city.alice.pk}


@pytest.mark.parametrize("channel", ["service", "api"])
def test_a_runs_weights_are_merged_by_one_rule_pooled_or_not(city: City, channel: str) -> None:
    """Defaults, then the project's own (a run of one project only), then the run's: weights_for."""
    override = {"distance": 7}
    if channel == "service":
        pooled = services.match_run_start_pooled(projects=[city.first, city.second], by=city.alice, weights=override)
        single = services.match_run_start(project=city.first, by=city.alice, weights=override)
    else:
        client = client_for(city.alice)
        body = {"projects": [city.first.pk, city.second.pk], "weights": override}
        pooled = MatchRun.objects.get(pk=client.post(POOLED, body, format="json").json()["id"])
        response = client.post("/api/v1/match-runs/", {"project": city.first.pk, "weights": override}, format="json")
        single = MatchRun.objects.get(pk=response.json()["id"])

    assert pooled.weights == services.weights_for(project=None, override=override) == {
        **engine.DEFAULT_WEIGHTS, "distance": 7.0}
    assert single.weights == services.weights_for(project=city.first, override=override) == {
        **engine.DEFAULT_WEIGHTS, "waiting": 9.0, "distance": 7.0}
