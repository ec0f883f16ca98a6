"""Match runs against the database: pools, frozen records, proposals, decisions, races."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction

from buddynet import events
from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.duos.models import Duo, DuoStatus
from matching import selectors, services, tasks
from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal
from netwerk import services as netwerk_services
from tests import factories as f
from tests.concurrency import race
from tests.conftest import World, require_postgres

GENT_NORTH = {"postcode": "9030", "latitude": 51.0833, "longitude": 3.6833}  # Mariakerke, ~5 km


def pool(world: World, participants: int = 3, volunteers: int = 2) -> tuple[list[Any], list[Any]]:
    today = dt.date.today()
    # Waiting 300, 200, 100... days: within the year over which waiting adds priority.
    ps = [f.ParticipantFactory(project=world.project, waiting_since=today - dt.timedelta(days=300 - 100 * i))
          for i in range(participants)]
    vs = [f.VolunteerFactory(project=world.project, **(GENT_NORTH if i % 2 else {})) for i in range(volunteers)]
    return ps, vs


@pytest.fixture
def finished_runs(monkeypatch: Any) -> list[tuple[Any, bool]]:
    seen: list[tuple[Any, bool]] = []

    def handler(run: Any) -> None:
        seen.append((run, connection.in_atomic_block))

    monkeypatch.setitem(events._subscribers, "match_run_finished", [handler])
    return seen


def test_a_small_pool_is_matched_at_once_and_the_run_is_frozen(world: World, finished_runs: list) -> None:
    ps, vs = pool(world)

    run = services.match_run_start(project=world.project, by=world.coordinator)

    run.refresh_from_db()
    assert run.status == MatchRun.Status.DONE and run.progress == 100
    # world.participant already has a duo; world.volunteer is at capacity but in the pool.
    assert run.pools["participants"] == [p.pk for p in ps]
    assert set(run.pools["volunteers"]) == {world.volunteer.pk, *(v.pk for v in vs)}
    assert run.matched_count == 2 and run.solver == "ortools-min-cost-flow" and run.solver_status == "OPTIMAL"
    assert set(run.timings) >= {"load", "encode", "score", "solve", "explain", "store"}
    proposals = list(run.proposals.order_by("participant_id"))
    assert run.objective == sum(p.score for p in proposals)
    assert {p.volunteer_id for p in proposals} == {v.pk for v in vs}
    assert all(p.score == sum(p.parts.values()) for p in proposals)
    # The two who waited longest are matched; the last one is told why not.
    assert [p.participant_id for p in proposals] == [ps[0].pk, ps[1].pk]
    assert run.unmatched == [{"participant": ps[2].pk, "reason": "taken_by_others", "params": {"count": 2}}]
    assert [(r.pk, in_tx) for r, in_tx in finished_runs] == [(run.pk, True)]


def test_a_run_uses_the_project_weights_and_records_them(world: World) -> None:
    world.project.matching_weights = {"distance": 0, "waiting": 5}
    world.project.save()
    pool(world, 1, 1)

    run = services.match_run_start(project=world.project, by=world.coordinator, weights={"interests": 4})

    assert run.weights["distance"] == 0 and run.weights["waiting"] == 5 and run.weights["interests"] == 4
    assert run.proposals.get().parts["distance"] == 0


def test_it_refuses_unknown_criteria_and_a_second_run_while_one_is_in_progress(world: World) -> None:
    with pytest.raises(InvalidInput):
        services.match_run_start(project=world.project, by=world.coordinator, weights={"horoscope": 1})
    services.match_run_start(project=world.project, by=world.coordinator, inline=False)
    with pytest.raises(Conflict):
        services.match_run_start(project=world.project, by=world.coordinator)
    assert MatchRun.objects.count() == 1


def test_a_run_lost_long_ago_no_longer_blocks_a_new_one(world: World) -> None:
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - dt.timedelta(hours=1), tick=False):
        lost = services.match_run_start(project=world.project, by=world.coordinator, inline=False)
    MatchRun.objects.filter(pk=lost.pk).update(status=MatchRun.Status.RUNNING)

    fresh = services.match_run_start(project=world.project, by=world.coordinator)

    lost.refresh_from_db()
    assert lost.status == MatchRun.Status.FAILED and lost.error.startswith("Lost")
    assert fresh.status == MatchRun.Status.DONE


def test_only_a_coordinator_of_the_project_may_start_a_run(world: World) -> None:
    for user in (world.other_coordinator, world.volunteer_user, world.funder_user):
        with pytest.raises(NotAllowed):
            services.match_run_start(project=world.project, by=user)
    assert MatchRun.objects.count() == 0


def test_a_large_pool_goes_to_the_task_which_runs_it_once(world: World, finished_runs: list) -> None:
    pool(world, 2, 2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "INLINE_MAX_PAIRS", 1)
        run = services.match_run_start(project=world.project, by=world.coordinator)
    assert run.status == MatchRun.Status.QUEUED and finished_runs == []

    first = tasks.match_run_execute.apply(args=[run.pk]).get()
    again = tasks.match_run_execute.apply(args=[run.pk]).get()

    assert (first, again) == ("done", "skipped")
    assert Proposal.objects.filter(run=run).count() == 2
    assert len(finished_runs) == 1


def test_a_failing_run_is_marked_failed_and_still_announced(
        world: World, finished_runs: list, monkeypatch: Any) -> None:
    pool(world, 1, 1)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(services.engine, "match", broken)
    run = services.match_run_start(project=world.project, by=world.coordinator)

    run.refresh_from_db()
    assert run.status == MatchRun.Status.FAILED and "solver exploded" in run.error
    assert run.proposals.count() == 0
    assert [r.pk for r, _ in finished_runs] == [run.pk]


def test_locked_and_forbidden_pairs_shape_the_next_run(world: World) -> None:
    (p1, p2), (v1, v2) = pool(world, 2, 2)
    first = services.match_run_start(project=world.project, by=world.coordinator)
    chosen = {p.participant_id: p.volunteer_id for p in first.proposals.all()}
    services.pair_rule_forbid(participant=p1, volunteer=Any_of(v1, v2, chosen[p1.pk]), by=world.coordinator,
                         reason="Eerdere duo liep mis")
    other = v2 if chosen[p1.pk] == v1.pk else v1
    services.pair_rule_lock(participant=p2, volunteer=other, by=world.coordinator, reason="Kennen elkaar al")

    second = services.match_run_start(project=world.project, by=world.coordinator)

    pairs = {(p.participant_id, p.volunteer_id, p.locked) for p in second.proposals.all()}
    assert (p2.pk, other.pk, True) in pairs
    assert all(not (pid == p1.pk and vid == chosen[p1.pk]) for pid, vid, _ in pairs)
    assert second.rules["locked"] == [[p2.pk, other.pk]]
    assert second.rules["forbidden"] == [[p1.pk, chosen[p1.pk]]]


def Any_of(v1: Any, v2: Any, pk: int) -> Any:  # noqa: N802 - reads as a phrase in the test
    return v1 if v1.pk == pk else v2


def test_a_lock_needs_room_and_a_reason_and_excludes_a_forbidden_pair(world: World) -> None:
    (p1, p2), (v1,) = pool(world, 2, 1)
    with pytest.raises(InvalidInput):
        services.pair_rule_lock(participant=p1, volunteer=v1, by=world.coordinator, reason=" ")
    services.pair_rule_lock(participant=p1, volunteer=v1, by=world.coordinator, reason="Buren")
    with pytest.raises(Conflict):
        services.pair_rule_lock(participant=p2, volunteer=v1, by=world.coordinator, reason="Ook buren")
    with pytest.raises(Conflict):
        services.pair_rule_forbid(participant=p1, volunteer=v1, by=world.coordinator, reason="Toch niet")
    with pytest.raises(InvalidInput):
        services.pair_rule_lock(participant=p2, volunteer=world.other_volunteer, by=world.admin, reason="Ander project")
    assert LockedPair.objects.count() == 1 and ForbiddenPair.objects.count() == 0


def test_accepting_a_proposal_creates_the_duo_through_the_duo_service(world: World) -> None:
    pool(world, 1, 1)
    run = services.match_run_start(project=world.project, by=world.coordinator)
    proposal = run.proposals.get()

    services.proposal_accept(proposal=proposal, by=world.coordinator)

    proposal.refresh_from_db()
    assert proposal.decision == Proposal.Decision.ACCEPTED and proposal.decided_by == world.coordinator
    duo = proposal.duo
    assert (duo.status, duo.volunteer_id, duo.participant_id) == (DuoStatus.PROPOSED, proposal.volunteer_id,
                                                                  proposal.participant_id)
    duo.participant.refresh_from_db()
    assert duo.participant.status == "matched"
    with pytest.raises(Conflict):
        services.proposal_accept(proposal=proposal, by=world.coordinator)


def test_accepting_a_proposal_whose_volunteer_was_taken_meanwhile_is_a_conflict(world: World) -> None:
    (p1, p2), (v1,) = pool(world, 2, 1)
    first = services.match_run_start(project=world.project, by=world.coordinator).proposals.get()
    services.pair_rule_lock(participant=p1 if first.participant_id == p2.pk else p2, volunteer=v1,
                       by=world.coordinator, reason="Proberen")
    second = services.match_run_start(project=world.project, by=world.coordinator).proposals.get()
    assert second.participant_id != first.participant_id

    services.proposal_accept(proposal=first, by=world.coordinator)
    with pytest.raises(Conflict):
        services.proposal_accept(proposal=second, by=world.coordinator)

    second.refresh_from_db()
    assert second.decision == Proposal.Decision.PENDING and second.duo is None
    assert Duo.objects.filter(volunteer=v1).count() == 1


def test_rejecting_needs_a_reason_and_may_forbid_the_pair(world: World) -> None:
    pool(world, 1, 1)
    proposal = services.match_run_start(project=world.project, by=world.coordinator).proposals.get()
    with pytest.raises(InvalidInput):
        services.proposal_reject(proposal=proposal, by=world.coordinator, reason="")

    services.proposal_reject(proposal=proposal, by=world.coordinator, reason="Woont toch te ver", forbid=True)

    proposal.refresh_from_db()
    assert (proposal.decision, proposal.decision_reason) == ("rejected", "Woont toch te ver")
    assert ForbiddenPair.objects.filter(participant=proposal.participant, volunteer=proposal.volunteer).exists()
    with pytest.raises(NotAllowed):
        services.proposal_reject(proposal=proposal, by=world.other_coordinator, reason="x")


def _map_with(participant: Any, by: Any, alters: list[dict[str, Any]]) -> Any:
    network_map = netwerk_services.map_create(participant=participant, by=by, on=dt.date(2025, 9, 1),
                                              copy_from_last=False)
    for data in alters:
        netwerk_services.alter_add(network_map=network_map, data={"valence": "supportive", **data}, by=by)
    return network_map


def test_network_complementarity_rewards_strengths_where_the_latest_map_has_no_supportive_informal_tie(
        world: World) -> None:
    p = f.ParticipantFactory(project=world.project, needs={"social": 3, "administration": 2})
    # Strong where the participant's own network already helps, and strong where it does not.
    covering = f.VolunteerFactory(project=world.project, strengths={"social": 3, "health": 3})
    bringing = f.VolunteerFactory(project=world.project, **GENT_NORTH, strengths={"administration": 3})
    before = services.match_run_start(project=world.project, by=world.coordinator)
    _map_with(p, world.coordinator, [
        {"label": "Zus", "category": "family", "life_domains": ["social"]},
        {"label": "Buurman", "category": "neighbour", "life_domains": ["health"]},
        # Supportive, but not informal: administration stays uncovered.
        {"label": "OCMW", "category": "professional", "life_domains": ["administration"]},
        # Informal, but strained: housing stays uncovered.
        {"label": "Ex", "category": "partner", "life_domains": ["housing"], "valence": "strained"},
    ])

    after = services.match_run_start(project=world.project, by=world.coordinator)

    def network_parts(run: MatchRun) -> dict[int, int]:
        proposal = run.proposals.get(participant=p)
        parts = {proposal.volunteer_id: proposal.parts["network"]}
        parts.update({alt["volunteer"]: alt["parts"]["network"] for alt in proposal.alternatives})
        return parts

    # Without a map every domain with a need counts as uncovered, so both earn something.
    assert network_parts(before)[covering.pk] > 0 and network_parts(before)[bringing.pk] > 0
    assert network_parts(after)[covering.pk] == 0
    assert network_parts(after)[bringing.pk] > 0
    assert after.rules["network_maps"] == 1 and before.rules["network_maps"] == 0


def test_the_pool_is_loaded_in_the_same_number_of_queries_whatever_its_size(
        world: World, django_assert_num_queries: Any) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            p = f.ParticipantFactory(project=world.project)
            _map_with(p, world.coordinator, [{"label": "Zus", "category": "family", "life_domains": ["social"]}])
            f.VolunteerFactory(project=world.project, strengths={"housing": 2})

    run = MatchRun.objects.create(project=world.project)
    add(1)
    # pool participants, pool volunteers, latest maps + their alters, strengths, forbidden, locked
    with django_assert_num_queries(7):
        small, _, _ = services.build_problem(run=run)
    add(5)
    with django_assert_num_queries(7):
        large, _, _ = services.build_problem(run=run)

    assert (len(small.participants), len(large.participants)) == (1, 6)
    assert all(v.strengths["housing"] == 2 for v in large.volunteers if v.id != world.volunteer.pk)


def test_a_participant_without_a_network_map_is_absent_from_the_uncovered_domains(world: World) -> None:
    assert selectors.uncovered_domains_for(participant_ids=[world.participant.pk]) == {}


# --- two coordinators at once, on PostgreSQL ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_accepting_conflicting_proposals_at_once_never_overfill_a_volunteer() -> None:
    require_postgres()
    from buddynet.records.accounts.models import Role
    from buddynet.records.accounts.services import membership_grant

    project = f.ProjectFactory()
    alice, dana = f.UserFactory(), f.UserFactory()
    for user in (alice, dana):
        membership_grant(user=user, role=Role.COORDINATOR, project=project)
    volunteer = f.VolunteerFactory(project=project, capacity=1)
    for _ in range(4):  # several rounds: a race lost only sometimes still shows
        a, b = f.ParticipantFactory(project=project), f.ParticipantFactory(project=project)
        run = MatchRun.objects.create(project=project, status=MatchRun.Status.DONE)
        pa = Proposal.objects.create(run=run, participant=a, volunteer=volunteer, score=10)
        pb = Proposal.objects.create(run=MatchRun.objects.create(project=project, status=MatchRun.Status.DONE),
                                     participant=b, volunteer=volunteer, score=9)

        results = race(lambda pa=pa: services.proposal_accept(proposal=pa, by=alice),
                        lambda pb=pb: services.proposal_accept(proposal=pb, by=dana))

        winners = [r for r in results if isinstance(r, Proposal)]
        losers = [r for r in results if isinstance(r, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert Duo.objects.filter(volunteer=volunteer).exclude(status="closed").count() == 1
        assert Proposal.objects.filter(pk__in=[pa.pk, pb.pk], decision="accepted").count() == 1
        with transaction.atomic():
            from buddynet.records.duos.services import duo_close

            duo_close(duo=winners[0].duo, by=alice, reason="other", next_step="end")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_accepting_the_same_proposal_at_once_make_one_duo() -> None:
    require_postgres()
    project = f.ProjectFactory()
    from buddynet.records.accounts.models import Role
    from buddynet.records.accounts.services import membership_grant

    alice, dana = f.UserFactory(), f.UserFactory()
    for user in (alice, dana):
        membership_grant(user=user, role=Role.COORDINATOR, project=project)
    participant = f.ParticipantFactory(project=project)
    volunteer = f.VolunteerFactory(project=project, capacity=2)
    run = MatchRun.objects.create(project=project, status=MatchRun.Status.DONE)
    proposal = Proposal.objects.create(run=run, participant=participant, volunteer=volunteer, score=10)

    results = race(lambda: services.proposal_accept(proposal=proposal, by=alice),
                    lambda: services.proposal_accept(proposal=proposal, by=dana))

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Proposal"], results
    assert Duo.objects.filter(participant=participant).count() == 1
