"""Plain data in and out of the matching engine (no Django, no project imports).

Inputs are one record per person, built by the services from the database (or by a benchmark
from synthetic data); outputs are integer scores with their parts, so every proposal can be
explained and two runs on the same input give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The criteria, in the order their parts are shown. A project sets one weight per criterion.
CRITERIA: tuple[str, ...] = (
    "distance", "languages", "availability", "interests", "age", "needs", "network", "waiting",
)
DEFAULT_WEIGHTS: dict[str, float] = {
    "distance": 3.0, "languages": 1.0, "availability": 2.0, "interests": 1.0,
    "age": 0.5, "needs": 3.0, "network": 2.0, "waiting": 2.0,
}
# A criterion fully met with weight 1 is worth this many points: scores are whole numbers, so
# the optimum is exact to the last point and solvers can be compared without rounding.
POINTS = 100
# Waiting time stops adding priority after a year (everyone waiting longer is equally urgent).
WAITING_CAP_DAYS = 365


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    latitude: float | None
    longitude: float | None
    languages: tuple[str, ...] = ()
    availability: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    gender: str = ""  # "f", "m", "x" or "" (unknown)
    gender_preference: str = "any"  # of the other person: "any", "f" or "m"
    age: int | None = None
    preferred_age_min: int | None = None
    preferred_age_max: int | None = None


@dataclass(frozen=True, slots=True)
class Participant(Person):
    needs: dict[str, int] = field(default_factory=dict)  # life domain → 0..3
    # Life domains without a supportive informal tie on the latest network map; None = no map
    # known, then every domain with a need counts as uncovered.
    uncovered_domains: frozenset[str] | None = None
    waiting_days: int = 0
    interpreter_arranged: bool = False
    consent: bool = True


@dataclass(frozen=True, slots=True)
class Volunteer(Person):
    strengths: dict[str, int] = field(default_factory=dict)  # life domain → 0..3
    capacity_left: int = 1  # capacity minus open duos
    max_travel_km: float = 10.0
    screening_complete: bool = True


@dataclass(frozen=True, slots=True)
class Problem:
    participants: tuple[Participant, ...]
    volunteers: tuple[Volunteer, ...]
    life_domains: tuple[str, ...]
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    forbidden: frozenset[tuple[int, int]] = frozenset()  # (participant id, volunteer id)
    locked: tuple[tuple[int, int], ...] = ()  # (participant id, volunteer id), kept as they are


@dataclass(frozen=True, slots=True)
class Scored:
    volunteer_id: int
    score: int
    parts: dict[str, int]
    distance_km: float


@dataclass(frozen=True, slots=True)
class Assignment:
    participant_id: int
    volunteer_id: int
    score: int
    parts: dict[str, int]
    distance_km: float
    locked: bool
    alternatives: tuple[Scored, ...]  # the next best feasible volunteers, best first (at most 3)


@dataclass(frozen=True, slots=True)
class Unmatched:
    """Why a participant got no volunteer: a reason code and the numbers to say it in words."""

    participant_id: int
    reason: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Result:
    assignments: tuple[Assignment, ...]
    unmatched: tuple[Unmatched, ...]
    objective: int  # total score of all assignments (locked pairs included)
    matched: int
    feasible_pairs: int
    solver: str
    status: str
    timings: dict[str, float]


# Why-unmatched reason codes, checked in this order for each participant left without a
# volunteer: the first filter that leaves no volunteer names the reason.
NO_CONSENT = "no_consent"
NO_LOCATION = "no_location"
NO_VOLUNTEER_NEARBY = "no_volunteer_nearby"
NO_COMMON_LANGUAGE = "no_common_language"
NO_COMMON_TIME = "no_common_time"
GENDER_PREFERENCE = "gender_preference"
SCREENING_INCOMPLETE = "screening_incomplete"
ONLY_FORBIDDEN = "only_forbidden"
ALL_AT_CAPACITY = "all_at_capacity"
TAKEN_BY_OTHERS = "taken_by_others"
REASONS: tuple[str, ...] = (
    NO_CONSENT, NO_LOCATION, NO_VOLUNTEER_NEARBY, NO_COMMON_LANGUAGE, NO_COMMON_TIME,
    GENDER_PREFERENCE, SCREENING_INCOMPLETE, ONLY_FORBIDDEN, ALL_AT_CAPACITY, TAKEN_BY_OTHERS,
)
