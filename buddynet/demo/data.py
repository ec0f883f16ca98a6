"""The demo data set behind `manage.py demo`: a realistic Flemish buddy world, same every run.

Two organisations, three projects (Gent, Antwerpen, Brugge-Oostende), about 60 volunteers and
80 participants in real Flemish postcodes, duos in every state, goals, and six months of
check-ins — times `scale`. Everything comes from one `random.Random(SEED)`, and dates are
counted back from today, so two runs on the same day give the same rows.

What is demo data, and so may be deleted and rebuilt:
- the organisations in ORGANISATIONS, recognised by name *and* enterprise number (an
  organisation that only shares the name is someone's real data: we refuse to touch it),
  with everything in their projects;
- users whose e-mail ends in @buddynet.demo (with their memberships).
The funder is shared with real data (the Flemish government funds real projects too): it is
fetched or created, never deleted.

Rows are written with bulk_create, not through the services: at --scale 10 the services'
per-row locking and events would make the command slow, and replaying history through them
would emit events (notifications) for months-old check-ins. The plan below keeps the same
invariants the services enforce (screening complete, consent given, one open duo per
participant, open duos within capacity, dates in lifecycle order, no check-in in the future or
before the proposal), and `problems()` checks them in the database before the transaction
commits.

This module is a development tool in its own app above the records and the features (it may
import them all; no record app imports it).
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import connection, models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from buddynet import vocabulary as v
from buddynet.dates import add_months
from buddynet.demo import texts as t
from buddynet.demo.network import add_network_maps
from buddynet.demo.support import add_support_loop, remove_support_loop
from buddynet.features.funding.models import (
    AllowanceCap,
    AllowancePayment,
    BudgetLine,
    DeclaredAllowance,
    Expense,
    Grant,
    ProgressReport,
    ReportingObligation,
    Tranche,
)
from buddynet.records.accounts.models import Membership, Role, SupportAccess, User
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos.models import (
    OPEN_STATUSES,
    Activity,
    CheckIn,
    CheckInMode,
    ClosureReason,
    Duo,
    DuoStatus,
    Goal,
    NextStep,
)
from buddynet.records.people import postcodes
from buddynet.records.people.models import (
    NETWORK_SCOPES,
    ConsentEvent,
    Funder,
    Organisation,
    Participant,
    Project,
    Volunteer,
)
from buddynet.records.people.screening import extract_valid_until, screening_problems

SEED = 2026
# Printed for everyone to use: a demo password, not a secret. ("buddynet-demo" is refused by
# the password validators: too much like the e-mail addresses.)
PASSWORD = "buddy-demo-2026"  # noqa: S105
DOMAIN = "buddynet.demo"
FUNDER_NAME = "Departement Welzijn, Volksgezondheid en Gezin"
HISTORY_DAYS = 195  # the oldest duo was proposed this long ago: about six months of check-ins


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    kind: str
    enterprise_number: str  # the marker that tells the demo organisation from a real namesake


ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation("OCMW Gent", Organisation.Kind.OCMW, "0999.000.101"),
    DemoOrganisation("vzw Samen Sterk", Organisation.Kind.NONPROFIT, "0999.000.202"),
)
# More organisations for the umbrella world (issue 20): numbered, with enterprise numbers in a
# range of their own (0999.100.xxx), so remove() still tells them from a real namesake.
EXTRA_ORGANISATION_PREFIX = "Buddywerking "
EXTRA_ENTERPRISE_PREFIX = "0999.100."


def organisation_specs(n: int) -> tuple[DemoOrganisation, ...]:
    """The first `n` demo organisations: the two of the small demo, then numbered ones."""
    kinds = (Organisation.Kind.NONPROFIT, Organisation.Kind.OCMW)
    extra = tuple(DemoOrganisation(f"{EXTRA_ORGANISATION_PREFIX}{k:03d}", kinds[k % 2],
                                   f"{EXTRA_ENTERPRISE_PREFIX}{k:03d}")
                  for k in range(1, max(0, n - len(ORGANISATIONS)) + 1))
    return ORGANISATIONS[:n] + extra


@dataclass(frozen=True)
class World:
    """How big and how old the demo world is. The default is the small demo; TARGET is the size of
    a real umbrella deployment (issue 20): 150 projects in 40 organisations, about 3,000
    volunteers, 4,000 participants, 5,000 duos over three years, 250,000 check-ins, 10,000
    network maps, 600 grants and 30,000 expenses."""

    projects: int = 3
    organisations: int = 2
    years: int = 1  # 1: about six months of duos in a project that started last January; 3: three years
    grants_per_project: int = 1

    @property
    def history_days(self) -> int:
        return HISTORY_DAYS if self.years <= 1 else 365 * self.years - 60

    @property
    def closed_share(self) -> float:
        """Closed duos per participant: a project of three years has seen many duos come and go."""
        return 0.25 if self.years <= 1 else 0.7

    def project_start(self, today: date) -> date:
        return date(today.year - max(1, self.years - 1), 1, 1)


TARGET = World(projects=150, organisations=40, years=3, grants_per_project=4)


@dataclass(frozen=True)
class ProjectSpec:
    organisation: int  # index into ORGANISATIONS
    name: str
    region: t.Region
    volunteers: int
    participants: int
    planned_duo_months: int = 12
    max_travel_km: int = 10


def project_specs(*, projects: int, scale: int, organisations: int = 2) -> list[ProjectSpec]:
    """Three projects by default (24+20+16 volunteers, 32+27+21 participants); more for benchmarks."""
    base = [
        ProjectSpec(0, "Persoonlijke vriend Gent", t.GENT, 24, 32),
        ProjectSpec(1, "Buddy's Antwerpen", t.ANTWERPEN, 20, 27),
        ProjectSpec(1, "Buddy's Brugge-Oostende", t.BRUGGE, 16, 21, planned_duo_months=6, max_travel_km=25),
    ][:projects]
    for i in range(projects - len(base)):
        region = t.EXTRA_REGIONS[i % len(t.EXTRA_REGIONS)]
        suffix = f" {i // len(t.EXTRA_REGIONS) + 1}" if i >= len(t.EXTRA_REGIONS) else ""
        # Spread over the organisations (the small demo: all with the second one).
        org = 1 if organisations <= 2 else (i + 2) % organisations
        base.append(ProjectSpec(org, f"Buddy's {region.city}{suffix}", region, 20, 27))
    return [
        ProjectSpec(s.organisation, s.name, s.region, s.volunteers * scale, s.participants * scale,
                    s.planned_duo_months, s.max_travel_km)
        for s in base
    ]


class DemoConflict(Exception):
    """The database holds real data where the demo would go; nothing was changed."""


class DemoRefused(DemoConflict):
    """Production (SECURE=true, or a database marked by `manage.py first_admin`): no demo, whose
    administrator's password is printed for everyone."""


def refuse_in_production() -> None:
    """The one check that keeps the demo out of production; build() calls it, so every caller gets it."""
    from django.conf import settings

    from buddynet.deployment.selectors import production_marker

    if getattr(settings, "SECURE", False):
        raise DemoRefused(
            "Refused: SECURE=true means production, and the demo adds logins whose password is published. "
            "Load the demo without SECURE, on its own database."
        )
    marker = production_marker()
    if marker is not None:
        raise DemoRefused(
            f"Refused: this database was set up for production (manage.py first_admin, "
            f"{marker.marked_at:%Y-%m-%d}); the demo adds logins whose password is published. "
            "Load the demo into another database (DATABASE_URL)."
        )


@dataclass
class Login:
    role: str
    email: str
    who: str


@dataclass
class Summary:
    scale: int
    password: str
    logins: list[Login]
    counts: dict[str, int]
    duo_states: dict[str, int]
    first_check_in: date | None
    last_check_in: date | None


# --- Plan ---------------------------------------------------------------------------------
@dataclass
class DuoPlan:
    participant: Participant
    status: str
    closure_reason: str = ""
    next_step: str = ""
    closed_from: str = ""  # the state a closed duo was in when it closed
    proposed_on: date | None = None
    introduced_on: date | None = None
    started_on: date | None = None
    paused_on: date | None = None
    closed_on: date | None = None
    quiet: bool = False
    volunteer: Volunteer | None = None
    obj: Duo | None = None


@dataclass
class Slot:
    """One unit of a volunteer's capacity: duos follow each other in it, the last may be open."""

    volunteer: Volunteer
    free_from: date
    open: bool = False


@dataclass
class ProjectPlan:
    project: Project
    coordinator: User
    volunteers: list[Volunteer] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    duos: list[DuoPlan] = field(default_factory=list)


T = TypeVar("T")

# Which closures a project's closed duos show, cycled: (state it closed from, reason, next step).
CLOSURES: tuple[tuple[str, str, str], ...] = (
    (DuoStatus.ACTIVE, ClosureReason.GOALS_REACHED, NextStep.END),
    (DuoStatus.INTRODUCED, ClosureReason.NO_CLICK, NextStep.REMATCH),
    (DuoStatus.ACTIVE, ClosureReason.VOLUNTEER_STOPPED, NextStep.REMATCH),
    (DuoStatus.ACTIVE, ClosureReason.PLANNED_END, NextStep.END),
    (DuoStatus.ACTIVE, ClosureReason.MOVED, NextStep.REFERRAL),
    (DuoStatus.PROPOSED, ClosureReason.NOT_STARTED, NextStep.REMATCH),
    (DuoStatus.ACTIVE, ClosureReason.PARTICIPANT_STOPPED, NextStep.END),
    (DuoStatus.ACTIVE, ClosureReason.REFERRED, NextStep.REFERRAL),
    (DuoStatus.ACTIVE, ClosureReason.HEALTH, NextStep.REFERRAL),
    (DuoStatus.ACTIVE, ClosureReason.CONFLICT, NextStep.REMATCH),
    (DuoStatus.PAUSED, ClosureReason.OTHER, NextStep.END),
)
EVALUATIONS: dict[str, tuple[int, int]] = {  # (lowest, highest) score given at closure
    ClosureReason.GOALS_REACHED: (4, 5), ClosureReason.PLANNED_END: (3, 5),
    ClosureReason.NO_CLICK: (1, 3), ClosureReason.CONFLICT: (1, 2), ClosureReason.NOT_STARTED: (1, 2),
}
# The youngest a duo in each open state can be, in days since its proposal.
MIN_AGE = {DuoStatus.PROPOSED: 0, DuoStatus.INTRODUCED: 8, DuoStatus.ACTIVE: 25, DuoStatus.PAUSED: 60}
MISFIT = -3.0  # a pair scoring below this shares no language or ignores a gender wish
DOWNGRADE = {DuoStatus.PAUSED: DuoStatus.ACTIVE, DuoStatus.ACTIVE: DuoStatus.INTRODUCED,
             DuoStatus.INTRODUCED: DuoStatus.PROPOSED}


def ascii_slug(text: str) -> str:
    text = text.translate(str.maketrans({"ı": "i", "İ": "I", "ł": "l", "Ł": "L"}))
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class Builder:
    def __init__(self, *, scale: int, projects: int, seed: int = SEED, world: World | None = None) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.world = world or World(projects=projects)
        self.history_days = self.world.history_days
        # Days between two check-ins, drawn from: the umbrella world's projects (issue 20) log about weekly.
        # (Calls, messages and visits together: about 50 per duo, 250,000 in all, at the target size.)
        self.gaps = (5, 7, 7, 10, 14, 14, 14, 21) if self.world.years <= 1 else (2, 2, 3, 3)
        self.min_gap = 3 if self.world.years <= 1 else 2
        self.specs = project_specs(projects=self.world.projects, scale=scale,
                                   organisations=self.world.organisations)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.emails: set[str] = set()

    # Small helpers over the one random generator, so every draw comes from the seed.
    def days(self, lo: int, hi: int) -> timedelta:
        return timedelta(days=self.rng.randint(lo, hi))

    def between(self, lo: date, hi: date) -> date:
        return lo + timedelta(days=self.rng.randint(0, max(0, (hi - lo).days)))

    def weighted(self, pairs: tuple[tuple[T, float], ...]) -> T:
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights)[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # --- People -------------------------------------------------------------------------
    def _identity(self, origins: tuple[tuple[str, float], ...], genders: tuple[tuple[str, float], ...]
                  ) -> tuple[str, str, str, str]:
        key = self.weighted(origins)
        origin = t.ORIGINS[key]
        gender = self.weighted(genders)
        names = origin.female if gender == "f" else origin.male if gender == "m" else origin.female + origin.male
        return key, gender, self.rng.choice(names), self.rng.choice(origin.last)

    def _place(self, person: Participant | Volunteer, region: t.Region) -> None:
        place = postcodes.lookup(self.rng.choice(region.postcodes))
        assert place is not None, "every demo postcode is a real Belgian postcode"
        person.postcode, person.municipality = place.postcode, place.municipality
        person.latitude, person.longitude = place.latitude, place.longitude

    def _languages(self, origin_key: str, *, volunteer: bool) -> list[str]:
        origin = t.ORIGINS[origin_key]
        chosen = [origin.languages[0][0]]
        chosen += [code for code, p in origin.languages[1:] if self.chance(p)]
        if volunteer or self.chance(origin.dutch):
            chosen.append("nl")
        if volunteer and self.chance(0.4):
            chosen.append("en")
        order = list(v.LANGUAGES)
        return sorted(set(chosen), key=order.index)

    def _slots(self, days: tuple[str, ...], parts: tuple[str, ...], k: int) -> list[str]:
        pool = [f"{d}_{p}" for d in days for p in parts]
        chosen = self.rng.sample(pool, min(k, len(pool)))
        return [s for s in v.AVAILABILITY_SLOTS if s in chosen]

    def _levels(self, weights: dict[str, float], always: str, lo: int) -> dict[str, int]:
        levels = {always: self.rng.randint(lo, 3)}
        for domain, p in weights.items():
            if domain != always and self.chance(p):
                levels[domain] = self.rng.randint(1, 3)
        return {d: levels[d] for d in v.LIFE_DOMAINS if d in levels}

    def _volunteer(self, project: Project, region: t.Region) -> Volunteer:
        origin, gender, first, last = self._identity(t.VOLUNTEER_ORIGINS, (("f", 0.68), ("m", 0.31), ("x", 0.01)))
        life = self.weighted((("student", 0.2), ("working", 0.45), ("retired", 0.35)))
        age = {"student": self.rng.randint(19, 26), "working": self.rng.randint(27, 62),
               "retired": self.rng.randint(63, 79)}[life]
        if life == "retired":
            availability = self._slots(v.DAYS[:5], ("morning", "afternoon"), self.rng.randint(3, 7))
        elif life == "student":
            availability = self._slots(v.DAYS, ("afternoon", "evening"), self.rng.randint(3, 6))
        else:
            availability = self._slots(v.DAYS[:5], ("evening",), self.rng.randint(1, 3)) + self._slots(
                v.DAYS[5:], ("morning", "afternoon"), self.rng.randint(1, 3))
            availability = [s for s in v.AVAILABILITY_SLOTS if s in availability]
        volunteer = Volunteer(
            project=project, first_name=first, last_name=last, gender=gender,
            birth_year=self.today.year - age,
            mobility=self.weighted((("bike", 0.35), ("car", 0.35), ("public_transport", 0.25), ("walk", 0.05))),
            languages=self._languages(origin, volunteer=True),
            interests=sorted(self.rng.sample(list(v.Interest.values), self.rng.randint(2, 5)),
                             key=list(v.Interest.values).index),
            availability=availability,
            strengths=self._levels(
                {"administration": 0.45, "leisure": 0.45, "health": 0.2, "income": 0.25, "work": 0.25,
                 "education": 0.25, "housing": 0.15, "mobility": 0.2, "childcare": 0.1}, "social", 1),
            max_travel_km=self.rng.choice((None, None, None, 5, 15, 20)),
            notes=self.rng.choice(t.VOLUNTEER_NOTES) if self.chance(0.15) else "",
        )
        if self.chance(0.05) and gender in ("f", "m"):
            volunteer.gender_preference = gender
        self._place(volunteer, region)
        return volunteer

    def _participant(self, project: Project, region: t.Region) -> Participant:
        origin, gender, first, last = self._identity(t.PARTICIPANT_ORIGINS, (("f", 0.55), ("m", 0.43), ("x", 0.02)))
        age = round(self.rng.triangular(22, 88, 60) if origin == "flemish" else self.rng.triangular(19, 70, 38))
        languages = self._languages(origin, volunteer=False)
        needs = self._levels(
            {"administration": 0.5, "income": 0.45, "housing": 0.35, "health": 0.35, "leisure": 0.3,
             "work": 0.2 if age < 60 else 0.0, "education": 0.15 if origin == "flemish" else 0.55,
             "mobility": 0.2, "childcare": 0.3 if age < 45 else 0.0}, "social", 2)
        participant = Participant(
            project=project, first_name=first, last_name=last, gender=gender,
            birth_year=self.today.year - age,
            mobility=self.weighted((("public_transport", 0.45), ("walk", 0.25), ("bike", 0.15), ("limited", 0.1),
                                    ("car", 0.05))),
            languages=languages,
            interests=sorted(self.rng.sample(list(v.Interest.values), self.rng.randint(2, 4)),
                             key=list(v.Interest.values).index),
            availability=self._slots(v.DAYS, ("morning", "afternoon", "evening"), self.rng.randint(3, 8)),
            referred_by=self.rng.choice(t.REFERRERS),
            needs=needs,
        )
        if "nl" not in languages:
            participant.interpreter_arranged = self.chance(0.5)
            participant.notes = t.INTERPRETER_NOTE
        elif self.chance(0.3):
            participant.notes = self.rng.choice(t.PARTICIPANT_NOTES)
        if gender == "f" and self.chance(0.25):
            participant.gender_preference = "f"
        elif gender == "m" and self.chance(0.05):
            participant.gender_preference = "m"
        if self.chance(0.1):
            ages = self.rng.choice(((25, 50), (40, 70), (18, 40)))
            participant.preferred_age_min, participant.preferred_age_max = ages
        self._place(participant, region)
        return participant

    # --- Duo dates ----------------------------------------------------------------------
    def _open_dates(self, plan: DuoPlan, earliest: date | None) -> None:
        today = self.today
        # An open duo is younger than about fifteen months, however long the project has run.
        lo = today - timedelta(days=min(self.history_days, 450))
        if earliest is not None and earliest > lo:
            lo = earliest
        while plan.status != DuoStatus.PROPOSED and today - timedelta(days=MIN_AGE[plan.status]) < lo:
            plan.status = DOWNGRADE[plan.status]
        hi = today - timedelta(days=MIN_AGE[plan.status])
        if plan.status == DuoStatus.PROPOSED:
            lo = max(lo, today - timedelta(days=14))
        elif plan.status == DuoStatus.INTRODUCED:
            lo = max(lo, today - timedelta(days=40))
        plan.proposed_on = p = self.between(lo, hi)
        if plan.status == DuoStatus.PROPOSED:
            return
        plan.introduced_on = i = p + self.days(4, min(14, (today - p).days))
        if plan.status == DuoStatus.INTRODUCED:
            return
        plan.started_on = s = i + self.days(0, min(14, (today - i).days - 3))
        if plan.status == DuoStatus.PAUSED:
            plan.paused_on = today - self.days(5, min(60, (today - s).days - 21))

    def _closed_dates(self, plan: DuoPlan, latest: date, planned_months: int) -> bool:
        """Dates of a duo that closed no later than `latest`; False when that does not fit."""
        lo = self.today - timedelta(days=self.history_days)
        room = {DuoStatus.PROPOSED: 7, DuoStatus.INTRODUCED: 35, DuoStatus.ACTIVE: 60, DuoStatus.PAUSED: 100}
        if latest - timedelta(days=room[plan.closed_from]) < lo:
            return False
        planned_end = plan.closure_reason == ClosureReason.PLANNED_END
        if planned_end:
            # A trajectory that ran its planned course started as early as the demo's history goes.
            plan.proposed_on = p = lo + self.days(0, 2)
            plan.introduced_on = i = p + self.days(4, 6)
            plan.started_on = s = i + self.days(0, 2)
            end = add_months(s, planned_months)
            if end <= latest:
                plan.closed_on = end
                return True
            plan.closure_reason = ClosureReason.GOALS_REACHED
        plan.proposed_on = p = self.between(lo, latest - timedelta(days=room[plan.closed_from]))
        if plan.closed_from == DuoStatus.PROPOSED:
            plan.closed_on = p + self.days(7, min(21, (latest - p).days))
            return True
        plan.introduced_on = i = p + self.days(4, 10)
        if plan.closed_from == DuoStatus.INTRODUCED:
            plan.closed_on = i + self.days(3, min(30, (latest - i).days))
            return True
        plan.started_on = s = i + self.days(0, 14)
        if plan.closed_from == DuoStatus.PAUSED:
            plan.paused_on = s + self.days(30, (latest - s).days - 20)
            plan.closed_on = plan.paused_on + self.days(14, (latest - plan.paused_on).days)
            return True
        plan.closed_on = s + self.days(30, (latest - s).days)
        return True

    # --- One project --------------------------------------------------------------------
    def plan_project(self, spec: ProjectSpec, project: Project, coordinator: User) -> ProjectPlan:
        rng, today = self.rng, self.today
        plan = ProjectPlan(project, coordinator)
        plan.volunteers = [self._volunteer(project, spec.region) for _ in range(spec.volunteers)]
        plan.participants = [self._participant(project, spec.region) for _ in range(spec.participants)]

        # Volunteers: a few still in screening (criminal-record extract missing), a few applicants,
        # some who paused or stopped; the rest active, mostly taking one buddy, some two.
        n = spec.volunteers
        kinds = (["missing_record"] * max(1, round(0.08 * n)) + ["applicant"] * max(1, round(0.05 * n))
                 + ["stopped"] * max(1, round(0.05 * n)) + ["paused"] * max(1, round(0.04 * n)))
        kinds += ["active"] * (n - len(kinds))
        rng.shuffle(kinds)
        kind_of = {id(vol): kind for vol, kind in zip(plan.volunteers, kinds, strict=True)}
        active = [vol for vol in plan.volunteers if kind_of[id(vol)] == "active"]
        for vol in rng.sample(active, round(0.15 * len(active))):
            vol.capacity = 2
        screened = [vol for vol in plan.volunteers if kind_of[id(vol)] in ("active", "paused", "stopped")]

        # Participants: a few still in intake without consent, a few withdrew; the rest consented.
        m = spec.participants
        pkinds = ["intake"] * max(1, round(0.09 * m)) + ["withdrawn"] * max(1, round(0.03 * m))
        pkinds += ["consented"] * (m - len(pkinds))
        rng.shuffle(pkinds)
        pkind_of = {id(p): kind for p, kind in zip(plan.participants, pkinds, strict=True)}
        pool = [p for p in plan.participants if pkind_of[id(p)] == "consented"]
        rng.shuffle(pool)

        slots_total = sum(vol.capacity for vol in active)
        n_open = min(round(0.55 * m), slots_total - max(1, round(0.1 * slots_total)), len(pool))
        small = max(1, round(0.1 * n_open))
        states = ([DuoStatus.PROPOSED] * small + [DuoStatus.INTRODUCED] * small + [DuoStatus.PAUSED] * small)
        states += [DuoStatus.ACTIVE] * max(0, n_open - len(states))
        open_plans = [DuoPlan(p, s) for p, s in zip(pool, states[:n_open], strict=False)]
        rest = pool[n_open:]

        n_closed = round(self.world.closed_share * m)
        closures = list(CLOSURES)
        rng.shuffle(closures)
        closed_plans: list[DuoPlan] = []
        later_open: dict[int, date] = {}  # participant → earliest proposal of their next duo
        for k in range(n_closed):
            closed_from, reason, next_step = closures[k % len(closures)]
            if self.world.years > 1 and next_step != NextStep.REMATCH and self.chance(0.35):
                # Over three years many participants have had a duo before the one they have now.
                closed_from, reason, next_step = rng.choice([c for c in CLOSURES if c[2] == NextStep.REMATCH])
            # Half of the rematched participants already have their next duo (nearly all, over three years).
            if next_step == NextStep.REMATCH and self.chance(0.5 if self.world.years <= 1 else 0.9):
                candidates = [d for d in open_plans if id(d.participant) not in later_open]
                participant = rng.choice(candidates).participant if candidates else None
                latest = today - timedelta(days=60)
            else:
                participant = rest.pop() if rest else None
                latest = today - timedelta(days=1)
            if participant is None:
                continue
            duo = DuoPlan(participant, DuoStatus.CLOSED, reason, next_step, closed_from)
            if not self._closed_dates(duo, latest, spec.planned_duo_months):
                continue
            assert duo.closed_on is not None
            if latest < today - timedelta(days=1):
                later_open[id(participant)] = duo.closed_on + self.days(7, 30)
            closed_plans.append(duo)
        for duo in open_plans:
            self._open_dates(duo, later_open.get(id(duo.participant)))

        # Volunteers take duos in time order, each in a free unit of their capacity.
        slots = [Slot(vol, today - timedelta(days=self.history_days + 1)) for vol in screened
                 for _ in range(vol.capacity)]
        paired: set[tuple[int, int]] = set()
        all_plans = sorted(closed_plans + open_plans, key=lambda d: (d.proposed_on or today))
        plans_of = Counter(id(d.participant) for d in all_plans)

        def best_slot(duo: DuoPlan) -> tuple[float, Slot] | None:
            assert duo.proposed_on is not None
            best: tuple[float, Slot] | None = None
            for slot in slots:
                vol = slot.volunteer
                if slot.open or slot.free_from > duo.proposed_on or (id(vol), id(duo.participant)) in paired:
                    continue
                if duo.status != DuoStatus.CLOSED and kind_of[id(vol)] != "active":
                    continue
                score = self._fit(vol, duo, kind_of[id(vol)]) + rng.random()
                if best is None or score > best[0]:
                    best = (score, slot)
            return best

        for duo in all_plans:
            best = best_slot(duo)
            if (best is None or best[0] < MISFIT) and plans_of[id(duo.participant)] == 1:
                # No volunteer speaks their language (or fits their wish) yet: this participant
                # keeps waiting, and the coordinator pairs someone from the waiting list instead.
                original = duo.participant
                for candidate in sorted(rest, key=lambda p: "nl" not in p.languages):
                    duo.participant = candidate
                    best = best_slot(duo)
                    if best is not None and best[0] >= MISFIT:
                        rest.remove(candidate)
                        rest.append(original)
                        break
                else:
                    duo.participant = original
                    best = None
            if best is None:
                continue
            slot = best[1]
            duo.volunteer = slot.volunteer
            paired.add((id(slot.volunteer), id(duo.participant)))
            if duo.status == DuoStatus.CLOSED:
                assert duo.closed_on is not None
                slot.free_from = duo.closed_on + timedelta(days=1)
            else:
                slot.open = True
            plan.duos.append(duo)
            # A pair plans at moments both are free.
            if not set(slot.volunteer.availability) & set(duo.participant.availability) and slot.volunteer.availability:
                shared = rng.choice(slot.volunteer.availability)
                duo.participant.availability = [s for s in v.AVAILABILITY_SLOTS
                                                 if s in {*duo.participant.availability, shared}]

        # Some active duos have gone quiet: nothing logged for over a month.
        quiet_ok = [d for d in plan.duos if d.status == DuoStatus.ACTIVE and d.started_on
                    and (today - d.started_on).days >= 45]
        for duo in rng.sample(quiet_ok, min(len(quiet_ok), max(1, round(0.2 * len(quiet_ok))))):
            duo.quiet = True

        self._finish_participants(plan, pkind_of)
        self._finish_volunteers(plan, kind_of)
        return plan

    def _fit(self, vol: Volunteer, duo: DuoPlan, kind: str) -> float:
        p = duo.participant
        score = 0.0
        shared = set(vol.languages) & set(p.languages)
        if not shared:
            score -= 6
        elif "nl" not in p.languages:
            score += 3
        if p.gender_preference != "any" and vol.gender != p.gender_preference:
            score -= 5
        if vol.gender_preference != "any" and p.gender != vol.gender_preference:
            score -= 5
        score += 0.5 * min(2, len(set(vol.availability) & set(p.availability)))
        score += 0.3 * min(2, len(set(vol.interests) & set(p.interests)))
        if duo.closure_reason == ClosureReason.VOLUNTEER_STOPPED and kind == "stopped":
            score += 4
        if kind != "active":  # paused or stopped volunteers had earlier buddies only now and then
            score -= 1
        return score

    def _finish_participants(self, plan: ProjectPlan, pkind_of: dict[int, str]) -> None:
        today = self.today
        by_participant: dict[int, list[DuoPlan]] = {}
        for duo in plan.duos:
            by_participant.setdefault(id(duo.participant), []).append(duo)
        for p in plan.participants:
            duos = sorted(by_participant.get(id(p), []), key=lambda d: d.proposed_on or today)
            kind = pkind_of[id(p)]
            if duos:
                first = duos[0].proposed_on
                assert first is not None
                p.consent_date = first - self.days(10, 45)
                p.waiting_since = self.between(p.consent_date, first)
                last = duos[-1]
                if last.status != DuoStatus.CLOSED:
                    p.status = Participant.Status.MATCHED
                elif last.next_step == NextStep.REMATCH:
                    p.status, p.waiting_since = Participant.Status.WAITING, last.closed_on
                else:
                    p.status = Participant.Status.CLOSED
            elif kind == "consented":
                p.status = Participant.Status.WAITING
                p.waiting_since = today - self.days(0, 240)
                p.consent_date = p.waiting_since - self.days(0, 14)
            elif kind == "withdrawn":
                p.status = Participant.Status.WITHDRAWN
                if self.chance(0.5):
                    p.waiting_since = today - self.days(30, 240)
                    p.consent_date = p.waiting_since - self.days(0, 14)
            else:
                p.status = Participant.Status.INTAKE
            if p.consent_date is not None:
                p.consent_scope = self.weighted((("research", 0.5), ("network", 0.35), ("basic", 0.15)))
                p.consent_recorded_by = plan.coordinator

    def _finish_volunteers(self, plan: ProjectPlan, kind_of: dict[int, str]) -> None:
        today = self.today
        by_volunteer: dict[int, list[DuoPlan]] = {}
        for duo in plan.duos:
            assert duo.volunteer is not None
            by_volunteer.setdefault(id(duo.volunteer), []).append(duo)
        status = {"missing_record": Volunteer.Status.SCREENING, "applicant": Volunteer.Status.APPLICANT,
                  "stopped": Volunteer.Status.STOPPED, "paused": Volunteer.Status.PAUSED,
                  "active": Volunteer.Status.ACTIVE}
        for vol in plan.volunteers:
            kind = kind_of[id(vol)]
            vol.status = status[kind]
            duos = by_volunteer.get(id(vol), [])
            if kind == "applicant":
                vol.intake_date = today - self.days(0, 20) if self.chance(0.5) else None
                continue
            if kind == "missing_record":
                vol.intake_date = today - self.days(20, 120)
                vol.training_date = vol.intake_date + self.days(7, 19) if self.chance(0.7) else None
                continue
            ready = min((d.proposed_on for d in duos if d.proposed_on), default=today - self.days(0, 150))
            vol.training_date = ready - self.days(3, 30)
            vol.criminal_record_checked_on = ready - self.days(3, 40)
            vol.intake_date = min(vol.training_date, vol.criminal_record_checked_on) - self.days(7, 60)
            if kind in ("active", "paused"):
                # Screening is a rule (issue 16): a volunteer still at work renewed their extract a
                # month before it expired, as often as needed (no random draw: the demo stays the same).
                months = plan.project.screening_valid_months
                while (until := extract_valid_until(vol.criminal_record_checked_on, months)) and until <= today:
                    vol.criminal_record_checked_on = until - timedelta(days=30)
            open_now = sum(1 for d in duos if d.status != DuoStatus.CLOSED)
            if kind == "active" and open_now < vol.capacity:
                closed = [d.closed_on for d in duos if d.closed_on]
                vol.waiting_since = max([vol.training_date, *closed])

    # --- Goals and check-ins ------------------------------------------------------------
    def goals_for(self, duo: Duo, plan: DuoPlan) -> list[Goal]:
        needs: dict[str, int] = plan.participant.needs
        ranked = sorted(needs, key=lambda d: (-needs[d], self.rng.random()))
        goals = []
        for domain in ranked[: self.rng.randint(1, 3)]:
            if plan.status == DuoStatus.CLOSED:
                if plan.closure_reason in (ClosureReason.GOALS_REACHED, ClosureReason.PLANNED_END):
                    status = Goal.Status.ACHIEVED if self.chance(0.85) else Goal.Status.DROPPED
                elif plan.started_on is None:
                    status = Goal.Status.DROPPED
                else:
                    status = self.rng.choice((Goal.Status.ACHIEVED, Goal.Status.DROPPED))
            elif plan.status in (DuoStatus.ACTIVE, DuoStatus.PAUSED) and self.chance(0.3):
                status = Goal.Status.ACHIEVED
            else:
                status = Goal.Status.OPEN
            goals.append(Goal(duo=duo, life_domain=domain, description=self.rng.choice(t.GOALS[domain]),
                              status=status))
        return goals

    def check_ins_for(self, duo: Duo, plan: DuoPlan, goals: list[Goal], author: User,
                      coordinator: User) -> list[CheckIn]:
        today = self.today
        if plan.started_on is not None:
            start = plan.started_on
        elif plan.introduced_on is not None and self.chance(0.6):
            # Only the introduction meeting was logged.
            return [self._check_in(duo, plan.introduced_on, goals, author, coordinator, 0.0, first=True,
                                   intro=True)]
        else:
            return []
        if plan.status == DuoStatus.CLOSED:
            assert plan.closed_on is not None
            end = plan.paused_on or plan.closed_on
        elif plan.status == DuoStatus.PAUSED:
            assert plan.paused_on is not None
            end = plan.paused_on
        elif plan.quiet:
            end = today - self.days(35, min(75, (today - start).days))
        else:
            end = today
        rows, day = [], start
        span = max(1, (end - start).days)
        while day <= end:
            rows.append(self._check_in(duo, day, goals, author, coordinator, (day - start).days / span,
                                       first=not rows))
            day += timedelta(days=max(self.min_gap, self.rng.choice(self.gaps) + self.rng.randint(-1, 2)))
        return rows

    def _check_in(self, duo: Duo, day: date, goals: list[Goal], author: User, coordinator: User,
                  progress: float, *, first: bool, intro: bool = False) -> CheckIn:
        rng = self.rng
        mode = CheckInMode.IN_PERSON if first else self.weighted(
            ((CheckInMode.IN_PERSON, 0.68), (CheckInMode.PHONE, 0.2), (CheckInMode.MESSAGE, 0.08),
             (CheckInMode.VIDEO, 0.04)))
        if mode == CheckInMode.IN_PERSON:
            duration = rng.choice((45, 60, 60, 75, 90, 90, 120, 150, 180))
            activities = rng.sample([a for a in Activity.values if a != Activity.OTHER], rng.choice((1, 1, 2)))
            if first:
                activities = [Activity.TALK]
        else:
            duration = {CheckInMode.PHONE: rng.choice((10, 15, 20, 30, 45)), CheckInMode.MESSAGE: rng.choice((5, 10)),
                        CheckInMode.VIDEO: rng.choice((20, 30, 45))}[mode]
            activities = [] if mode == CheckInMode.MESSAGE else [Activity.TALK]
        goal_domains = [g.life_domain for g in goals] or ["social"]
        domains = {rng.choice(goal_domains)}
        if self.chance(0.3):
            domains.add("social")
        mood = None if self.chance(0.1) else max(1, min(5, round(rng.gauss(3.3 + 0.7 * progress, 0.8))))
        if intro:
            note = "Kennismaking bij de deelnemer thuis, samen met de coördinator."
        elif self.chance(0.55):
            key = mode if mode in (CheckInMode.PHONE, CheckInMode.MESSAGE) else (activities or ["talk"])[0]
            note = rng.choice(t.CHECK_IN_NOTES.get(key, t.CHECK_IN_NOTES["talk"]))
        else:
            note = ""
        row = CheckIn(
            duo=duo, author=author if self.chance(0.85) else coordinator,
            client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4), date=day,
            duration_minutes=duration, mode=mode, activities=sorted(set(activities)),
            life_domains=[d for d in v.LIFE_DOMAINS if d in domains], mood=mood, note=note,
        )
        if not first and self.chance(0.045):
            row.concern = True
            row.concern_note = rng.choice(t.CONCERNS)
            row.mood = rng.choice((1, 2, 2, 3))
            if (self.today - day).days >= 2 and self.chance(0.6):
                handled_on = min(day + self.days(0, 3), self.today)
                at = timezone.make_aware(datetime.combine(handled_on, time(rng.randint(9, 16), rng.choice((0, 30)))))
                row.concern_handled_at = min(at, self.now)
                row.concern_handled_by = coordinator
                row.concern_handled_note = rng.choice(t.CONCERN_HANDLED)
        if mode == CheckInMode.IN_PERSON and progress > 0.2 and self.chance(0.06):
            label, category, domain = rng.choice(t.NEW_CONTACTS)
            row.new_contacts = [{"label": label, "category": category, "life_domain": domain}]
        return row

    def logged_at(self, row: CheckIn) -> datetime:
        """When the check-in was recorded: mostly the evening of the contact, sometimes a day or
        three later; never in the future nor after the coordinator handled its concern.

        Drawn from a generator seeded by the row's own UUID, not self.rng, so adding this did
        not shift the demo's other random choices."""
        r = random.Random(row.client_uuid.int)
        delay = r.choices((0, 1, 2, 3), weights=(60, 25, 10, 5))[0]
        hour = r.randint(17, 22) if delay == 0 else r.randint(8, 21)
        at = timezone.make_aware(datetime.combine(row.date + timedelta(days=delay), time(hour, r.randint(0, 59))))
        at = min(at, self.now - timedelta(minutes=r.randint(5, 120)))
        if row.concern_handled_at is not None:
            at = min(at, row.concern_handled_at - timedelta(hours=1))
        return at

    def duo_row(self, plan: DuoPlan, project: Project, coordinator: User) -> Duo:
        rng, today = self.rng, self.today
        assert plan.volunteer is not None and plan.proposed_on is not None
        duo = Duo(project=project, volunteer=plan.volunteer, participant=plan.participant, status=plan.status,
                  proposed_on=plan.proposed_on, introduced_on=plan.introduced_on, started_on=plan.started_on,
                  paused_on=plan.paused_on, created_by=coordinator)
        if plan.started_on is not None:
            duo.planned_end_on = add_months(plan.started_on, project.planned_duo_months)
        if plan.paused_on is not None:
            duo.pause_reason = rng.choice(t.PAUSE_REASONS)
        if plan.status == DuoStatus.CLOSED:
            assert plan.closed_on is not None
            duo.closed_on, duo.closure_reason, duo.next_step = plan.closed_on, plan.closure_reason, plan.next_step
            duo.closure_note = rng.choice(t.CLOSURE_NOTES[plan.closure_reason])
            lo, hi = EVALUATIONS.get(plan.closure_reason, (2, 4))
            duo.evaluation_volunteer = rng.randint(lo, hi)
            duo.evaluation_participant = rng.randint(lo, hi) if self.chance(0.75) else None
        elif plan.status == DuoStatus.PROPOSED and self.chance(0.7):
            duo.next_meeting_on = today + self.days(2, 10)  # the introduction is planned
        elif plan.status == DuoStatus.INTRODUCED or (plan.status == DuoStatus.ACTIVE and not plan.quiet
                                                     and self.chance(0.7)):
            duo.next_meeting_on = today + self.days(1, 14)
        return duo


# --- Writing ------------------------------------------------------------------------------
ModelT = TypeVar("ModelT", bound=models.Model)


def _checked(rows: list[ModelT]) -> list[ModelT]:
    """Run the field validators (choices, ranges, lengths) that full_clean would, without its queries."""
    for row in rows:
        fks = [f.name for f in row._meta.concrete_fields if f.is_relation]
        row.clean_fields(exclude=fks)
    return rows


def demo_organisations() -> models.QuerySet[Organisation]:
    q = Q(pk__in=[])
    for org in ORGANISATIONS:
        q |= Q(name=org.name, enterprise_number=org.enterprise_number)
    q |= Q(name__startswith=EXTRA_ORGANISATION_PREFIX, enterprise_number__startswith=EXTRA_ENTERPRISE_PREFIX)
    return Organisation.objects.filter(q)


def demo_users() -> models.QuerySet[User]:
    return User.objects.filter(email__iendswith=f"@{DOMAIN}")


def remove() -> dict[str, int]:
    """Delete the demo rows (see the module docstring); refuse when real data is in the way."""
    names = [org.name for org in ORGANISATIONS]
    impostors = Organisation.objects.filter(name__in=names).exclude(pk__in=demo_organisations())
    if impostors.exists():
        raise DemoConflict(
            f"An organisation named {', '.join(impostors.values_list('name', flat=True))} exists that the demo did "
            "not make; rename it or load the demo into another database."
        )
    projects = Project.objects.filter(organisation__in=demo_organisations())
    users = demo_users()
    foreign = CheckIn.objects.filter(author__in=users).exclude(duo__project__in=projects)
    if foreign.exists():
        raise DemoConflict(f"Demo users (@{DOMAIN}) wrote {foreign.count()} check-in(s) outside the demo projects.")
    _remove_funding(projects)
    counts = {
        "check-ins": CheckIn.objects.filter(duo__project__in=projects).delete()[0],
        "duos": Duo.objects.filter(project__in=projects).count(),
    }
    Duo.objects.filter(project__in=projects).delete()
    remove_support_loop(Participant.objects.filter(project__in=projects))
    counts["participants"] = Participant.objects.filter(project__in=projects).delete()[0]
    counts["volunteers"] = Volunteer.objects.filter(project__in=projects).count()
    Volunteer.objects.filter(project__in=projects).delete()
    counts["projects"] = projects.count()
    projects.delete()
    counts["organisations"] = demo_organisations().delete()[0]
    counts["users"] = users.count()
    users.delete()
    return counts


def build(*, scale: int = 1, projects: int = 3, seed: int = SEED, world: World | None = None) -> Summary:
    """Replace the demo rows by a fresh demo, in one transaction. `world` (e.g. TARGET) sets the
    number of projects, organisations, years and grants; `scale` multiplies the people per project."""
    world = world or World(projects=projects)
    if scale < 1 or world.projects < 1 or world.organisations < 1 or world.years < 1 or world.grants_per_project < 1:
        raise ValueError("scale, projects, organisations, years and grants must be at least 1")
    with transaction.atomic():
        refuse_in_production()
        remove()
        summary = _build(Builder(scale=scale, projects=world.projects, seed=seed, world=world))
    refresh_planner_statistics()
    return summary


def refresh_planner_statistics() -> None:
    """ANALYZE after the bulk load, as a database administrator would: PostgreSQL's planner keeps
    the statistics of the empty tables until autovacuum gets round to them, and meanwhile plans a
    duo's check-ins as a scan of every check-in (at the target size, the count and first page of a
    volunteer's or a coordinator's check-ins took 142 ms, 11 ms after ANALYZE; benchmarks/scale.py
    had measured the API's check-in list at 336 ms). SQLite keeps no statistics
    unless asked, and plans as it always has."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _login_user(email: str, full_name: str, password_hash: str, **extra: Any) -> User:
    user = User(email=email, full_name=full_name, **extra)
    validate_password(PASSWORD, user)
    user.password = password_hash  # hashed once for all logins: hashing is deliberately slow
    user.full_clean()
    user.save()
    return user


def _build(b: Builder) -> Summary:
    password_hash = make_password(PASSWORD)
    organisations = [
        Organisation.objects.create(name=o.name, kind=o.kind, enterprise_number=o.enterprise_number)
        for o in organisation_specs(b.world.organisations)
    ]
    funder, _ = Funder.objects.get_or_create(name=FUNDER_NAME)
    admin = _login_user(f"admin@{DOMAIN}", "Demo Beheerder", password_hash, is_superuser=True)
    membership_grant(user=admin, role=Role.ADMINISTRATOR)
    funder_user = _login_user(f"funder@{DOMAIN}", "Kristof Vandamme (Departement WVG)", password_hash)
    membership_grant(user=funder_user, role=Role.FUNDER, funder=funder)
    logins = [Login("beheerder / administrator", admin.email, "alle organisaties / all organisations")]
    # Issue 16: each organisation has its own administrator (/organisatie/). The first organisation
    # lets the platform administrator read its participants for a week (support access); the
    # platform administrator reads none of the others'.
    for i, organisation in enumerate(organisations):
        org_admin = _login_user(f"organisatie{i + 1}@{DOMAIN}", f"Beheer {organisation.name}", password_hash)
        membership_grant(user=org_admin, role=Role.ORG_ADMIN, organisation=organisation)
        logins.append(Login("organisatiebeheerder / organisation administrator", org_admin.email, organisation.name))
        if i == 0:
            SupportAccess.objects.create(
                organisation=organisation, granted_by=org_admin, reason="Demo: hulp bij de opstart",
                until=timezone.now() + timedelta(days=settings.SUPPORT_ACCESS_MAX_DAYS))

    start = b.world.project_start(b.today)
    plans: list[ProjectPlan] = []
    for k, spec in enumerate(b.specs):
        organisation = organisations[min(spec.organisation, len(organisations) - 1)]
        project = Project(organisation=organisation, name=spec.name, start_date=start,
                          end_date=date(start.year + 2, 12, 31), planned_duo_months=spec.planned_duo_months,
                          default_max_travel_km=spec.max_travel_km)
        project.full_clean()
        project.save()
        name = t.COORDINATOR_NAMES[k % len(t.COORDINATOR_NAMES)]
        coordinator = _login_user(f"coordinator{k + 1 if k else ''}@{DOMAIN}", name, password_hash)
        membership_grant(user=coordinator, role=Role.COORDINATOR, project=project)
        logins.append(Login("coördinator / coordinator", coordinator.email, project.name))
        plans.append(b.plan_project(spec, project, coordinator))

    # The volunteer login: the first active duo of the first project that is not gone quiet.
    showcase = next((d for plan in plans for d in plan.duos if d.status == DuoStatus.ACTIVE and not d.quiet), None)
    if showcase is None or showcase.volunteer is None:
        raise RuntimeError("the demo has no active duo to show a volunteer")
    volunteer_login = _login_user(f"volunteer@{DOMAIN}", str(showcase.volunteer), password_hash)
    showcase.volunteer.email = volunteer_login.email
    # Every other volunteer who has had a buddy logs check-ins too, so has an account (no password).
    accounts: dict[int, User] = {id(showcase.volunteer): volunteer_login}
    for plan in plans:
        for duo in plan.duos:
            vol = duo.volunteer
            assert vol is not None
            if id(vol) not in accounts:
                vol.email = _unique_email(b, vol)
                # A stopped volunteer's account is closed (accounts/invitations.py, issue 16).
                accounts[id(vol)] = User(email=vol.email, full_name=str(vol), password=make_password(None),
                                         is_active=vol.status != Volunteer.Status.STOPPED)
    User.objects.bulk_create(_checked([u for u in accounts.values() if u is not volunteer_login]), batch_size=500)

    volunteers = [vol for plan in plans for vol in plan.volunteers]
    Volunteer.objects.bulk_create(_checked(volunteers), batch_size=500)
    Participant.objects.bulk_create(_checked([p for plan in plans for p in plan.participants]), batch_size=500)
    # Each consent is the first step of its history (issue 16), as consent_record writes it.
    how = {True: ConsentEvent.How.SPOKEN_INTERPRETER, False: ConsentEvent.How.SIGNED_FORM}
    ConsentEvent.objects.bulk_create(_checked([
        ConsentEvent(participant=p, kind=ConsentEvent.Kind.GIVEN, scope=p.consent_scope, on=p.consent_date,
                     how=how[p.interpreter_arranged], recorded_by=p.consent_recorded_by)
        for plan in plans for p in plan.participants if p.consent_date is not None]), batch_size=500)
    membership_grant(user=volunteer_login, role=Role.VOLUNTEER, volunteer=showcase.volunteer)
    Membership.objects.bulk_create(
        [Membership(user=accounts[id(vol)], role=Role.VOLUNTEER, volunteer=vol) for vol in volunteers
         if id(vol) in accounts and vol is not showcase.volunteer], batch_size=500)
    logins.append(Login("vrijwilliger / volunteer", volunteer_login.email,
                        f"{showcase.volunteer}, buddy van / of {showcase.participant.first_name}"))
    logins.append(Login("financier / funder", funder_user.email, funder.name))

    duo_rows = [b.duo_row(d, plan.project, plan.coordinator) for plan in plans for d in plan.duos]
    Duo.objects.bulk_create(_checked(duo_rows), batch_size=500)
    goals: list[Goal] = []
    check_ins: list[CheckIn] = []
    duo_plans = [(d, plan) for plan in plans for d in plan.duos]
    for row, (d, plan) in zip(duo_rows, duo_plans, strict=True):
        duo_goals = b.goals_for(row, d)
        goals += duo_goals
        assert d.volunteer is not None
        check_ins += b.check_ins_for(row, d, duo_goals, accounts[id(d.volunteer)], plan.coordinator)
    Goal.objects.bulk_create(_checked(goals), batch_size=500)
    CheckIn.objects.bulk_create(_checked(check_ins), batch_size=500)
    # created_at is auto_now_add (the moment of recording), which bulk_create sets to now: every
    # demo check-in would look recorded today and editable for 48 hours. Set when each was
    # logged instead (bulk_update does not touch auto_now_add), so the edit window shows.
    for row in check_ins:
        row.created_at = b.logged_at(row)
    CheckIn.objects.bulk_update(check_ins, ["created_at"], batch_size=500)
    funding_counts = _build_funding(b, funder, [plan.project for plan in plans], volunteers)

    project_ids = [plan.project.pk for plan in plans]
    # Network maps: written by buddynet/demo/network.py.
    network_maps = add_network_maps(project_ids=project_ids, today=b.today,
                                    recorded_by={plan.project.pk: plan.coordinator for plan in plans},
                                    follow_up_days=None if b.world.years <= 1 else 35)
    support_counts = add_support_loop(project_ids=project_ids, today=b.today,
                                      recorded_by={plan.project.pk: plan.coordinator for plan in plans})
    found = problems(project_ids=project_ids)
    if found:
        raise RuntimeError("the demo broke an invariant: " + "; ".join(found))
    states = Counter(d.status for plan in plans for d in plan.duos)
    dates = [c.date for c in check_ins]
    return Summary(
        scale=b.scale, password=PASSWORD, logins=logins,
        counts={
            "organisations": len(organisations),
            "projects": len(plans),
            "volunteers": sum(len(plan.volunteers) for plan in plans),
            "participants": sum(len(plan.participants) for plan in plans),
            "duos": len(duo_rows),
            "goals": len(goals),
            "check-ins": len(check_ins),
            "concerns": sum(1 for c in check_ins if c.concern),
            "concerns handled": sum(1 for c in check_ins if c.concern_handled_at),
            "quiet duos": sum(1 for plan in plans for d in plan.duos if d.quiet),
            "users": demo_users().count(),
            "network maps": network_maps,
            **funding_counts,
            **support_counts,
        },
        duo_states={s: states.get(s, 0) for s in DuoStatus.values},
        first_check_in=min(dates, default=None), last_check_in=max(dates, default=None),
    )


def _unique_email(b: Builder, vol: Volunteer) -> str:
    base = f"{ascii_slug(vol.first_name)}.{ascii_slug(vol.last_name)}"
    email, n = f"{base}@{DOMAIN}", 1
    while email in b.emails:
        n += 1
        email = f"{base}{n}@{DOMAIN}"
    b.emails.add(email)
    return email


def problems(*, project_ids: list[int]) -> list[str]:
    """What in these projects breaks a rule the services keep; empty when all is well."""
    today = timezone.localdate()
    duos = Duo.objects.filter(project_id__in=project_ids)
    open_duos = duos.filter(status__in=OPEN_STATUSES)
    found = []
    if open_duos.values("participant").annotate(n=Count("id")).filter(n__gt=1).exists():
        found.append("a participant has two open duos")
    if Volunteer.objects.filter(project_id__in=project_ids).annotate(
        n=Count("duos", filter=Q(duos__status__in=OPEN_STATUSES))
    ).filter(n__gt=F("capacity")).exists():
        found.append("a volunteer has more open duos than their capacity")
    if duos.filter(Q(volunteer__intake_date=None) | Q(volunteer__training_date=None)
                   | Q(volunteer__criminal_record_checked_on=None) | Q(participant__consent_date=None)).exists():
        found.append("a duo has an unscreened volunteer or a participant without consent")
    # Consent and screening are rules (issue 16).
    participants = Participant.objects.filter(project_id__in=project_ids)
    if participants.exclude(consent_scope__in=NETWORK_SCOPES).filter(network_maps__isnull=False).exists():
        found.append("a participant without network consent has a network map")
    if participants.filter(consent_date__isnull=False, consent_events__isnull=True).exists():
        found.append("a participant's consent has no history")
    if any(screening_problems(vol, today=today) for vol in Volunteer.objects.filter(
            project_id__in=project_ids, status__in=(Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED),
    ).select_related("project")):
        found.append("an active volunteer's screening is incomplete or expired")
    if duos.filter(Q(introduced_on__lt=F("proposed_on")) | Q(started_on__lt=F("introduced_on"))
                   | Q(paused_on__lt=F("started_on")) | Q(closed_on__lt=F("proposed_on"))).exists():
        found.append("a duo's dates are out of lifecycle order")
    check_ins = CheckIn.objects.filter(duo__project_id__in=project_ids)
    if check_ins.filter(Q(date__gt=today) | Q(date__lt=F("duo__proposed_on"))).exists():
        found.append("a check-in lies in the future or before its duo was proposed")
    if check_ins.filter(duo__status=DuoStatus.CLOSED, date__gt=F("duo__closed_on")).exists():
        found.append("a check-in lies after its duo was closed")
    return found


# --- Funding (issue 6): grants, budget lines, tranches, obligations, expenses, allowances -----
def _remove_funding(projects: models.QuerySet[Project]) -> None:
    """Funding rows of the demo projects go first: grants and allowances protect what they point at."""
    grants = Grant.objects.filter(project__in=projects)
    ProgressReport.objects.filter(grant__in=grants).delete()
    Expense.objects.filter(grant__in=grants).delete()
    grants.delete()  # budget lines, tranches and obligations cascade
    AllowancePayment.objects.filter(volunteer__project__in=projects).delete()
    DeclaredAllowance.objects.filter(volunteer__project__in=projects).delete()


# Share of the grant per budget line, and how fast each project spends (1.0 = evenly over three years).
BUDGET_SHARES = (("personnel", "0.60"), ("operating", "0.15"), ("volunteer_allowances", "0.10"),
                 ("training", "0.10"), ("other", "0.05"))
SPEND_PACE = (1.0, 0.7, 1.25, 0.95, 0.55, 1.1)
SUPPLIERS = {
    "personnel": ("Sociaal secretariaat Acerta", "Loon projectcoördinator"),
    "operating": ("Stad", "Huur ontmoetingsruimte en drukwerk"),
    "volunteer_allowances": ("Vrijwilligers", "Vrijwilligersvergoedingen van de maand"),
    "training": ("Vormingplus", "Vorming voor nieuwe buddy's"),
    "other": ("Diverse", "Verzekering vrijwilligers"),
}


def _build_funding(b: Builder, funder: Funder, projects: list[Project],
                   volunteers: list[Volunteer]) -> dict[str, int]:
    """A three-year grant per demo project with its money, as a funder's portfolio would show it.

    Its own random generator (seeded from SEED), so the people and duos above stay the same rows."""
    rng = random.Random(SEED + 6)
    cent = Decimal("0.01")
    grants, lines, tranches, obligations, expenses = [], [], [], [], []
    for k, project in enumerate(projects):
        assert project.start_date is not None
        start = project.start_date
        end = date(start.year + 2, 12, 31)
        amount = Decimal(rng.choice((42000, 45000, 48000, 50000)))
        grant = Grant(funder=funder, project=project, reference=f"WVG-{start.year}-{k + 1:03d}", amount=amount,
                      start_date=start, end_date=end)
        grant.full_clean()
        grants.append(grant)
    Grant.objects.bulk_create(grants)
    for k, grant in enumerate(grants):
        pace = SPEND_PACE[k % len(SPEND_PACE)]
        by_kind = {}
        for kind, share in BUDGET_SHARES:
            line = BudgetLine(grant=grant, kind=kind, amount=(grant.amount * Decimal(share)).quantize(cent))
            lines.append(line)
            by_kind[kind] = line
        first, second = (grant.amount * Decimal("0.4")).quantize(cent), (grant.amount * Decimal("0.4")).quantize(cent)
        year_one = date(grant.start_date.year + 1, 4, 30)
        tranches += [
            Tranche(grant=grant, due_on=grant.start_date + timedelta(days=30), amount=first,
                    condition="bij de start", paid_on=grant.start_date + timedelta(days=41)),
            Tranche(grant=grant, due_on=year_one, amount=second, condition="na goedkeuring van het jaarverslag",
                    paid_on=year_one + timedelta(days=12) if year_one + timedelta(days=12) <= b.today and k % 4 != 3
                    else None),
            Tranche(grant=grant, due_on=grant.end_date, amount=grant.amount - first - second,
                    condition="na goedkeuring van het eindverslag"),
        ]
        for year in range(grant.start_date.year + 1, grant.end_date.year + 1):
            due = date(year, 3, 31)
            late = k % 3 == 2 and year == b.today.year  # a few projects are behind with this year's report
            submitted = due - timedelta(days=rng.randint(0, 20)) if due <= b.today and not late else None
            approved = submitted + timedelta(days=rng.randint(20, 45)) if submitted else None
            if approved and approved > b.today:
                approved = None
            for kind in ("yearly_content", "financial"):
                obligations.append(ReportingObligation(grant=grant, kind=kind, due_on=due, submitted_on=submitted,
                                                       approved_on=approved))
        obligations.append(ReportingObligation(grant=grant, kind="final", due_on=date(grant.end_date.year + 1, 3, 31)))
        # Monthly expenses from the start up to last month, at this project's pace.
        months = (grant.end_date.year - grant.start_date.year + 1) * 12
        day = grant.start_date
        while day <= min(b.today, grant.end_date):
            for kind in ("personnel", "operating", "volunteer_allowances"):
                line = by_kind[kind]
                monthly = line.amount / months * Decimal(str(pace)) * Decimal(str(rng.uniform(0.8, 1.2)))
                supplier, description = SUPPLIERS[kind]
                expenses.append(Expense(grant=grant, budget_line=line, date=day.replace(day=min(28, day.day + 24)),
                                        amount=monthly.quantize(cent), description=description, supplier=supplier))
            if day.month in (3, 10):
                line = by_kind["training"]
                supplier, description = SUPPLIERS["training"]
                expenses.append(Expense(grant=grant, budget_line=line, date=day.replace(day=15),
                                        amount=(line.amount / 6 * Decimal(str(pace))).quantize(cent),
                                        description=description, supplier=supplier))
            day = add_months(day, 1)
    extra = _extra_grants(b, rng, projects, lines, tranches, expenses)
    BudgetLine.objects.bulk_create(_checked(lines))
    Tranche.objects.bulk_create(_checked(tranches))
    ReportingObligation.objects.bulk_create(_checked(obligations))
    Expense.objects.bulk_create(_checked([e for e in expenses if e.date <= b.today]), batch_size=500)
    # Flat-rate allowances this year for some active volunteers, well inside the legal caps.
    payments = []
    cap = AllowanceCap.objects.filter(year=b.today.year).first()
    if cap is not None:
        active = [v for v in volunteers if v.status == Volunteer.Status.ACTIVE]
        for vol in active[::3]:
            days = rng.randint(4, 18)
            payments.append(AllowancePayment(volunteer=vol, kind="flat_rate", paid_on=b.today.replace(day=1),
                                             year=b.today.year, days=days,
                                             amount=(cap.daily_cap * days).quantize(cent)))
        AllowancePayment.objects.bulk_create(_checked(payments), batch_size=500)
    return {"grants": len(grants) + extra, "expenses": sum(1 for e in expenses if e.date <= b.today),
            "allowance payments": len(payments)}


# Other funders of the umbrella world (issue 20): smaller grants for one budget line each, spent monthly.
EXTRA_FUNDERS = ("Provincie Oost-Vlaanderen", "Koning Boudewijnstichting", "Lokaal bestuur")


def _extra_grants(b: Builder, rng: random.Random, projects: list[Project], lines: list[BudgetLine],
                  tranches: list[Tranche], expenses: list[Expense]) -> int:
    """The grants beyond the first of each project (World.grants_per_project); their rows are
    appended to the lists the caller writes. Returns the number of grants written."""
    extra = b.world.grants_per_project - 1
    if extra < 1:
        return 0
    cent = Decimal("0.01")
    funders = [Funder.objects.get_or_create(name=EXTRA_FUNDERS[g % len(EXTRA_FUNDERS)])[0] for g in range(extra)]
    grants = []
    for k, project in enumerate(projects):
        assert project.start_date is not None and project.end_date is not None
        for g, funder in enumerate(funders):
            amount = Decimal(rng.choice((6000, 9000, 12000, 15000)))
            reference = f"DEMO-{project.start_date.year}-{k + 1:03d}-{'BCDEFGH'[g % 7]}{g // 7 or ''}"
            grants.append(Grant(funder=funder, project=project, amount=amount, start_date=project.start_date,
                                end_date=project.end_date, reference=reference))
    Grant.objects.bulk_create(_checked(grants), batch_size=500)
    for grant in grants:
        line = BudgetLine(grant=grant, kind="operating", amount=grant.amount)
        lines.append(line)
        tranches.append(Tranche(grant=grant, due_on=grant.start_date + timedelta(days=45), amount=grant.amount,
                                condition="bij de start", paid_on=grant.start_date + timedelta(days=60)))
        months = (grant.end_date.year - grant.start_date.year + 1) * 12
        day = grant.start_date
        while day <= min(b.today, grant.end_date):
            monthly = grant.amount / months * Decimal(str(rng.uniform(0.7, 1.2)))
            expenses.append(Expense(grant=grant, budget_line=line, date=day.replace(day=20),
                                    amount=monthly.quantize(cent), description="Werkingskosten van de maand",
                                    supplier="Diverse"))
            day = add_months(day, 1)
    return len(grants)
