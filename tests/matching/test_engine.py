"""The pure matching engine: exact optimum (against scipy), every hard rule, the explanations."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matching.engine import CRITERIA, Participant, Problem, Volunteer, match, model, prepare
from matching.engine.arrays import haversine_km
from matching.engine.score import feasible, parts

DOMAINS = ("housing", "work", "income", "health", "social")
GENT = (51.0543, 3.7174)
LANGS = ("nl", "nl", "nl", "fr", "en", "ar", "tr")
SLOTS = ("mon_morning", "mon_evening", "wed_afternoon", "sat_morning", "sun_afternoon")


def near(km_north: float = 0.0, km_east: float = 0.0) -> tuple[float, float]:
    """A point this many km north/east of Gent's centre."""
    return (GENT[0] + km_north / 111.2, GENT[1] + km_east / (111.2 * np.cos(np.radians(GENT[0]))))


def participant(pid: int = 1, at: tuple[float, float] = GENT, **kw) -> Participant:
    base = {"languages": ("nl",), "availability": ("sat_morning",), "needs": {"social": 2}}
    base.update(kw)
    return Participant(id=pid, latitude=at[0], longitude=at[1], **base)


def volunteer(vid: int = 100, at: tuple[float, float] = GENT, **kw) -> Volunteer:
    base = {"languages": ("nl",), "availability": ("sat_morning",), "strengths": {"social": 2}}
    base.update(kw)
    return Volunteer(id=vid, latitude=at[0], longitude=at[1], **base)


def solve(ps, vs, **kw) -> model.Result:
    return match(Problem(tuple(ps), tuple(vs), DOMAINS, **kw))


def random_pool(seed: int, n: int, m: int) -> Problem:
    rng = random.Random(seed)
    ps, vs = [], []
    for i in range(n):
        ps.append(participant(
            i + 1, near(rng.uniform(-12, 12), rng.uniform(-12, 12)),
            languages=tuple(sorted(set(rng.sample(LANGS, rng.randint(1, 2))))),
            availability=tuple(rng.sample(SLOTS, rng.randint(1, 3))),
            interests=tuple(rng.sample(("walking", "cooking", "music", "games"), rng.randint(0, 2))),
            needs={d: rng.randint(0, 3) for d in DOMAINS}, waiting_days=rng.randint(0, 700),
            gender=rng.choice("fmx"), gender_preference=rng.choice(("any", "any", "any", "f", "m")),
            age=rng.randint(18, 85), preferred_age_min=rng.choice((None, 20, 30)),
            preferred_age_max=rng.choice((None, 50, 70)),
            interpreter_arranged=rng.random() < 0.1,
            uncovered_domains=rng.choice((None, frozenset(rng.sample(DOMAINS, 2)))),
        ))
    for j in range(m):
        vs.append(volunteer(
            1000 + j, near(rng.uniform(-12, 12), rng.uniform(-12, 12)),
            languages=tuple(sorted(set(rng.sample(LANGS, rng.randint(1, 3))))),
            availability=tuple(rng.sample(SLOTS, rng.randint(1, 4))),
            interests=tuple(rng.sample(("walking", "cooking", "music", "games"), rng.randint(0, 3))),
            strengths={d: rng.randint(0, 3) for d in DOMAINS},
            gender=rng.choice("fm"), gender_preference=rng.choice(("any", "any", "f")),
            age=rng.randint(20, 75), capacity_left=rng.choice((1, 1, 1, 2, 3)),
            max_travel_km=rng.choice((5, 10, 10, 15)),
        ))
    forbidden = frozenset((rng.randint(1, n), 1000 + rng.randrange(m)) for _ in range(n // 3))
    return Problem(tuple(ps), tuple(vs), DOMAINS, forbidden=forbidden)


def scipy_optimum(problem: Problem) -> tuple[int, int]:
    """(matched, total score) from linear_sum_assignment on the expanded, dense score matrix.

    Built from every pair (no spatial pre-filter), one column per unit of capacity. A matched
    pair is worth BIG + score, so one more participant matched beats any gain in score.
    """
    prep = prepare(problem)
    P, V = prep.pool.participants, prep.pool.volunteers
    p, v = (a.ravel() for a in np.meshgrid(np.arange(len(P)), np.arange(len(V)), indexing="ij"))
    d = haversine_km(P.lat[p], P.lon[p], V.lat[v], V.lon[v])
    ok = feasible(prep.pool, p, v, d, prep.forbidden_keys) & prep.p_usable[p] & prep.v_usable[v]
    score = parts(prep.pool, p, v, d, prep.weights).sum(axis=0)
    big = int(score.max()) * len(P) + 1
    weight = np.where(ok, big + score, 0).reshape(len(P), len(V)).astype(np.float64)
    expanded = np.repeat(weight, V.capacity, axis=1)
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    taken = expanded[rows, cols] > 0
    matched = int(taken.sum())
    total = int(round(expanded[rows, cols][taken].sum())) - matched * big
    return matched, total


@pytest.mark.parametrize("seed", range(8))
def test_it_finds_the_same_optimum_as_scipy_on_the_expanded_matrix(seed: int) -> None:
    problem = random_pool(seed, n=40 + 5 * seed, m=25 + 3 * seed)

    result = match(problem)

    assert result.status == "OPTIMAL"
    assert (result.matched, result.objective) == scipy_optimum(problem)
    assert result.matched > 0 and result.unmatched  # the pool is scarce enough to be a test


def test_it_respects_capacities_and_forbidden_pairs_in_the_optimum() -> None:
    problem = random_pool(3, n=60, m=30)

    result = match(problem)

    per_volunteer: dict[int, int] = {}
    for a in result.assignments:
        per_volunteer[a.volunteer_id] = per_volunteer.get(a.volunteer_id, 0) + 1
        assert (a.participant_id, a.volunteer_id) not in problem.forbidden
        assert a.score == sum(a.parts.values())
    room = {v.id: v.capacity_left for v in problem.volunteers}
    assert all(count <= room[vid] for vid, count in per_volunteer.items())
    assert len({a.participant_id for a in result.assignments}) == result.matched
    assert result.matched + len(result.unmatched) == len(problem.participants)


def test_it_gives_the_same_output_for_the_same_input() -> None:
    problem = random_pool(5, n=50, m=30)

    assert match(problem).assignments == match(problem).assignments


def test_it_matches_more_participants_before_it_looks_at_scores() -> None:
    # A (close, great fit) could take v1 for a high score, but then B has no one: two duos win.
    a = participant(1, needs={"social": 3}, availability=("sat_morning", "mon_morning"))
    b = participant(2, availability=("mon_morning",), needs={})
    v1 = volunteer(100, availability=("sat_morning", "mon_morning"), strengths={"social": 3})
    v2 = volunteer(101, near(8), availability=("sat_morning",), strengths={})

    result = solve([a, b], [v1, v2])

    assert {(x.participant_id, x.volunteer_id) for x in result.assignments} == {(1, 101), (2, 100)}


# --- hard rules, one at a time and together ---------------------------------------------------
RULES = {
    "language": ({"languages": ("ar",)}, {}),
    "availability": ({"availability": ("mon_evening",)}, {}),
    "distance": ({}, {"max_travel_km": 5}),  # the volunteer lives 8 km away
    "gender wished by the participant": ({"gender_preference": "m"}, {"gender": "f"}),
    "gender wished by the volunteer": ({"gender": "m"}, {"gender_preference": "f", "gender": "f"}),
    "screening": ({}, {"screening_complete": False}),
    "consent": ({"consent": False}, {}),
    "capacity": ({}, {"capacity_left": 0}),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_hard_rule_alone_blocks_a_pair(rule: str) -> None:
    p_kw, v_kw = RULES[rule]
    ok = solve([participant(1)], [volunteer(100, near(8))])
    blocked = solve([participant(1, **p_kw)], [volunteer(100, near(8), **v_kw)])

    assert ok.matched == 1
    assert blocked.matched == 0 and blocked.unmatched[0].participant_id == 1


def test_a_forbidden_pair_is_never_proposed() -> None:
    result = solve([participant(1)], [volunteer(100), volunteer(101, near(9))], forbidden=frozenset({(1, 100)}))

    assert [(a.participant_id, a.volunteer_id) for a in result.assignments] == [(1, 101)]


def test_all_hard_rules_together_leave_only_the_volunteer_who_passes_every_one() -> None:
    p = participant(1, languages=("ar", "fr"), availability=("mon_evening", "sat_morning"),
                    gender="f", gender_preference="f")
    good = volunteer(199, near(3), languages=("fr",), availability=("mon_evening",), gender="f")
    vs = [good]
    for i, (_, (p_kw, v_kw)) in enumerate(sorted(RULES.items())):
        if p_kw.get("consent") is False:
            continue
        fields = {"languages": ("fr",), "availability": ("mon_evening",), "gender": "f"}
        fields.update(v_kw)
        if "languages" in p_kw:
            fields["languages"] = ("nl",)
        if "availability" in p_kw:
            fields["availability"] = ("wed_afternoon",)
        if "gender_preference" in p_kw:
            fields["gender"] = "m"
        if "gender" in p_kw:
            fields["gender_preference"] = "m"
        vs.append(volunteer(100 + i, near(1 if "max_travel_km" not in v_kw else 8), **fields))
    vs.append(volunteer(150, near(1), languages=("fr",), availability=("mon_evening",), gender="f"))

    result = solve([p], vs, forbidden=frozenset({(1, 150)}))

    assert [(a.participant_id, a.volunteer_id) for a in result.assignments] == [(1, 199)]
    assert result.feasible_pairs == 1


def test_an_arranged_interpreter_lifts_the_language_rule() -> None:
    result = solve([participant(1, languages=("ti",), interpreter_arranged=True)], [volunteer(100)])

    assert result.matched == 1
    assert result.assignments[0].parts["languages"] == 0


def test_a_locked_pair_is_kept_even_against_a_better_optimum() -> None:
    p1, p2 = participant(1), participant(2)
    v1, v2 = volunteer(100), volunteer(101, near(9))

    free = solve([p1, p2], [v1, v2])
    locked = solve([p1, p2], [v1, v2], locked=((1, 101),))

    assert {(a.participant_id, a.volunteer_id) for a in locked.assignments} == {(1, 101), (2, 100)}
    assert [a.locked for a in locked.assignments] == [True, False]
    assert locked.objective <= free.objective


def test_it_refuses_more_locks_than_a_volunteer_has_room_for() -> None:
    with pytest.raises(ValueError, match="room"):
        solve([participant(1), participant(2)], [volunteer(100)], locked=((1, 100), (2, 100)))


# --- scores ---------------------------------------------------------------------------------
def test_each_pair_comes_with_integer_parts_per_criterion() -> None:
    p = participant(1, needs={"social": 3, "housing": 3}, uncovered_domains=frozenset({"housing"}),
                    waiting_days=365, languages=("nl", "fr"))
    v = volunteer(100, near(5), max_travel_km=10, strengths={"housing": 3}, languages=("nl", "fr"))

    a = solve([p], [v], weights=dict.fromkeys(CRITERIA, 1)).assignments[0]

    assert set(a.parts) == set(CRITERIA)
    assert a.parts["distance"] == 50  # 5 of 10 km: half way to zero
    assert a.parts["languages"] == 100
    assert a.parts["needs"] == 50  # housing 3×3 of a possible (3+3)×3
    assert a.parts["network"] == 100  # strong in the one uncovered domain
    assert a.parts["waiting"] == 100
    assert a.score == sum(a.parts.values())


def test_without_a_network_map_every_domain_with_a_need_counts_as_uncovered() -> None:
    v = volunteer(100, strengths={"housing": 3})
    without_map = solve([participant(1, needs={"housing": 2, "social": 2})], [v]).assignments[0]
    covered = solve([participant(1, needs={"housing": 2, "social": 2}, uncovered_domains=frozenset({"social"}))],
                    [v]).assignments[0]

    assert without_map.parts["network"] > 0
    assert covered.parts["network"] == 0


def test_the_longer_waiting_participant_gets_the_one_volunteer() -> None:
    result = solve([participant(1, waiting_days=30), participant(2, waiting_days=300)], [volunteer(100)])

    assert [a.participant_id for a in result.assignments] == [2]


def test_it_lists_the_top_three_alternatives_best_first() -> None:
    vs = [volunteer(100 + i, near(i * 2)) for i in range(5)]

    a = solve([participant(1)], vs).assignments[0]

    assert a.volunteer_id == 100
    assert [x.volunteer_id for x in a.alternatives] == [101, 102, 103]
    assert [x.score for x in a.alternatives] == sorted((x.score for x in a.alternatives), reverse=True)


# --- why unmatched ----------------------------------------------------------------------------
WHY = {
    model.NO_CONSENT: ([participant(1, consent=False)], [volunteer()], {}),
    model.NO_LOCATION: ([dataclasses.replace(participant(1), latitude=None, longitude=None)], [volunteer()], {}),
    # The nearest volunteer's real distance (rounded up to 100 m) and their own limit.
    model.NO_VOLUNTEER_NEARBY: ([participant(1)],
                                [volunteer(100, near(30)), volunteer(101, near(40), max_travel_km=25)],
                                {"km": 25, "nearest_km": 30, "nearest_max_km": 10}),
    model.NO_COMMON_LANGUAGE: ([participant(1, languages=("ar",))], [volunteer(), volunteer(101, near(2))],
                               {"languages": ["ar"], "nearby": 2, "speaker_km": None}),
    model.NO_COMMON_TIME: ([participant(1, availability=("mon_evening",))], [volunteer()], {"count": 1}),
    model.GENDER_PREFERENCE: ([participant(1, gender_preference="m")], [volunteer(100, gender="f")], {"count": 1}),
    model.SCREENING_INCOMPLETE: ([participant(1)], [volunteer(100, screening_complete=False)], {"count": 1}),
    model.ONLY_FORBIDDEN: ([participant(1)], [volunteer()], {"count": 1}),
    model.ALL_AT_CAPACITY: ([participant(1)], [volunteer(100, capacity_left=0), volunteer(101, capacity_left=0),
                                               volunteer(102, capacity_left=0)], {"count": 3}),
    model.TAKEN_BY_OTHERS: ([participant(1), participant(2, waiting_days=100)], [volunteer()], {"count": 1}),
}


@pytest.mark.parametrize("reason", model.REASONS)
def test_it_says_why_a_participant_is_left_unmatched(reason: str) -> None:
    ps, vs, params = WHY[reason]
    forbidden = frozenset({(1, 100)}) if reason == model.ONLY_FORBIDDEN else frozenset()

    result = solve(ps, vs, forbidden=forbidden)

    why = next(u for u in result.unmatched if u.participant_id == 1)
    assert (why.reason, why.params) == (reason, params)
