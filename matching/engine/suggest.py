"""A suggestion for one person now: the best volunteers for one participant, without a full solve.

When a coordinator takes in a new participant, they want to see at once who could be their buddy.
The whole-pool optimum (engine.match) weighs every participant against every other; for one
person the same spatial filter and the same vectorised scores over the volunteers in reach are
enough, at a fraction of the time. What a suggestion cannot know is whether the optimum would
give a suggested volunteer to someone else: it says so when another waiting participant scores
higher with that volunteer (`contested`), so the coordinator knows a whole-pool run may differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.engine.arrays import Pool, encode
from matching.engine.model import CRITERIA, Problem, Scored
from matching.engine.score import candidate_arcs, parts


@dataclass(frozen=True, slots=True)
class Contest:
    """Another participant scores higher with a suggested volunteer than this one does."""

    volunteer_id: int
    participant_id: int
    score: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    participant_id: int
    volunteers: tuple[Scored, ...]  # best first: highest score, then lowest volunteer id
    feasible: int  # volunteers in reach who pass every hard rule
    contested: tuple[Contest, ...]  # suggested volunteers with one place left whom another fits better


def suggest(problem: Problem, participant_id: int, k: int = 5) -> Suggestion:
    """The k best feasible volunteers for one participant of `problem` (same rules, same scores
    as engine.match), with the suggested volunteers another participant would score higher with."""
    pool = encode(problem)
    P, V = pool.participants, pool.volunteers
    weights = {name: float(problem.weights.get(name, 0.0)) for name in CRITERIA}
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must be 0 or more")
    hits = np.flatnonzero(P.ids == participant_id)
    if len(hits) == 0:
        raise ValueError(f"participant {participant_id} is not in the pool")
    pi = int(hits[0])
    v_index = {int(vid): i for i, vid in enumerate(V.ids)}
    p_index = {int(pid): i for i, pid in enumerate(P.ids)}
    keys = sorted(p_index[a] * len(V) + v_index[b] for a, b in problem.forbidden if a in p_index and b in v_index)
    forbidden_keys = np.array(keys, dtype=np.int64)
    capacity = V.capacity.copy()
    for _, vid in problem.locked:
        if vid in v_index:
            capacity[v_index[vid]] -= 1
    v_usable = V.screened & V.has_location & (capacity > 0)
    only = np.zeros(len(P), dtype=bool)
    only[pi] = bool(P.consent[pi] and P.has_location[pi])
    arcs = candidate_arcs(pool, only, v_usable, weights, forbidden_keys)
    order = np.lexsort((V.ids[arcs.v], -arcs.score))[:k]
    top_v = arcs.v[order].astype(np.int64)
    top_parts = parts(pool, np.full(len(top_v), pi, dtype=np.int64), top_v, arcs.distance_km[order], weights)
    chosen = tuple(
        Scored(int(V.ids[v]), int(arcs.score[j]), {name: int(top_parts[c, n]) for c, name in enumerate(CRITERIA)},
               float(arcs.distance_km[j]))
        for n, (j, v) in enumerate(zip(order, top_v, strict=True))
    )
    return Suggestion(int(participant_id), chosen, len(arcs), _contests(pool, problem, pi, chosen, capacity,
                                                                       v_usable, weights, forbidden_keys))


def _contests(pool: Pool, problem: Problem, pi: int, chosen: tuple[Scored, ...], capacity: np.ndarray,
              v_usable: np.ndarray, weights: dict[str, float], forbidden_keys: np.ndarray) -> tuple[Contest, ...]:
    """For the suggested volunteers with one place left: the other usable participant who scores
    highest with them, when that beats this participant's score (one more spatial pass)."""
    P, V = pool.participants, pool.volunteers
    v_index = {int(vid): i for i, vid in enumerate(V.ids)}
    tight = {v_index[s.volunteer_id]: s for s in chosen if capacity[v_index[s.volunteer_id]] == 1}
    if not tight:
        return ()
    locked_p = {pid for pid, _ in problem.locked}
    others = P.consent & P.has_location & ~np.isin(P.ids, list(locked_p))
    others[pi] = False
    wanted = np.zeros(len(V), dtype=bool)
    wanted[list(tight)] = True
    arcs = candidate_arcs(pool, others, wanted & v_usable, weights, forbidden_keys)
    contests = []
    for vi, mine in sorted(tight.items(), key=lambda item: item[1].volunteer_id):
        rows = np.flatnonzero(arcs.v == vi)
        if len(rows) == 0:
            continue
        best = rows[np.lexsort((P.ids[arcs.p[rows]], -arcs.score[rows]))[0]]
        if int(arcs.score[best]) > mine.score:
            contests.append(Contest(mine.volunteer_id, int(P.ids[arcs.p[best]]), int(arcs.score[best])))
    return tuple(contests)
