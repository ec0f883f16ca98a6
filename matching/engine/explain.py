"""Why a participant got no volunteer, and the next best volunteers of those who got one."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from matching.engine import model as m
from matching.engine.arrays import Pool, haversine_km
from matching.engine.score import Arcs


def _km_up(km: float) -> float | int:
    """A distance for a sentence, rounded *up* to 100 m: "lives 3.1 km away, travels up to 3 km"
    stays true when the exact distance is 3.04 km (rounding to the nearest would print 3.0)."""
    value = math.ceil(round(float(km) * 10, 6)) / 10
    return int(value) if value.is_integer() else value


def _km(km: float) -> float | int:
    """A travel limit for a sentence, to 100 m (limits are whole kilometres in practice)."""
    value = round(float(km), 1)
    return int(value) if value.is_integer() else value


def why_unmatched(pool: Pool, i: int, capacity_left: np.ndarray, forbidden_v: np.ndarray) -> tuple[str, dict[str, Any]]:
    """Apply the hard rules one by one to all volunteers; the first that leaves none is the reason.

    `capacity_left` is after locked pairs; `forbidden_v` the volunteer indices forbidden for i.
    Every number in the params makes the sentence of matching/texts.py literally true: a
    distance is the real distance of a named volunteer (rounded up), a limit that volunteer's
    own, a count the volunteers left by the rules before the one that fails. "Can travel to the
    participant" means: has a known location within their *own* travel limit, which is the
    distance rule the solver applies (score.feasible).
    """
    P, V = pool.participants, pool.volunteers
    if not P.consent[i]:
        return m.NO_CONSENT, {}
    if not P.has_location[i]:
        return m.NO_LOCATION, {}
    d = haversine_km(P.lat[i], P.lon[i], V.lat, V.lon)
    located = V.has_location.copy()
    fit = located & (d <= V.max_km)
    if not fit.any():
        if not located.any():
            return m.NO_VOLUNTEER_NEARBY, {"located": 0}
        nearest = int(np.flatnonzero(located)[np.argmin(d[located])])
        return m.NO_VOLUNTEER_NEARBY, {
            "km": _km(float(V.max_km[located].max())),  # the furthest any located volunteer travels
            "nearest_km": _km_up(float(d[nearest])), "nearest_max_km": _km(float(V.max_km[nearest])),
        }
    nearby = int(fit.sum())
    if not P.interpreter[i]:
        speaks = (V.languages & P.languages[i]) != 0
        fit &= speaks
        if not fit.any():
            bits = {b: code for code, b in pool.language_bits.items()}
            languages = [bits[b] for b in sorted(bits) if int(P.languages[i]) >> b & 1]
            params: dict[str, Any] = {"languages": languages, "nearby": nearby}
            # Every located speaker lives beyond their own limit (else fit would hold one): name
            # the nearest, so "within N km" is never claimed of a radius that holds a speaker.
            speakers = located & speaks
            if speakers.any():
                nearest = int(np.flatnonzero(speakers)[np.argmin(d[speakers])])
                params.update(speaker_km=_km_up(float(d[nearest])), speaker_max_km=_km(float(V.max_km[nearest])))
            else:
                params["speaker_km"] = None  # no volunteer with a known location speaks them
            return m.NO_COMMON_LANGUAGE, params
    count = int(fit.sum())
    fit &= (V.slots & P.slots[i]) != 0
    if not fit.any():
        # With an interpreter arranged the language rule was skipped: the count is of
        # volunteers who can travel there, not of volunteers who speak a common language.
        return m.NO_COMMON_TIME, {"count": count, "interpreter": True} if P.interpreter[i] else {"count": count}
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
    # Each of these has room, fits every hard rule and was not given to this participant: the
    # solver matches as many participants as it can first, so the assignment filled them all.
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
