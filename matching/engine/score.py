"""Feasible pairs and their integer scores, vectorised.

Candidates come from a grid over projected coordinates (the spatial pre-filter), so a
10,000 × 10,000 pool never builds its 10^8 pairs: only volunteers in neighbouring cells are
looked at, then the exact great-circle distance and every hard rule are checked on those.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matching.engine.arrays import Pool, haversine_km
from matching.engine.model import CRITERIA, POINTS, WAITING_CAP_DAYS

# The equirectangular projection used for the grid is off by a few per cent over Belgium's
# latitudes; the grid reaches this much further so it never drops a pair within distance.
GRID_MARGIN = 1.05
CHUNK = 2000  # participants per block: bounds the memory of the candidate arrays


@dataclass(frozen=True)
class Arcs:
    """Feasible (participant, volunteer) pairs as indices into the pool, sorted by both."""

    p: np.ndarray  # int32 participant index
    v: np.ndarray  # int32 volunteer index
    score: np.ndarray  # int64 total score
    distance_km: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.p)


def popcount(x: np.ndarray) -> np.ndarray:
    counts: np.ndarray = np.bitwise_count(x).astype(np.int64)
    return counts


def _expand(lo: np.ndarray, hi: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row i, the positions lo[i]..hi[i]-1: (row per position, position)."""
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    row = np.repeat(rows, counts)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return row, starts + np.arange(total)


def parts(pool: Pool, p: np.ndarray, v: np.ndarray, d: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """Integer points per criterion for the pairs (p[i], v[i]): shape (len(CRITERIA), len(p))."""
    P, V = pool.participants, pool.volunteers
    raw: dict[str, np.ndarray] = {}
    raw["distance"] = np.clip(1.0 - d / np.maximum(V.max_km[v], 1e-9), 0.0, 1.0)
    raw["languages"] = np.minimum(popcount(P.languages[p] & V.languages[v]), 2) / 2.0
    raw["availability"] = np.minimum(
        popcount(P.slots[p] & V.slots[v]) / np.maximum(popcount(P.slots[p]), 1), 1.0)
    raw["interests"] = np.minimum(popcount(P.interests[p] & V.interests[v]), 3) / 3.0
    raw["age"] = (_age_fit(V.age[v], P.age_min[p], P.age_max[p]) + _age_fit(P.age[p], V.age_min[v], V.age_max[v])) / 2
    # Per participant (not per pair): the most their needs and uncovered domains can earn.
    need_max = 3 * P.levels.astype(np.int32).sum(axis=1)
    uncovered_max = 3 * P.uncovered.sum(axis=1)
    strengths = V.levels[v].astype(np.int16)
    fit = np.einsum("ij,ij->i", P.levels[p].astype(np.int16), strengths, dtype=np.int32)
    raw["needs"] = np.where(need_max[p] > 0, fit / np.maximum(need_max[p], 1), 0.0)
    covered = np.einsum("ij,ij->i", P.uncovered[p].astype(np.int16), strengths, dtype=np.int32)
    raw["network"] = np.where(uncovered_max[p] > 0, covered / np.maximum(uncovered_max[p], 1), 0.0)
    raw["waiting"] = np.minimum(P.waiting_days[p], WAITING_CAP_DAYS) / WAITING_CAP_DAYS
    out = np.empty((len(CRITERIA), len(p)), dtype=np.int64)
    for k, name in enumerate(CRITERIA):
        out[k] = np.rint(raw[name] * (float(weights.get(name, 0.0)) * POINTS)).astype(np.int64)
    return out


def _age_fit(age: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """1 inside the preferred range (or no preference/age unknown), down to 0 ten years out."""
    a = age.astype(np.int32)
    gap = np.zeros(len(a), dtype=np.int32)
    gap = np.where((lo >= 0) & (a >= 0) & (a < lo), lo - a, gap)
    gap = np.where((hi >= 0) & (a >= 0) & (a > hi), a - hi, gap)
    return np.clip(1.0 - gap / 10.0, 0.0, 1.0)


def feasible(pool: Pool, p: np.ndarray, v: np.ndarray, d: np.ndarray, forbidden_keys: np.ndarray) -> np.ndarray:
    """The hard rules on candidate pairs (usable people only: consent, screening, location and
    capacity are filtered before)."""
    ok: np.ndarray = (d <= pool.volunteers.max_km[v]) & rules_without_distance(pool, p, v, forbidden_keys)
    return ok


def rules_without_distance(pool: Pool, p: np.ndarray, v: np.ndarray, forbidden_keys: np.ndarray) -> np.ndarray:
    P, V = pool.participants, pool.volunteers
    ok: np.ndarray = ((P.languages[p] & V.languages[v]) != 0) | P.interpreter[p]
    ok &= (P.slots[p] & V.slots[v]) != 0
    ok &= (P.preference[p] == 0) | (P.preference[p] == V.gender[v])
    ok &= (V.preference[v] == 0) | (V.preference[v] == P.gender[p])
    if len(forbidden_keys):
        keys = p.astype(np.int64) * len(V) + v
        ok &= ~np.isin(keys, forbidden_keys, assume_unique=False)
    return ok


def projected(lat: np.ndarray, lon: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    return (lon * math.cos(lat0) * 6371.0088, lat * 6371.0088)


def candidate_arcs(
    pool: Pool,
    p_usable: np.ndarray,
    v_usable: np.ndarray,
    weights: dict[str, float],
    forbidden_keys: np.ndarray,
    progress: Callable[[float], None] | None = None,
) -> Arcs:
    """Every feasible pair among the usable participants and volunteers, scored."""
    P, V = pool.participants, pool.volunteers
    p_idx = np.flatnonzero(p_usable)
    v_idx = np.flatnonzero(v_usable)
    empty = Arcs(np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.float64))
    if len(p_idx) == 0 or len(v_idx) == 0:
        return empty
    lat0 = float(np.concatenate([P.lat[p_idx], V.lat[v_idx]]).mean())
    px, py = projected(P.lat, P.lon, lat0)
    vx, vy = projected(V.lat, V.lon, lat0)
    cell = max(1.0, float(np.median(V.max_km[v_idx])) * GRID_MARGIN)
    pcx, pcy = np.floor(px / cell).astype(np.int64), np.floor(py / cell).astype(np.int64)
    vcx, vcy = np.floor(vx / cell).astype(np.int64), np.floor(vy / cell).astype(np.int64)
    stride = int(max(pcy.max(initial=0), vcy.max(initial=0)) - min(pcy.min(initial=0), vcy.min(initial=0))) + 64
    # Volunteers who travel further than a cell look at more cells around them.
    reach = np.ceil(V.max_km * GRID_MARGIN / cell).astype(np.int64)
    groups = []
    for r in np.unique(reach[v_idx]):
        members = v_idx[reach[v_idx] == r]
        keys = vcx[members] * stride + vcy[members]
        order = np.lexsort((members, keys))
        groups.append((int(r), members[order], keys[order]))

    out_p, out_v, out_s, out_d = [], [], [], []
    chunks = [p_idx[i:i + CHUNK] for i in range(0, len(p_idx), CHUNK)]
    for done, chunk in enumerate(chunks, start=1):
        cand_p, cand_v = [], []
        for r, members, keys in groups:
            for dx in range(-r, r + 1):
                for dy in range(-r, r + 1):
                    want = (pcx[chunk] + dx) * stride + (pcy[chunk] + dy)
                    lo = np.searchsorted(keys, want, side="left")
                    hi = np.searchsorted(keys, want, side="right")
                    rows, pos = _expand(lo, hi, chunk)
                    if len(rows):
                        cand_p.append(rows)
                        cand_v.append(members[pos])
        if cand_p:
            cp = np.concatenate(cand_p)
            cv = np.concatenate(cand_v)
            # The cheap rules first (bitmasks), so the distance is computed for far fewer pairs.
            ok = rules_without_distance(pool, cp, cv, forbidden_keys)
            cp, cv = cp[ok], cv[ok]
            d = haversine_km(P.lat[cp], P.lon[cp], V.lat[cv], V.lon[cv])
            ok = d <= V.max_km[cv]
            cp, cv, d = cp[ok], cv[ok], d[ok]
            out_p.append(cp.astype(np.int32))
            out_v.append(cv.astype(np.int32))
            out_s.append(parts(pool, cp, cv, d, weights).sum(axis=0))
            out_d.append(d)
        if progress is not None:
            progress(done / len(chunks))
    if not out_p:
        return empty
    p = np.concatenate(out_p)
    v = np.concatenate(out_v)
    order = np.lexsort((v, p))  # a fixed order: same input, same arcs, same solution
    return Arcs(p[order], v[order], np.concatenate(out_s)[order], np.concatenate(out_d)[order])
