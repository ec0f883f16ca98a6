"""Why a participant got no volunteer, and the next best volunteers of those who got one."""

from __future__ import annotations

from typing import Any

import numpy as np

from matching.engine import model as m
from matching.engine.arrays import Pool, haversine_km
from matching.engine.score import Arcs


def why_unmatched(pool: Pool, i: int, capacity_left: np.ndarray, forbidden_v: np.ndarray) -> tuple[str, dict[str, Any]]:
    """Apply the hard rules one by one to all volunteers; the first that leaves none is the reason.

    `capacity_left` is after locked pairs; `forbidden_v` the volunteer indices forbidden for i.
    """
    P, V = pool.participants, pool.volunteers
    reach_km = int(round(float(V.max_km.max()))) if len(V) else 0
    if not P.consent[i]:
        return m.NO_CONSENT, {}
    if not P.has_location[i]:
        return m.NO_LOCATION, {}
    d = haversine_km(P.lat[i], P.lon[i], V.lat, V.lon)
    fit = V.has_location & (d <= V.max_km)
    if not fit.any():
        return m.NO_VOLUNTEER_NEARBY, {"km": reach_km}
    nearby = int(fit.sum())
    if not P.interpreter[i]:
        fit &= (V.languages & P.languages[i]) != 0
    if not fit.any():
        bits = {b: code for code, b in pool.language_bits.items()}
        languages = [bits[b] for b in sorted(bits) if int(P.languages[i]) >> b & 1]
        return m.NO_COMMON_LANGUAGE, {"km": reach_km, "languages": languages, "nearby": nearby}
    count = int(fit.sum())
    fit &= (V.slots & P.slots[i]) != 0
    if not fit.any():
        return m.NO_COMMON_TIME, {"count": count}
    count = int(fit.sum())
    fit &= (P.preference[i] == 0) | (V.gender == P.preference[i])
    fit &= (V.preference == 0) | (V.preference == P.gender[i])
    if not fit.any():
        return m.GENDER_PREFERENCE, {"count": count}
    count = int(fit.sum())
    fit &= V.screened
    if not fit.any():
        return m.SCREENING_INCOMPLETE, {"count": count}
    count = int(fit.sum())
    fit[forbidden_v] = False
    if not fit.any():
        return m.ONLY_FORBIDDEN, {"count": count}
    count = int(fit.sum())
    fit &= capacity_left > 0
    if not fit.any():
        return m.ALL_AT_CAPACITY, {"count": count}
    return m.TAKEN_BY_OTHERS, {"count": int(fit.sum())}


def top_alternatives(arcs: Arcs, chosen: np.ndarray, volunteer_ids: np.ndarray, k: int = 3) -> dict[int, np.ndarray]:
    """Per participant index, the indices of up to k best arcs other than the chosen ones."""
    keep = np.ones(len(arcs), dtype=bool)
    keep[chosen] = False
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        return {}
    # Best score first; ties by volunteer id, so the list is the same on every run.
    order = idx[np.lexsort((volunteer_ids[arcs.v[idx]], -arcs.score[idx], arcs.p[idx]))]
    p_sorted = arcs.p[order]
    starts = np.flatnonzero(np.r_[True, p_sorted[1:] != p_sorted[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.arange(len(order)) - group_start
    top = order[rank < k]
    result: dict[int, np.ndarray] = {}
    tp = arcs.p[top]
    bounds = np.flatnonzero(np.r_[True, tp[1:] != tp[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        result[int(tp[a])] = top[a:b]
    return result
