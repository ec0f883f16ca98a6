"""Person records → numpy arrays: bitmasks for sets (languages, time slots, interests), level
matrices for life domains, projected coordinates for the spatial pre-filter."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from matching.engine.model import Participant, Person, Problem, Volunteer

EARTH_RADIUS_KM = 6371.0088
GENDER_CODES = {"f": 1, "m": 2, "x": 3}
PREFERENCE_CODES = {"f": 1, "m": 2}


def vocabulary(*groups: Iterable[Iterable[str]]) -> dict[str, int]:
    """One bit per code seen on either side, in sorted order (so the encoding is deterministic)."""
    codes = sorted({code for group in groups for codes in group for code in codes})
    if len(codes) > 64:
        raise ValueError(f"at most 64 distinct codes fit a bitmask, got {len(codes)}")
    return {code: i for i, code in enumerate(codes)}


def bitmasks(sets: Sequence[Iterable[str]], bits: dict[str, int]) -> np.ndarray:
    out = np.zeros(len(sets), dtype=np.uint64)
    for i, codes in enumerate(sets):
        mask = 0
        for code in codes:
            mask |= 1 << bits[code]
        out[i] = mask
    return out


@dataclass(frozen=True)
class Side:
    ids: np.ndarray  # int64
    has_location: np.ndarray  # bool
    lat: np.ndarray  # radians (0 where unknown)
    lon: np.ndarray
    languages: np.ndarray  # uint64 bitmask
    slots: np.ndarray
    interests: np.ndarray
    gender: np.ndarray  # int8: 0 unknown, 1 f, 2 m, 3 x
    preference: np.ndarray  # int8: 0 any, 1 f, 2 m
    age: np.ndarray  # int16, -1 unknown
    age_min: np.ndarray  # int16, -1 none
    age_max: np.ndarray
    levels: np.ndarray  # (n, domains) uint8: needs (participants) or strengths (volunteers)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class ParticipantArrays(Side):
    uncovered: np.ndarray  # (n, domains) bool
    waiting_days: np.ndarray  # int32
    interpreter: np.ndarray  # bool
    consent: np.ndarray  # bool


@dataclass(frozen=True)
class VolunteerArrays(Side):
    capacity: np.ndarray  # int32, capacity left
    max_km: np.ndarray  # float64
    screened: np.ndarray  # bool


@dataclass(frozen=True)
class Pool:
    participants: ParticipantArrays
    volunteers: VolunteerArrays
    domains: tuple[str, ...]
    language_bits: dict[str, int]


def _side(people: Sequence[Person], domains: tuple[str, ...], levels_of: str,
          bits: tuple[dict[str, int], dict[str, int], dict[str, int]]) -> dict[str, np.ndarray]:
    n = len(people)
    has_loc = np.array([p.latitude is not None and p.longitude is not None for p in people], dtype=bool)
    lat = np.radians(np.array([p.latitude if p.latitude is not None else 0.0 for p in people], dtype=np.float64))
    lon = np.radians(np.array([p.longitude if p.longitude is not None else 0.0 for p in people], dtype=np.float64))
    levels = np.zeros((n, len(domains)), dtype=np.uint8)
    index = {d: i for i, d in enumerate(domains)}
    for i, p in enumerate(people):
        for domain, level in getattr(p, levels_of).items():
            if domain in index and level:
                levels[i, index[domain]] = max(0, min(3, int(level)))

    def ages(attr: str) -> np.ndarray:
        return np.array([-1 if getattr(p, attr) is None else getattr(p, attr) for p in people], dtype=np.int16)

    return {
        "ids": np.array([p.id for p in people], dtype=np.int64),
        "has_location": has_loc, "lat": lat, "lon": lon,
        "languages": bitmasks([p.languages for p in people], bits[0]),
        "slots": bitmasks([p.availability for p in people], bits[1]),
        "interests": bitmasks([p.interests for p in people], bits[2]),
        "gender": np.array([GENDER_CODES.get(p.gender, 0) for p in people], dtype=np.int8),
        "preference": np.array([PREFERENCE_CODES.get(p.gender_preference, 0) for p in people], dtype=np.int8),
        "age": ages("age"), "age_min": ages("preferred_age_min"), "age_max": ages("preferred_age_max"),
        "levels": levels,
    }


def encode(problem: Problem) -> Pool:
    ps: tuple[Participant, ...] = problem.participants
    vs: tuple[Volunteer, ...] = problem.volunteers
    domains = problem.life_domains
    bits = (
        vocabulary([p.languages for p in ps], [v.languages for v in vs]),
        vocabulary([p.availability for p in ps], [v.availability for v in vs]),
        vocabulary([p.interests for p in ps], [v.interests for v in vs]),
    )
    p_common = _side(ps, domains, "needs", bits)
    uncovered = np.zeros((len(ps), len(domains)), dtype=bool)
    index = {d: i for i, d in enumerate(domains)}
    for i, p in enumerate(ps):
        if p.uncovered_domains is None:
            # No network map known: every domain where the participant has a need counts.
            uncovered[i] = p_common["levels"][i] > 0
        else:
            for domain in p.uncovered_domains:
                if domain in index:
                    uncovered[i, index[domain]] = True
    participants = ParticipantArrays(
        **p_common, uncovered=uncovered,
        waiting_days=np.array([max(0, p.waiting_days) for p in ps], dtype=np.int32),
        interpreter=np.array([p.interpreter_arranged for p in ps], dtype=bool),
        consent=np.array([p.consent for p in ps], dtype=bool),
    )
    volunteers = VolunteerArrays(
        **_side(vs, domains, "strengths", bits),
        capacity=np.array([max(0, v.capacity_left) for v in vs], dtype=np.int32),
        max_km=np.array([float(v.max_travel_km) for v in vs], dtype=np.float64),
        screened=np.array([v.screening_complete for v in vs], dtype=bool),
    )
    if len(np.unique(participants.ids)) != len(ps) or len(np.unique(volunteers.ids)) != len(vs):
        raise ValueError("participant and volunteer ids must be unique")
    return Pool(participants, volunteers, domains, bits[0])


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between points given in radians (arrays broadcast)."""
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    km: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return km
