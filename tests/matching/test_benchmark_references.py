"""The reference solvers of benchmarks/matching.py are what the README says they are.

The benchmark's Gale-Shapley is its own (the PyPI package `matching` would shadow our app), so
it is checked here: stable on seeded random instances, participant-optimal where several stable
matchings exist; and the greedy pass takes the best pair first.
"""

from __future__ import annotations

import importlib.util
import itertools
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "matching.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    # Its own name: `matching` is our app.
    spec = importlib.util.spec_from_file_location("benchmark_matching", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def instance(seed: int, n_p: int = 12, n_v: int = 9, density: float = 0.5) -> Arrays:
    """Feasible pairs with small integer scores (so ties occur), a score of the volunteer's own
    for each pair, and capacities 0-3."""
    rng = random.Random(seed)
    arcs = [(i, j) for i in range(n_p) for j in range(n_v) if rng.random() < density]
    p = np.array([i for i, _ in arcs], dtype=np.int64)
    v = np.array([j for _, j in arcs], dtype=np.int64)
    score = np.array([rng.randint(0, 8) for _ in arcs], dtype=np.int64)
    v_score = np.array([rng.randint(0, 8) for _ in arcs], dtype=np.int64)
    cap = np.array([rng.choice((0, 1, 1, 1, 2, 3)) for _ in range(n_v)], dtype=np.int64)
    return p, v, score, v_score, cap


def rank_keys(p: np.ndarray, v: np.ndarray, score: np.ndarray, v_score: np.ndarray) -> tuple[dict, dict]:
    """The preferences gale_shapley_pairs documents, as sort keys (smaller = preferred)."""
    by_p = {(i, j): (-s, j) for i, j, s in zip(p.tolist(), v.tolist(), score.tolist(), strict=True)}
    by_v = {(i, j): (-s, i) for i, j, s in zip(p.tolist(), v.tolist(), v_score.tolist(), strict=True)}
    return by_p, by_v


def blocking_pairs(matching: dict[int, int], arrays: Arrays) -> list[tuple[int, int]]:
    p, v, score, v_score, cap = arrays
    by_p, by_v = rank_keys(p, v, score, v_score)
    held: dict[int, list[int]] = {}
    for i, j in matching.items():
        held.setdefault(j, []).append(i)
    blocking = []
    for i, j in by_p:
        if matching.get(i) == j:
            continue
        participant_wants = i not in matching or by_p[(i, j)] < by_p[(i, matching[i])]
        others = held.get(j, [])
        volunteer_wants = cap[j] > 0 and (
            len(others) < cap[j] or any(by_v[(i, j)] < by_v[(k, j)] for k in others))
        if participant_wants and volunteer_wants:
            blocking.append((i, j))
    return blocking


def is_valid(matching: dict[int, int], arrays: Arrays) -> bool:
    p, v, _, _, cap = arrays
    arcs = set(zip(p.tolist(), v.tolist(), strict=True))
    load = np.bincount(list(matching.values()), minlength=len(cap)) if matching else np.zeros(len(cap), int)
    return all((i, j) in arcs for i, j in matching.items()) and bool((load <= cap).all())


def all_stable_matchings(arrays: Arrays) -> list[dict[int, int]]:
    """Brute force, for tiny instances: every valid matching without a blocking pair."""
    p, v, _, _, _ = arrays
    options: dict[int, list[int | None]] = {i: [None] for i in sorted(set(p.tolist()))}
    for i, j in zip(p.tolist(), v.tolist(), strict=True):
        options[i].append(j)
    found = []
    for choice in itertools.product(*options.values()):
        matching = {i: j for i, j in zip(options, choice, strict=True) if j is not None}
        if is_valid(matching, arrays) and not blocking_pairs(matching, arrays):
            found.append(matching)
    return found


@pytest.mark.parametrize("seed", range(40))
def test_gale_shapley_leaves_no_blocking_pair(bench: ModuleType, seed: int) -> None:
    arrays = instance(seed)
    p, v, score, v_score, cap = arrays

    own_ranking = bench.gale_shapley_pairs(p, v, score, cap, v_score)
    shared = bench.gale_shapley_pairs(p, v, score, cap)  # as the benchmark calls it

    assert is_valid(own_ranking, arrays) and blocking_pairs(own_ranking, arrays) == []
    shared_arrays = (p, v, score, score, cap)
    assert is_valid(shared, shared_arrays) and blocking_pairs(shared, shared_arrays) == []


def test_gale_shapley_is_participant_optimal_on_a_hand_checked_instance(bench: ModuleType) -> None:
    # Three participants, three volunteers, each side's first choices crosswise:
    #   participant 0: v0 > v1 > v2   volunteer 0: p1 > p2 > p0
    #   participant 1: v1 > v2 > v0   volunteer 1: p2 > p0 > p1
    #   participant 2: v2 > v0 > v1   volunteer 2: p0 > p1 > p2
    # Three stable matchings: everyone's first choice on the participants' side
    # {0: 0, 1: 1, 2: 2}, everyone's second {0: 1, 1: 2, 2: 0}, and the volunteers' first
    # choices {0: 2, 1: 0, 2: 1}. Participant-proposing deferred acceptance must give the first.
    participant_order = {0: (0, 1, 2), 1: (1, 2, 0), 2: (2, 0, 1)}
    volunteer_order = {0: (1, 2, 0), 1: (2, 0, 1), 2: (0, 1, 2)}
    pairs = [(i, j) for i in range(3) for j in range(3)]
    p = np.array([i for i, _ in pairs])
    v = np.array([j for _, j in pairs])
    score = np.array([3 - participant_order[i].index(j) for i, j in pairs])
    v_score = np.array([3 - volunteer_order[j].index(i) for i, j in pairs])
    arrays = (p, v, score, v_score, np.ones(3, dtype=np.int64))
    stable = all_stable_matchings(arrays)
    assert sorted(map(sorted, (m.items() for m in stable))) == sorted(
        [sorted({0: 0, 1: 1, 2: 2}.items()), sorted({0: 1, 1: 2, 2: 0}.items()),
         sorted({0: 2, 1: 0, 2: 1}.items())])

    assert bench.gale_shapley_pairs(p, v, score, np.ones(3, dtype=np.int64), v_score) == {0: 0, 1: 1, 2: 2}


@pytest.mark.parametrize("seed", range(25))
def test_gale_shapley_gives_each_participant_their_best_stable_partner(bench: ModuleType, seed: int) -> None:
    arrays = instance(1000 + seed, n_p=4, n_v=3, density=0.8)
    p, v, score, v_score, cap = arrays
    by_p, _ = rank_keys(p, v, score, v_score)

    ours = bench.gale_shapley_pairs(p, v, score, cap, v_score)

    stable = all_stable_matchings(arrays)
    assert ours in stable
    for other in stable:
        for i, j in other.items():
            # Never better off in another stable matching (and matched in every one or none:
            # the rural hospitals theorem).
            assert i in ours and by_p[(i, ours[i])] <= by_p[(i, j)]


@pytest.mark.parametrize("seed", range(20))
def test_with_one_shared_pair_score_gale_shapley_is_the_greedy_pass(bench: ModuleType, seed: int) -> None:
    # Both sides rank by the same pair score in the benchmark: one global order of the pairs, a
    # unique stable matching, the greedy one. The README says so next to the figures.
    p, v, score, _, cap = instance(2000 + seed)

    greedy = {i: j for i, j, _ in bench.greedy_pairs(p, v, score, cap)}

    assert bench.gale_shapley_pairs(p, v, score, cap) == greedy


def test_greedy_takes_the_best_pair_first_even_when_that_matches_fewer(bench: ModuleType) -> None:
    # a-x 10, a-y 9, b-x 9: greedy takes a-x and leaves b alone; the optimum (a-y, b-x) has 18.
    p, v, score, cap = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([10, 9, 9]), np.array([1, 1])

    assert bench.greedy_pairs(p, v, score, cap) == [(0, 0, 10)]


@pytest.mark.parametrize("seed", range(20))
def test_greedy_is_maximal_and_every_pair_it_skips_lost_to_a_pair_at_least_as_good(
        bench: ModuleType, seed: int) -> None:
    p, v, score, _, cap = instance(3000 + seed)

    taken = bench.greedy_pairs(p, v, score, cap)

    assert [s for _, _, s in taken] == sorted((s for _, _, s in taken), reverse=True)
    mine = {i: (j, s) for i, j, s in taken}
    assert len(mine) == len(taken)
    held: dict[int, list[int]] = {}
    for _, j, s in taken:
        held.setdefault(j, []).append(s)
    assert all(len(held.get(j, [])) <= cap[j] for j in range(len(cap)))
    for i, j, s in zip(p.tolist(), v.tolist(), score.tolist(), strict=True):
        if mine.get(i, (None,))[0] == j:
            continue
        participant_took_better = i in mine and mine[i][1] >= s
        volunteer_full_of_better = len(held.get(j, [])) >= cap[j] and all(t >= s for t in held.get(j, []))
        assert participant_took_better or volunteer_full_of_better, (i, j, s)


def test_the_references_child_reports_the_exact_optimum_and_the_heuristics_below_it(
        bench: ModuleType, tmp_path: Any) -> None:
    p, v, score, _, cap = instance(7, n_p=30, n_v=25, density=0.3)
    arcs = tmp_path / "arcs.npz"
    np.savez(arcs, p=p, v=v, score=score, capacity=cap, n_p=30, n_v=25)

    out = bench.child_references(str(arcs), dense_limit=100, gs_limit=100, repeat=1)

    assert out["scipy_dense"]["objective"] == out["scipy_sparse"]["objective"]
    assert out["scipy_dense"]["matched"] == out["scipy_sparse"]["matched"]
    greedy = bench.greedy_pairs(p, v, score, cap)
    assert (out["greedy"]["matched"], out["greedy"]["objective"]) == (len(greedy), sum(s for *_, s in greedy))
    assert out["gale_shapley"]["objective"] == out["greedy"]["objective"]
    assert out["greedy"]["matched"] <= out["scipy_sparse"]["matched"]
