"""A suggestion for one person (issue 20): the engine's spatial filter and vector scores give the
same top five as a brute-force ranking of every volunteer by the same scores."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from matching import engine
from matching.engine.arrays import encode, haversine_km
from matching.engine.score import parts, rules_without_distance
from matching.engine.suggest import suggest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "matching.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_matching_for_suggest", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def brute_force_top(problem: engine.Problem, participant_id: int, k: int) -> list[tuple[int, int]]:
    """Every volunteer checked against every rule, no spatial filter: (volunteer id, score), best first."""
    pool = encode(problem)
    P, V = pool.participants, pool.volunteers
    weights = {name: float(problem.weights.get(name, 0.0)) for name in engine.CRITERIA}
    pi = int(np.flatnonzero(P.ids == participant_id)[0])
    if not (P.consent[pi] and P.has_location[pi]):
        return []
    v = np.arange(len(V))
    p = np.full(len(V), pi)
    d = haversine_km(P.lat[p], P.lon[p], V.lat[v], V.lon[v])
    ok = V.screened & V.has_location & (V.capacity > 0) & (d <= V.max_km)
    ok &= rules_without_distance(pool, p, v, np.empty(0, dtype=np.int64))
    score = parts(pool, p[ok], v[ok], d[ok], weights).sum(axis=0)
    ranked = sorted(zip((int(x) for x in V.ids[v[ok]]), (int(s) for s in score), strict=True),
                    key=lambda pair: (-pair[1], pair[0]))
    return ranked[:k]


def test_the_suggestion_equals_the_top_of_a_brute_force_ranking(bench: ModuleType) -> None:
    participants, volunteers = bench.synthetic(800, seed=7)
    problem = bench.problem_of(participants, volunteers)
    checked = 0
    for participant in problem.participants[:60]:
        expected = brute_force_top(problem, participant.id, 5)
        got = suggest(problem, participant.id, k=5)
        assert [(s.volunteer_id, s.score) for s in got.volunteers] == expected, participant.id
        # The parts explain the score, as on a proposal.
        assert all(sum(s.parts.values()) == s.score for s in got.volunteers)
        checked += bool(expected)
    assert checked > 40  # most synthetic participants have someone in reach


def person(i: int, **extra: object) -> dict[str, object]:
    return {"id": i, "latitude": 51.05, "longitude": 3.72, "languages": ("nl",), "availability": ("mon_evening",),
            **extra}


def test_it_says_when_another_participant_fits_a_suggested_volunteer_better() -> None:
    # One volunteer, strong in housing; the new participant needs work, another one housing.
    new = engine.Participant(**person(1), needs={"work": 3}, waiting_days=0)
    waiting = engine.Participant(**person(2), needs={"housing": 3}, waiting_days=300)
    volunteer = engine.Volunteer(**person(10), strengths={"housing": 3}, capacity_left=1)
    roomy = engine.Volunteer(**person(11), strengths={"housing": 3}, capacity_left=2)
    problem = engine.Problem((new, waiting), (volunteer, roomy), ("housing", "work"))

    got = suggest(problem, 1)

    assert [s.volunteer_id for s in got.volunteers] == [10, 11]
    # Only the volunteer with one place left is contested; the one with two has room for both.
    assert [(c.volunteer_id, c.participant_id) for c in got.contested] == [(10, 2)]
    assert got.contested[0].score > got.volunteers[0].score


def test_forbidden_and_unscreened_volunteers_are_never_suggested() -> None:
    new = engine.Participant(**person(1))
    volunteers = (engine.Volunteer(**person(10)), engine.Volunteer(**person(11), screening_complete=False),
                  engine.Volunteer(**person(12)), engine.Volunteer(**person(13), capacity_left=0))
    problem = engine.Problem((new,), volunteers, ("housing",), forbidden=frozenset({(1, 12)}))

    assert [s.volunteer_id for s in suggest(problem, 1).volunteers] == [10]
    with pytest.raises(ValueError):
        suggest(problem, 99)
