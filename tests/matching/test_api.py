"""The matching API beyond the access matrix: what a run and its proposals say, conflicts, queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from buddynet.records.duos.models import Duo
from matching import services
from matching.models import MatchRun, Proposal
from tests import factories as f
from tests.conftest import World, client_for

RUNS, PROPOSALS = "/api/v1/match-runs/", "/api/v1/match-proposals/"


def small_pool(world: World, n: int = 2) -> None:
    today = dt.date.today()
    for i in range(n):
        f.ParticipantFactory(project=world.project, waiting_since=today - dt.timedelta(days=200 - 50 * i))
    f.VolunteerFactory(project=world.project, capacity=1, interests=["walking", "cooking"])


def test_a_coordinator_starts_a_run_and_reads_the_explained_proposals(world: World) -> None:
    small_pool(world)
    client = client_for(world.coordinator)

    started = client.post(RUNS, {"project": world.project.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert started.status_code == 201, started.content
    run = started.json()
    assert (run["status"], run["progress"], run["matched_count"]) == ("done", 100, 1)
    assert run["unmatched"][0]["reason"] == "taken_by_others"
    assert run["unmatched"][0]["text"] == "1 volunteer fits, but the best overall assignment gives them to another " \
                                          "participant."
    proposals = client.get(f"{PROPOSALS}?run={run['id']}", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert len(proposals) == 1
    parts = {p["criterion"]: p for p in proposals[0]["parts"]}
    assert parts["distance"] == {"criterion": "distance", "label": "Distance", "points": 300, "max_points": 300}
    assert sum(p["points"] for p in proposals[0]["parts"]) == proposals[0]["score"]


def test_the_reasons_are_in_dutch_by_default(world: World) -> None:
    small_pool(world)
    response = client_for(world.coordinator).post(RUNS, {"project": world.project.pk}, format="json")

    assert response.json()["unmatched"][0]["text"] == (
        "1 vrijwilliger past, maar de beste totale toewijzing geeft die aan een andere deelnemer.")


def test_a_large_pool_is_queued_and_reports_its_progress(world: World, monkeypatch: Any) -> None:
    small_pool(world)
    monkeypatch.setattr(services, "INLINE_MAX_PAIRS", 0)
    client = client_for(world.coordinator)

    started = client.post(RUNS, {"project": world.project.pk}, format="json")
    status = client.get(f"{RUNS}{started.json()['id']}/")

    assert started.status_code == 202
    assert (status.json()["status"], status.json()["progress"]) == ("queued", 0)
    again = client.post(RUNS, {"project": world.project.pk}, format="json")
    assert again.status_code == 409 and again.json()["detail"]
    assert MatchRun.objects.count() == 1


def test_accepting_twice_or_beyond_capacity_is_a_clear_409(world: World) -> None:
    small_pool(world)
    client = client_for(world.coordinator)
    run = client.post(RUNS, {"project": world.project.pk}, format="json").json()
    proposal = Proposal.objects.get(run_id=run["id"])
    rival_run = MatchRun.objects.create(project=world.project, status=MatchRun.Status.DONE)
    other = Proposal.objects.create(run=rival_run, volunteer=proposal.volunteer, score=1,
                                    participant=f.ParticipantFactory(project=world.project))

    accepted = client.post(f"{PROPOSALS}{proposal.pk}/accept/", {}, format="json")
    twice = client.post(f"{PROPOSALS}{proposal.pk}/accept/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    full = client.post(f"{PROPOSALS}{other.pk}/accept/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert accepted.status_code == 200 and accepted.json()["decision"] == "accepted"
    assert Duo.objects.get(pk=accepted.json()["duo"]).status == "proposed"
    assert (twice.status_code, twice.json()["detail"]) == (409, "This proposal was already decided: Accepted.")
    assert full.status_code == 409 and full.json()["detail"].startswith("This volunteer has no room left")
    other.refresh_from_db()
    assert other.decision == "pending"
    assert Duo.objects.filter(volunteer=proposal.volunteer).count() == 1


def test_volunteers_and_funders_never_see_a_run_or_its_proposals(world: World) -> None:
    small_pool(world)
    run = services.match_run_start(project=world.project, by=world.coordinator)
    proposal = run.proposals.get()
    for user in (world.volunteer_user, world.funder_user, world.other_coordinator):
        client = client_for(user)
        assert client.get(f"{RUNS}{run.pk}/").status_code == 404
        assert client.get(f"{PROPOSALS}{proposal.pk}/").status_code == 404
        assert client.post(f"{PROPOSALS}{proposal.pk}/accept/", {}, format="json").status_code == 404
    proposal.refresh_from_db()
    assert proposal.decision == "pending"


def test_listing_proposals_costs_as_many_queries_for_many_as_for_one(world: World) -> None:
    small_pool(world, 1)
    f.VolunteerFactory(project=world.project)  # so the one proposal has an alternative too
    client = client_for(world.coordinator)
    first = services.match_run_start(project=world.project, by=world.coordinator)

    def count(run_id: int) -> int:
        client.get(f"{PROPOSALS}?run={run_id}")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{PROPOSALS}?run={run_id}").status_code == 200
        return len(ctx.captured_queries)

    one = count(first.pk)
    Proposal.objects.filter(run=first).update(decision="rejected")
    for _ in range(6):
        f.ParticipantFactory(project=world.project)
        f.VolunteerFactory(project=world.project)
    many = services.match_run_start(project=world.project, by=world.coordinator)
    assert many.proposals.count() >= 5
    assert all(len(p.alternatives) == 3 for p in many.proposals.all())
    assert count(many.pk) == one


@pytest.mark.parametrize("path", ["match-runs", "match-proposals", "match-forbidden-pairs", "match-locked-pairs"])
def test_a_volunteer_cannot_list_matching_collections(world: World, path: str) -> None:
    assert client_for(world.volunteer_user).get(f"/api/v1/{path}/").status_code == 403
