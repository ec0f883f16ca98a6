"""The matching engine: plain data in, an optimal, explained assignment out. No Django here.

    result = match(Problem(participants=..., volunteers=..., life_domains=...))

Steps: encode the people as arrays; find the feasible pairs (spatial pre-filter, then every
hard rule, vectorised) and score them with integer parts; solve exactly (OR-tools min-cost
flow: most participants matched first, then the highest total score); explain every
participant left unmatched and list the top-3 alternatives of every matched one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matching.engine import model
from matching.engine.arrays import Pool, encode, haversine_km
from matching.engine.explain import top_alternatives, why_unmatched
from matching.engine.model import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    Assignment,
    Participant,
    Problem,
    Result,
    Scored,
    Unmatched,
    Volunteer,
)
from matching.engine.score import Arcs, candidate_arcs, parts
from matching.engine.solve import SOLVER, solve

__all__ = [
    "CRITERIA", "DEFAULT_WEIGHTS", "Assignment", "Participant", "Problem", "Result", "Scored", "Unmatched",
    "Volunteer", "Prepared", "match", "model", "prepare",
]

Progress = Callable[[float, str], None]


class Prepared:
    """A problem encoded and its feasible pairs scored: what the solver (and a benchmark's
    reference solvers) work on."""

    def __init__(self, problem: Problem, progress: Progress | None = None) -> None:
        started = time.perf_counter()
        self.problem = problem
        self.weights = {name: float(problem.weights.get(name, 0.0)) for name in CRITERIA}
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("weights must be 0 or more")
        self.pool: Pool = encode(problem)
        P, V = self.pool.participants, self.pool.volunteers
        self.p_index = {int(pid): i for i, pid in enumerate(P.ids)}
        self.v_index = {int(vid): i for i, vid in enumerate(V.ids)}
        self.locked = self._locks()
        self.capacity = V.capacity.copy()
        for _, vi in self.locked:
            self.capacity[vi] -= 1
        forbidden = [(self.p_index.get(a), self.v_index.get(b)) for a, b in sorted(problem.forbidden)]
        keys = sorted(pi * len(V) + vi for pi, vi in forbidden if pi is not None and vi is not None)
        self.forbidden_keys = np.array(keys, dtype=np.int64)
        locked_p = np.zeros(len(P), dtype=bool)
        locked_p[[pi for pi, _ in self.locked]] = True
        self.p_usable = P.consent & P.has_location & ~locked_p
        self.v_usable = V.screened & V.has_location & (self.capacity > 0)
        self.timings = {"encode": time.perf_counter() - started}
        started = time.perf_counter()
        self.arcs: Arcs = candidate_arcs(
            self.pool, self.p_usable, self.v_usable, self.weights, self.forbidden_keys,
            progress=None if progress is None else (lambda f: progress(f, "score")),
        )
        self.timings["score"] = time.perf_counter() - started

    def _locks(self) -> list[tuple[int, int]]:
        seen: set[int] = set()
        out = []
        for pid, vid in self.problem.locked:
            if pid not in self.p_index or vid not in self.v_index:
                raise ValueError(f"locked pair ({pid}, {vid}) is not in the pools")
            if (pid, vid) in self.problem.forbidden:
                raise ValueError(f"pair ({pid}, {vid}) is both locked and forbidden")
            if pid in seen:
                raise ValueError(f"participant {pid} is locked to more than one volunteer")
            seen.add(pid)
            out.append((self.p_index[pid], self.v_index[vid]))
        per_volunteer = np.bincount([vi for _, vi in out], minlength=len(self.v_index))
        if len(out) and (per_volunteer > self.pool.volunteers.capacity).any():
            raise ValueError("more pairs locked to a volunteer than they have room for")
        return out

    def solve(self) -> tuple[np.ndarray, str]:
        return solve(len(self.pool.participants), len(self.pool.volunteers), self.arcs.p, self.arcs.v,
                     self.arcs.score, self.capacity)

    def scored(self, p: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(parts per criterion, distance) for any pairs, feasible or not (locked pairs)."""
        P, V = self.pool.participants, self.pool.volunteers
        d = haversine_km(P.lat[p], P.lon[p], V.lat[v], V.lon[v])
        d = np.where(P.has_location[p] & V.has_location[v], d, np.inf)
        return parts(self.pool, p, v, np.where(np.isfinite(d), d, 1e9), self.weights), d


def prepare(problem: Problem, progress: Progress | None = None) -> Prepared:
    return Prepared(problem, progress)


def match(problem: Problem, progress: Progress | None = None) -> Result:
    """The optimal assignment of `problem`, explained. Same input → same output."""
    prep = Prepared(problem, progress)
    P, V = prep.pool.participants, prep.pool.volunteers
    timings = dict(prep.timings)
    if progress:
        progress(0.0, "solve")
    started = time.perf_counter()
    chosen, status = prep.solve()
    timings["solve"] = time.perf_counter() - started
    if progress:
        progress(0.0, "explain")
    started = time.perf_counter()
    arcs = prep.arcs
    pairs_p = np.concatenate([arcs.p[chosen].astype(np.int64), np.array([a for a, _ in prep.locked], dtype=np.int64)])
    pairs_v = np.concatenate([arcs.v[chosen].astype(np.int64), np.array([b for _, b in prep.locked], dtype=np.int64)])
    is_locked = np.r_[np.zeros(len(chosen), dtype=bool), np.ones(len(prep.locked), dtype=bool)]
    alternatives = top_alternatives(arcs, chosen, V.ids)
    alt_arcs = np.concatenate(list(alternatives.values())) if alternatives else np.empty(0, dtype=np.int64)
    pair_parts, pair_d = prep.scored(pairs_p, pairs_v)
    alt_parts, alt_d = prep.scored(arcs.p[alt_arcs].astype(np.int64), arcs.v[alt_arcs].astype(np.int64))
    alt_row = {int(a): i for i, a in enumerate(alt_arcs)}

    def as_parts(column: np.ndarray) -> dict[str, int]:
        return {name: int(column[k]) for k, name in enumerate(CRITERIA)}

    assignments = []
    for j in np.argsort(P.ids[pairs_p], kind="stable"):
        pi, vi = int(pairs_p[j]), int(pairs_v[j])
        alts = tuple(
            Scored(int(V.ids[arcs.v[a]]), int(alt_parts[:, alt_row[int(a)]].sum()),
                   as_parts(alt_parts[:, alt_row[int(a)]]), float(alt_d[alt_row[int(a)]]))
            for a in alternatives.get(pi, ())
        )
        assignments.append(Assignment(
            participant_id=int(P.ids[pi]), volunteer_id=int(V.ids[vi]), score=int(pair_parts[:, j].sum()),
            parts=as_parts(pair_parts[:, j]), distance_km=float(pair_d[j]), locked=bool(is_locked[j]),
            alternatives=alts,
        ))
    matched_p = np.zeros(len(P), dtype=bool)
    matched_p[pairs_p] = True
    forbidden_by_p: dict[int, list[int]] = {}
    for key in prep.forbidden_keys:
        forbidden_by_p.setdefault(int(key) // len(V), []).append(int(key) % len(V))
    unmatched = []
    for pi in np.flatnonzero(~matched_p)[np.argsort(P.ids[~matched_p], kind="stable")]:
        reason, params = why_unmatched(prep.pool, int(pi), prep.capacity,
                                       np.array(forbidden_by_p.get(int(pi), []), dtype=np.int64))
        unmatched.append(Unmatched(int(P.ids[pi]), reason, params))
    timings["explain"] = time.perf_counter() - started
    if progress:
        progress(1.0, "explain")
    return Result(
        assignments=tuple(assignments), unmatched=tuple(unmatched),
        objective=int(sum(a.score for a in assignments)), matched=len(assignments),
        feasible_pairs=len(arcs), solver=SOLVER, status=status, timings=timings,
    )
