"""A suggestion for one person now: the best volunteers for one participant, without a full solve.

When a coordinator takes in a new participant, they want to see at once who could be their buddy.
The whole-pool optimum (engine.match) weighs every participant against every other; for one
person the same spatial filter and the same vectorised scores over the volunteers in reach are
enough, at a fraction of the time. What a suggestion cannot know by itself is whether the optimum
would give a suggested volunteer to someone else. `taken_in_optimum` answers that from an optimum
at hand (the latest match run's proposals): a note is worth showing only when that optimum fills
the volunteer's last places with others. `contested` (another participant merely scores higher
with a volunteer who has one place left) is kept for the benchmark's comparison: in a dense pool
it holds for nearly every suggestion, so the pages no longer show it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matching.engine.arrays import Pool, encode, haversine_km
from matching.engine.model import CRITERIA, Participant, Problem, Scored, Volunteer
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


def suggest(problem: Problem, participant_id: int, k: int = 5, *, contests: bool = True) -> Suggestion:
    """The k best feasible volunteers for one participant of `problem` (same rules, same scores
    as engine.match), with the suggested volunteers another participant would score higher with.

    Only the people in reach are encoded: a first spatial pass on the raw coordinates keeps the
    volunteers whose travel distance reaches the participant (and, for the contested check, the
    participants a suggested volunteer reaches); the engine's own filter and scores then run on
    those few, so the answer is the one a whole-pool encoding gives (tests/matching/test_suggest.py)."""
    weights = {name: float(problem.weights.get(name, 0.0)) for name in CRITERIA}
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must be 0 or more")
    me = next((p for p in problem.participants if p.id == participant_id), None)
    if me is None:
        raise ValueError(f"participant {participant_id} is not in the pool")
    room = room_left(problem)
    if me.latitude is None or me.longitude is None or not me.consent:
        return Suggestion(int(participant_id), (), 0, ())
    near = _in_reach(problem.volunteers, me.latitude, me.longitude)
    volunteers = tuple(v for v in near if v.screening_complete and room[v.id] > 0)
    sub = Problem((me,), volunteers, problem.life_domains, weights=weights,
                  forbidden=frozenset(pair for pair in problem.forbidden if pair[0] == participant_id))
    pool = encode(sub)
    V = pool.volunteers
    usable = np.ones(len(V), dtype=bool)
    arcs = candidate_arcs(pool, np.ones(1, dtype=bool), usable, weights, _forbidden_keys(sub, pool))
    order = np.lexsort((V.ids[arcs.v], -arcs.score))[:k]
    top_v = arcs.v[order].astype(np.int64)
    top_parts = parts(pool, np.zeros(len(top_v), dtype=np.int64), top_v, arcs.distance_km[order], weights)
    chosen = tuple(
        Scored(int(V.ids[v]), int(arcs.score[j]), {name: int(top_parts[c, n]) for c, name in enumerate(CRITERIA)},
               float(arcs.distance_km[j]))
        for n, (j, v) in enumerate(zip(order, top_v, strict=True))
    )
    return Suggestion(int(participant_id), chosen, len(arcs),
                      _contests(problem, me, chosen, room, weights) if contests else ())


def room_left(problem: Problem) -> dict[int, int]:
    """Each volunteer's places left for a new pair: capacity left minus the pairs locked to them."""
    locked_to: dict[int, int] = {}
    for _, vid in problem.locked:
        locked_to[vid] = locked_to.get(vid, 0) + 1
    return {v.id: v.capacity_left - locked_to.get(v.id, 0) for v in problem.volunteers}


def taken_in_optimum(suggestion: Suggestion, room: Mapping[int, int],
                     assigned: Mapping[int, Sequence[int]]) -> tuple[int, ...]:
    """The other participants a whole-pool optimum gives the first suggested volunteer to, when
    they fill every place that volunteer has left; () when the first suggestion is free in it.

    `assigned` maps a volunteer to the participants an optimum pairs them with (the latest match
    run's open proposals, or a fresh engine.match); `room` is each volunteer's places left now.
    Only then is the note "a match run picks differently" informative: choosing the first
    suggestion undoes a pair of the optimum. "Someone else scores higher with them" holds for
    almost every volunteer of a dense pool, and a note on each of the five would be on nearly every
    card (benchmarks/suggest.py counts both)."""
    if not suggestion.volunteers:
        return ()
    first = suggestion.volunteers[0].volunteer_id
    others = tuple(p for p in assigned.get(first, ()) if p != suggestion.participant_id)
    return others if others and len(others) >= room.get(first, 0) else ()


def _in_reach(volunteers: tuple[Volunteer, ...], lat: float, lon: float) -> list[Volunteer]:
    """Volunteers whose maximum travel distance reaches (lat, lon): a superset (one percent and a
    few metres of slack) of what the engine's exact distance rule keeps."""
    located = [v for v in volunteers if v.latitude is not None and v.longitude is not None]
    if not located:
        return []
    vlat = np.radians(np.fromiter((v.latitude for v in located), dtype=np.float64, count=len(located)))
    vlon = np.radians(np.fromiter((v.longitude for v in located), dtype=np.float64, count=len(located)))
    reach = np.fromiter((float(v.max_travel_km) for v in located), dtype=np.float64, count=len(located))
    d = haversine_km(np.radians(lat), np.radians(lon), vlat, vlon)
    return [located[i] for i in np.flatnonzero(d <= reach * 1.01 + 0.01)]


def _forbidden_keys(problem: Problem, pool: Pool) -> np.ndarray:
    p_index = {int(pid): i for i, pid in enumerate(pool.participants.ids)}
    v_index = {int(vid): i for i, vid in enumerate(pool.volunteers.ids)}
    n = len(pool.volunteers)
    return np.array(sorted(p_index[a] * n + v_index[b] for a, b in problem.forbidden
                           if a in p_index and b in v_index), dtype=np.int64)


def _contests(problem: Problem, me: Participant, chosen: tuple[Scored, ...], room: dict[int, int],
              weights: dict[str, float]) -> tuple[Contest, ...]:
    """For the suggested volunteers with one place left: the other participant who scores
    highest with them, when that beats this participant's score (one more spatial pass)."""
    tight_ids = {s.volunteer_id for s in chosen if room[s.volunteer_id] == 1}
    if not tight_ids:
        return ()
    tight = tuple(v for v in problem.volunteers if v.id in tight_ids)
    locked_p = {pid for pid, _ in problem.locked}
    candidates = [p for p in problem.participants if p.id != me.id and p.id not in locked_p and p.consent
                  and p.latitude is not None and p.longitude is not None]
    if not candidates:
        return ()
    plat = np.radians(np.fromiter((p.latitude for p in candidates), dtype=np.float64, count=len(candidates)))
    plon = np.radians(np.fromiter((p.longitude for p in candidates), dtype=np.float64, count=len(candidates)))
    near = np.zeros(len(candidates), dtype=bool)
    for v in tight:
        assert v.latitude is not None and v.longitude is not None
        d = haversine_km(np.radians(v.latitude), np.radians(v.longitude), plat, plon)
        near |= d <= float(v.max_travel_km) * 1.01 + 0.01
    others = tuple(candidates[i] for i in np.flatnonzero(near))
    if not others:
        return ()
    ids = {p.id for p in others}
    sub = Problem(others, tight, problem.life_domains, weights=weights,
                  forbidden=frozenset(pair for pair in problem.forbidden if pair[0] in ids and pair[1] in tight_ids))
    pool = encode(sub)
    P = pool.participants
    arcs = candidate_arcs(pool, np.ones(len(P), dtype=bool), np.ones(len(pool.volunteers), dtype=bool), weights,
                          _forbidden_keys(sub, pool))
    v_index = {int(vid): i for i, vid in enumerate(pool.volunteers.ids)}
    contests = []
    for mine in sorted((s for s in chosen if s.volunteer_id in tight_ids), key=lambda s: s.volunteer_id):
        rows = np.flatnonzero(arcs.v == v_index[mine.volunteer_id])
        if len(rows) == 0:
            continue
        best = rows[np.lexsort((P.ids[arcs.p[rows]], -arcs.score[rows]))[0]]
        if int(arcs.score[best]) > mine.score:
            contests.append(Contest(mine.volunteer_id, int(P.ids[arcs.p[best]]), int(arcs.score[best])))
    return tuple(contests)
