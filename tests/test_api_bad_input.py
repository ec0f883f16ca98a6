"""Bad input through /api/v1/: a 400 naming the offending field, in the caller's language, and
nothing written; duo invariants and impossible transitions: a 409 and nothing written.

Each case is sent by a caller who may make the change (so the refusal is about the input, not
about access) and compares every table before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from buddynet.errors import Conflict
from buddynet.features.funding.models import Funder
from buddynet.records.accounts.models import Membership, User
from buddynet.records.duos import apis as duo_apis
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus, Goal
from buddynet.records.people.models import Organisation, Participant, Project, Volunteer
from tests import factories as f
from tests.conftest import World, client_for

MODELS = (Organisation, Project, Participant, Volunteer, Funder, Duo, Goal, CheckIn, User, Membership)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in (*MODELS, *AFTERCARE_MODELS)}


@dataclass(frozen=True)
class Bad:
    """One bad request: who sends it, where, what, and which field the 400 must name."""

    label: str
    user: str
    method: str
    url: Callable[[World], str]
    body: Callable[[World], dict[str, Any]]
    field: str


def person(w: World, **extra: Any) -> dict[str, Any]:
    return {"project": w.project.pk, "first_name": "Nadia", "last_name": "Amrani", "postcode": "9000", **extra}


def proposed_duo(w: World) -> Duo:
    return f.DuoFactory(participant=f.ParticipantFactory(project=w.project), volunteer=f.VolunteerFactory(
        project=w.project), status=DuoStatus.PROPOSED, introduced_on=None, started_on=None)


def introduced_duo(w: World) -> Duo:
    return f.DuoFactory(participant=f.ParticipantFactory(project=w.project), volunteer=f.VolunteerFactory(
        project=w.project), status=DuoStatus.INTRODUCED, started_on=None)


def busy_volunteer(w: World) -> Volunteer:
    """A volunteer of world.project with room for two and two open duos."""
    volunteer = f.VolunteerFactory(project=w.project, capacity=2)
    for _ in range(2):
        f.DuoFactory(participant=f.ParticipantFactory(project=w.project), volunteer=volunteer)
    return volunteer


def free_pair(w: World, **volunteer: Any) -> dict[str, Any]:
    """A volunteer and a participant of world.project that could be paired."""
    return {"volunteer": f.VolunteerFactory(project=w.project, **volunteer).pk,
            "participant": f.ParticipantFactory(project=w.project).pk}


ORGS, PROJECTS, PARTICIPANTS = "/api/v1/organisations/", "/api/v1/projects/", "/api/v1/participants/"
VOLUNTEERS, FUNDERS, USERS = "/api/v1/volunteers/", "/api/v1/funders/", "/api/v1/users/"
MEMBERSHIPS, GOALS, CHECK_INS, DUOS = "/api/v1/memberships/", "/api/v1/goals/", "/api/v1/check-ins/", "/api/v1/duos/"
FUTURE = "2999-01-01"  # certainly after today, whatever day the tests run


def check_in(w: World, **extra: Any) -> dict[str, Any]:
    return {"duo": w.duo.pk, "date": "2025-09-01", "duration_minutes": 45, "mode": "phone", **extra}


def concern_check_in(w: World) -> CheckIn:
    return f.CheckInFactory(duo=w.duo, author=w.volunteer_user, concern=True, concern_note="Ze eet niet meer goed.")


BAD: list[Bad] = [
    # --- organisations ---
    Bad("unknown kind", "admin", "POST", lambda w: ORGS, lambda w: {"name": "Vzw X", "kind": "bank"}, "kind"),
    Bad("organisation with a blank name", "admin", "POST", lambda w: ORGS, lambda w: {"name": ""}, "name"),
    Bad("organisation with a name taken", "admin", "POST", lambda w: ORGS,
        lambda w: {"name": w.project.organisation.name}, "name"),
    Bad("organisation renamed to a name taken", "admin", "PATCH",
        lambda w: f"{ORGS}{w.project.organisation_id}/",
        lambda w: {"name": w.other_project.organisation.name}, "name"),
    Bad("update to an unknown kind", "admin", "PUT", lambda w: f"{ORGS}{w.project.organisation_id}/",
        lambda w: {"name": "Vzw Y", "kind": "bank"}, "kind"),
    # --- projects ---
    Bad("end before start", "admin", "POST", lambda w: PROJECTS,
        lambda w: {"organisation": w.project.organisation_id, "name": "Nieuw", "start_date": "2026-01-01",
                   "end_date": "2025-12-31"}, "end_date"),
    Bad("an organisation that does not exist", "admin", "POST", lambda w: PROJECTS,
        lambda w: {"organisation": 987654, "name": "Nieuw"}, "organisation"),
    Bad("moved before its start", "coordinator", "PATCH", lambda w: f"{PROJECTS}{w.project.pk}/",
        lambda w: {"end_date": "2024-12-31"}, "end_date"),
    Bad("contact cadence 0", "coordinator", "PATCH", lambda w: f"{PROJECTS}{w.project.pk}/",
        lambda w: {"contact_cadence_days": 0}, "contact_cadence_days"),
    Bad("a negative matching weight", "coordinator", "PATCH", lambda w: f"{PROJECTS}{w.project.pk}/",
        lambda w: {"matching_weights": {"distance": -1}}, "matching_weights"),
    Bad("moved to another project's organisation", "coordinator", "PATCH", lambda w: f"{PROJECTS}{w.project.pk}/",
        lambda w: {"organisation": w.other_project.organisation_id}, "organisation"),
    Bad("replaced with contact cadence 0", "coordinator", "PUT", lambda w: f"{PROJECTS}{w.project.pk}/",
        lambda w: {"organisation": w.project.organisation_id, "name": w.project.name, "contact_cadence_days": 0},
        "contact_cadence_days"),
    Bad("replaced without a name", "coordinator", "PUT", lambda w: f"{PROJECTS}{w.project.pk}/",
        lambda w: {"organisation": w.project.organisation_id}, "name"),
    # --- participants ---
    Bad("participant with postcode 0000", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, postcode="0000"), "postcode"),
    Bad("participant with postcode 9999", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, postcode="9999"), "postcode"),
    Bad("participant with an unknown language", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, languages=["nl", "xx"]), "languages"),
    Bad("availability mon_night", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, availability=["mon_night"]), "availability"),
    Bad("an unknown interest", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, interests=["skydiving"]), "interests"),
    Bad("needs level 7", "coordinator", "POST", lambda w: PARTICIPANTS, lambda w: person(w, needs={"housing": 7}),
        "needs"),
    Bad("needs in an unknown life domain", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, needs={"weather": 1}), "needs"),
    Bad("consent date without scope", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, consent_date="2025-09-01"), "consent_scope"),
    Bad("consent scope without date", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, consent_scope="basic"), "consent_date"),
    Bad("waiting without consent", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, status="waiting"), "status"),
    Bad("preferred age range upside down", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, preferred_age_min=40, preferred_age_max=30), "preferred_age_max"),
    Bad("participant in another project", "coordinator", "POST", lambda w: PARTICIPANTS,
        lambda w: person(w, project=w.other_project.pk), "project"),
    Bad("participant moved to postcode 9999", "coordinator", "PATCH", lambda w: f"{PARTICIPANTS}{w.participant.pk}/",
        lambda w: {"postcode": "9999"}, "postcode"),
    Bad("update to needs level 7", "coordinator", "PATCH", lambda w: f"{PARTICIPANTS}{w.participant.pk}/",
        lambda w: {"needs": {"social": 7}}, "needs"),
    Bad("update drops the consent scope", "coordinator", "PATCH", lambda w: f"{PARTICIPANTS}{w.participant.pk}/",
        lambda w: {"consent_scope": ""}, "consent_scope"),
    Bad("a needs level above 3", "coordinator", "POST", lambda w: f"{PARTICIPANTS}{w.participant.pk}/needs/",
        lambda w: {"occasion": "interim", "date": "2025-10-01", "needs": {"housing": 4}}, "needs"),
    Bad("needs measured at an unknown moment", "coordinator", "POST",
        lambda w: f"{PARTICIPANTS}{w.participant.pk}/needs/",
        lambda w: {"occasion": "someday", "date": "2025-10-01", "needs": {}}, "occasion"),
    Bad("a consent step in the future", "coordinator", "POST", lambda w: f"{PARTICIPANTS}{w.participant.pk}/consent/",
        lambda w: {"scope": "basic", "given_on": "2099-01-01"}, "given_on"),
    Bad("a consent step of an unknown scope", "coordinator", "POST",
        lambda w: f"{PARTICIPANTS}{w.participant.pk}/consent/",
        lambda w: {"scope": "everything", "given_on": "2025-10-01"}, "scope"),
    Bad("update moves to another project", "coordinator", "PATCH", lambda w: f"{PARTICIPANTS}{w.participant.pk}/",
        lambda w: {"project": w.other_project.pk}, "project"),
    Bad("update moves someone with a duo", "admin", "PATCH", lambda w: f"{PARTICIPANTS}{w.participant.pk}/",
        lambda w: {"project": w.other_project.pk}, "project"),
    Bad("replaced with postcode 9999", "coordinator", "PUT", lambda w: f"{PARTICIPANTS}{w.participant.pk}/",
        lambda w: person(w, postcode="9999"), "postcode"),
    Bad("replaced without a last name", "coordinator", "PUT", lambda w: f"{PARTICIPANTS}{w.participant.pk}/",
        lambda w: {k: v for k, v in person(w).items() if k != "last_name"}, "last_name"),
    # --- volunteers ---
    Bad("capacity 0", "coordinator", "POST", lambda w: VOLUNTEERS, lambda w: person(w, capacity=0), "capacity"),
    Bad("strengths level 7", "coordinator", "POST", lambda w: VOLUNTEERS,
        lambda w: person(w, strengths={"housing": 7}), "strengths"),
    Bad("volunteer with postcode 0000", "coordinator", "POST", lambda w: VOLUNTEERS,
        lambda w: person(w, postcode="0000"), "postcode"),
    Bad("volunteer in another project", "coordinator", "POST", lambda w: VOLUNTEERS,
        lambda w: person(w, project=w.other_project.pk), "project"),
    Bad("update to capacity 0", "coordinator", "PATCH", lambda w: f"{VOLUNTEERS}{w.volunteer.pk}/",
        lambda w: {"capacity": 0}, "capacity"),
    Bad("capacity lowered below the open duos", "coordinator", "PATCH",
        lambda w: f"{VOLUNTEERS}{busy_volunteer(w).pk}/",
        lambda w: {"capacity": 1}, "capacity"),
    Bad("update to an unknown language", "coordinator", "PATCH", lambda w: f"{VOLUNTEERS}{w.volunteer.pk}/",
        lambda w: {"languages": ["klingon"]}, "languages"),
    Bad("update to availability mon_night", "coordinator", "PATCH", lambda w: f"{VOLUNTEERS}{w.volunteer.pk}/",
        lambda w: {"availability": ["mon_night"]}, "availability"),
    Bad("volunteer moved to postcode 9999", "coordinator", "PATCH", lambda w: f"{VOLUNTEERS}{w.volunteer.pk}/",
        lambda w: {"postcode": "9999"}, "postcode"),
    Bad("update strengths in an unknown domain", "coordinator", "PATCH", lambda w: f"{VOLUNTEERS}{w.volunteer.pk}/",
        lambda w: {"strengths": {"weather": 2}}, "strengths"),
    Bad("replaced with capacity 0", "coordinator", "PUT", lambda w: f"{VOLUNTEERS}{w.volunteer.pk}/",
        lambda w: person(w, capacity=0), "capacity"),
    Bad("replaced with a capacity below the open duos", "coordinator", "PUT",
        lambda w: f"{VOLUNTEERS}{busy_volunteer(w).pk}/", lambda w: person(w, capacity=1), "capacity"),
    # --- funders ---
    Bad("funder with a blank name", "admin", "POST", lambda w: FUNDERS, lambda w: {"name": ""}, "name"),
    Bad("funder with a name taken", "admin", "POST", lambda w: FUNDERS, lambda w: {"name": w.funder.name}, "name"),
    Bad("funder renamed to a name taken", "admin", "PATCH", lambda w: f"{FUNDERS}{w.funder.pk}/",
        lambda w: {"name": f.FunderFactory(name="Provincie").name}, "name"),
    Bad("funder replaced with a blank name", "admin", "PUT", lambda w: f"{FUNDERS}{w.funder.pk}/",
        lambda w: {"name": ""}, "name"),
    # --- users ---
    Bad("not an e-mail address", "admin", "POST", lambda w: USERS, lambda w: {"email": "not-an-email"}, "email"),
    Bad("an e-mail address taken", "admin", "POST", lambda w: USERS, lambda w: {"email": w.coordinator.email},
        "email"),
    Bad("a weak password", "admin", "POST", lambda w: USERS, lambda w: {"email": "nieuw@example.be",
                                                                        "password": "123"}, "password"),
    Bad("user with an unknown language", "admin", "POST", lambda w: USERS, lambda w: {"email": "nieuw@example.be",
                                                                            "language": "fr"}, "language"),
    Bad("update to an e-mail address taken", "admin", "PATCH", lambda w: f"{USERS}{w.volunteer_user.pk}/",
        lambda w: {"email": w.coordinator.email}, "email"),
    Bad("update to a weak password", "admin", "PATCH", lambda w: f"{USERS}{w.volunteer_user.pk}/",
        lambda w: {"password": "abc"}, "password"),
    Bad("an e-mail address taken, in capitals", "admin", "POST", lambda w: USERS,
        lambda w: {"email": w.coordinator.email.upper()}, "email"),
    Bad("update to an e-mail address taken, in capitals", "admin", "PATCH",
        lambda w: f"{USERS}{w.volunteer_user.pk}/", lambda w: {"email": w.coordinator.email.upper()}, "email"),
    Bad("update to a password that is the user's own e-mail", "admin", "PATCH",
        lambda w: f"{USERS}{w.volunteer_user.pk}/", lambda w: {"password": w.volunteer_user.email}, "password"),
    Bad("user replaced with no e-mail address", "admin", "PUT", lambda w: f"{USERS}{w.volunteer_user.pk}/",
        lambda w: {"email": "not-an-email", "full_name": "Bob"}, "email"),
    Bad("user replaced with an e-mail address taken", "admin", "PUT", lambda w: f"{USERS}{w.volunteer_user.pk}/",
        lambda w: {"email": w.coordinator.email}, "email"),
    # --- memberships ---
    Bad("coordinator without project", "admin", "POST", lambda w: MEMBERSHIPS,
        lambda w: {"user": f.UserFactory().pk, "role": "coordinator"}, "project"),
    Bad("volunteer with a project", "admin", "POST", lambda w: MEMBERSHIPS,
        lambda w: {"user": f.UserFactory().pk, "role": "volunteer", "project": w.project.pk,
                   "volunteer": f.VolunteerFactory(project=w.project).pk}, "project"),
    Bad("funder without funder", "admin", "POST", lambda w: MEMBERSHIPS,
        lambda w: {"user": f.UserFactory().pk, "role": "funder"}, "funder"),
    Bad("an unknown role", "admin", "POST", lambda w: MEMBERSHIPS,
        lambda w: {"user": f.UserFactory().pk, "role": "king"}, "role"),
    Bad("a volunteer record already linked", "admin", "POST", lambda w: MEMBERSHIPS,
        lambda w: {"user": f.UserFactory().pk, "role": "volunteer", "volunteer": w.volunteer.pk}, "volunteer"),
    Bad("a coordinator membership given twice", "admin", "POST", lambda w: MEMBERSHIPS,
        lambda w: {"user": w.coordinator.pk, "role": "coordinator", "project": w.project.pk}, "non_field_errors"),
    Bad("a user that does not exist", "admin", "POST", lambda w: MEMBERSHIPS,
        lambda w: {"user": 987654, "role": "administrator"}, "user"),
    # --- goals ---
    Bad("goal in an unknown life domain", "coordinator", "POST", lambda w: GOALS,
        lambda w: {"duo": w.duo.pk, "life_domain": "weather", "description": "Iets"}, "life_domain"),
    Bad("a blank description", "coordinator", "POST", lambda w: GOALS,
        lambda w: {"duo": w.duo.pk, "life_domain": "social", "description": ""}, "description"),
    Bad("goal for another project's duo", "coordinator", "POST", lambda w: GOALS,
        lambda w: {"duo": w.other_duo.pk, "life_domain": "social", "description": "Iets"}, "duo"),
    Bad("update to an unknown life domain", "coordinator", "PATCH", lambda w: f"{GOALS}{w.goal.pk}/",
        lambda w: {"life_domain": "weather"}, "life_domain"),
    Bad("update moves it to another duo", "coordinator", "PATCH", lambda w: f"{GOALS}{w.goal.pk}/",
        lambda w: {"duo": proposed_duo(w).pk}, "duo"),
    Bad("goal replaced with an unknown life domain", "coordinator", "PUT", lambda w: f"{GOALS}{w.goal.pk}/",
        lambda w: {"duo": w.duo.pk, "life_domain": "weather", "description": "Iets"}, "life_domain"),
    Bad("goal replaced without a description", "coordinator", "PUT", lambda w: f"{GOALS}{w.goal.pk}/",
        lambda w: {"duo": w.duo.pk, "life_domain": "social"}, "description"),
    # --- check-ins (sent by the duo's volunteer) ---
    Bad("duration 0", "volunteer_user", "POST", lambda w: CHECK_INS, lambda w: check_in(w, duration_minutes=0),
        "duration_minutes"),
    Bad("duration 2000", "volunteer_user", "POST", lambda w: CHECK_INS,
        lambda w: check_in(w, duration_minutes=2000), "duration_minutes"),
    Bad("a date in the future", "volunteer_user", "POST", lambda w: CHECK_INS, lambda w: check_in(w, date=FUTURE),
        "date"),
    Bad("a date before the duo", "volunteer_user", "POST", lambda w: CHECK_INS,
        lambda w: check_in(w, date="2025-06-30"), "date"),
    Bad("mood 9", "volunteer_user", "POST", lambda w: CHECK_INS, lambda w: check_in(w, mood=9), "mood"),
    Bad("an unknown mode", "volunteer_user", "POST", lambda w: CHECK_INS, lambda w: check_in(w, mode="pigeon"),
        "mode"),
    Bad("an unknown activity", "volunteer_user", "POST", lambda w: CHECK_INS,
        lambda w: check_in(w, activities=["dance"]), "activities"),
    Bad("check-in touching an unknown life domain", "volunteer_user", "POST", lambda w: CHECK_INS,
        lambda w: check_in(w, life_domains=["weather"]), "life_domains"),
    Bad("a concern without a note", "volunteer_user", "POST", lambda w: CHECK_INS,
        lambda w: check_in(w, concern=True), "concern_note"),
    Bad("check-in for another project's duo", "volunteer_user", "POST", lambda w: CHECK_INS,
        lambda w: check_in(w, duo=w.other_duo.pk), "duo"),
    Bad("update to duration 0", "volunteer_user", "PATCH", lambda w: f"{CHECK_INS}{w.check_in.pk}/",
        lambda w: {"duration_minutes": 0}, "duration_minutes"),
    Bad("update to a date in the future", "volunteer_user", "PATCH", lambda w: f"{CHECK_INS}{w.check_in.pk}/",
        lambda w: {"date": FUTURE}, "date"),
    Bad("update to mood 9", "coordinator", "PATCH", lambda w: f"{CHECK_INS}{w.check_in.pk}/",
        lambda w: {"mood": 9}, "mood"),
    Bad("check-in replaced with duration 0", "volunteer_user", "PUT", lambda w: f"{CHECK_INS}{w.check_in.pk}/",
        lambda w: check_in(w, duration_minutes=0), "duration_minutes"),
    Bad("check-in replaced without a mode", "volunteer_user", "PUT", lambda w: f"{CHECK_INS}{w.check_in.pk}/",
        lambda w: {k: v for k, v in check_in(w).items() if k != "mode"}, "mode"),
    Bad("a concern handled with a note that is no text", "coordinator", "POST",
        lambda w: f"{CHECK_INS}{concern_check_in(w).pk}/handle-concern/", lambda w: {"note": {"text": "Gebeld"}},
        "note"),
    # --- duo propose ---
    Bad("another project's participant", "coordinator", "POST", lambda w: DUOS,
        lambda w: {**free_pair(w), "participant": w.other_participant.pk}, "participant"),
    Bad("another project's volunteer", "coordinator", "POST", lambda w: DUOS,
        lambda w: {**free_pair(w), "volunteer": w.other_volunteer.pk}, "volunteer"),
    Bad("volunteer and participant of different projects", "admin", "POST", lambda w: DUOS,
        lambda w: {**free_pair(w), "participant": f.ParticipantFactory(project=w.other_project).pk}, "volunteer"),
    # A volunteer whose screening is incomplete or expired is a 409 with the reason, not bad input
    # (issue 16): tests/people/test_screening.py.
    Bad("a participant without consent", "coordinator", "POST", lambda w: DUOS,
        lambda w: {**free_pair(w), "participant": f.ParticipantFactory(
            project=w.project, consent_date=None, consent_scope="", status="intake").pk}, "participant"),
    Bad("no volunteer", "coordinator", "POST", lambda w: DUOS,
        lambda w: {"participant": f.ParticipantFactory(project=w.project).pk}, "volunteer"),
    # --- duo transitions ---
    Bad("introduced before it was proposed", "coordinator", "POST",
        lambda w: f"{DUOS}{proposed_duo(w).pk}/introduce/", lambda w: {"on": "2025-06-30"}, "on"),
    Bad("introduced on no date", "coordinator", "POST",
        lambda w: f"{DUOS}{proposed_duo(w).pk}/introduce/", lambda w: {"on": "soon"}, "on"),
    Bad("started before the introduction", "coordinator", "POST",
        lambda w: f"{DUOS}{introduced_duo(w).pk}/activate/", lambda w: {"on": "2025-07-07"}, "on"),
    Bad("paused without a reason", "coordinator", "POST", lambda w: f"{DUOS}{w.duo.pk}/pause/",
        lambda w: {}, "reason"),
    Bad("paused with a reason that is too long", "coordinator", "POST", lambda w: f"{DUOS}{w.duo.pk}/pause/",
        lambda w: {"reason": "x" * 201}, "reason"),
    Bad("closed for a reason not in the list", "coordinator", "POST", lambda w: f"{DUOS}{w.duo.pk}/close/",
        lambda w: {"reason": "bored", "next_step": "end"}, "reason"),
    Bad("closed without a next step", "coordinator", "POST", lambda w: f"{DUOS}{w.duo.pk}/close/",
        lambda w: {"reason": "goals_reached"}, "next_step"),
    Bad("closed with an evaluation of 6", "coordinator", "POST", lambda w: f"{DUOS}{w.duo.pk}/close/",
        lambda w: {"reason": "goals_reached", "next_step": "end", "evaluation_volunteer": 6},
        "evaluation_volunteer"),
    Bad("closed before it was proposed", "coordinator", "POST", lambda w: f"{DUOS}{w.duo.pk}/close/",
        lambda w: {"reason": "goals_reached", "next_step": "end", "on": "2025-06-30"}, "on"),
    Bad("a next meeting that is no date", "volunteer_user", "POST", lambda w: f"{DUOS}{w.duo.pk}/next-meeting/",
        lambda w: {"on": "tomorrow"}, "on"),
    Bad("a next meeting left out", "volunteer_user", "POST", lambda w: f"{DUOS}{w.duo.pk}/next-meeting/",
        lambda w: {}, "on"),
    # --- me ---
    Bad("an unknown language", "volunteer_user", "PATCH", lambda w: "/api/v1/me/", lambda w: {"language": "fr"},
        "language"),
    Bad("a name that is too long", "volunteer_user", "PATCH", lambda w: "/api/v1/me/",
        lambda w: {"full_name": "x" * 151}, "full_name"),
]

# --- funding (issue 6) ---------------------------------------------------------------------------
from decimal import Decimal  # noqa: E402

from buddynet.features.funding.models import (  # noqa: E402
    AllowancePayment,
    BudgetLine,
    DeclaredAllowance,
    Expense,
    Grant,
    ProgressReport,
    ReportAnnex,
    ReportingObligation,
    ReportNarrative,
    Tranche,
)
from tests.funding.builders import seed_caps  # noqa: E402

MODELS += (Grant, BudgetLine, Tranche, ReportingObligation, Expense, AllowancePayment, DeclaredAllowance,
           ProgressReport, ReportNarrative, ReportAnnex)
FUNDING = "/api/v1/funding/"


def funded(w: World) -> Grant:
    grant = Grant.objects.filter(project=w.project).first()
    if grant is None:
        grant = Grant.objects.create(funder=w.funder, project=w.project, reference="WVG-GENT-1",
                                     amount=Decimal("45000"), start_date=dt.date(2025, 1, 1),
                                     end_date=dt.date(2027, 12, 31))
        BudgetLine.objects.create(grant=grant, kind="personnel", amount=Decimal("30000"))
    return grant


def spend(w: World, **extra: Any) -> dict[str, Any]:
    grant = funded(w)
    return {"grant": grant.pk, "budget_line": grant.budget_lines.get().pk, "date": "2025-06-30", "amount": "100",
            "description": "Loon", **extra}


def allowance(w: World, **extra: Any) -> dict[str, Any]:
    seed_caps()
    return {"volunteer": w.volunteer.pk, "kind": "flat_rate", "paid_on": "2026-03-01", "year": 2026, "days": 1,
            "amount": "40", **extra}


def tranche(w: World) -> Tranche:
    return Tranche.objects.create(grant=funded(w), due_on=dt.date(2026, 1, 1), amount=Decimal("15000"))


def draft_report(w: World) -> ProgressReport:
    return ProgressReport.objects.create(grant=funded(w), period_start=dt.date(2025, 1, 1),
                                         period_end=dt.date(2025, 12, 31))


def frozen_report(w: World) -> ProgressReport:
    return ProgressReport.objects.create(
        grant=funded(w), period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31),
        status=ProgressReport.Status.FROZEN, numbers={"kind": "grant"},
        frozen_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC), pdf="funding/reports/2026/WVG-GENT-1.pdf",
        pdf_sha256="0" * 64)


def obligation(w: World) -> ReportingObligation:
    return ReportingObligation.objects.create(grant=funded(w), kind="financial", due_on=dt.date(2026, 3, 31))


def answered_obligation(w: World) -> ReportingObligation:
    """An obligation that a draft report answers already."""
    answered = obligation(w)
    ProgressReport.objects.create(grant=funded(w), period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 6, 30),
                                  obligation=answered)
    return answered


BAD += [
    Bad("a grant above the funder's cap", "admin", "POST", lambda w: f"{FUNDING}grants/",
        lambda w: {"funder": w.funder.pk, "project": w.project.pk, "reference": "X-1", "amount": "50000.01",
                   "start_date": "2026-01-01"}, "amount"),
    Bad("a grant ending before it starts", "admin", "POST", lambda w: f"{FUNDING}grants/",
        lambda w: {"funder": w.funder.pk, "project": w.project.pk, "reference": "X-1", "amount": "100",
                   "start_date": "2026-01-01", "end_date": "2025-12-31"}, "end_date"),
    Bad("a grant lowered below its budget lines", "admin", "PATCH", lambda w: f"{FUNDING}grants/{funded(w).pk}/",
        lambda w: {"amount": "29999.99"}, "amount"),
    Bad("budget lines over the grant", "admin", "POST", lambda w: f"{FUNDING}budget-lines/",
        lambda w: {"grant": funded(w).pk, "kind": "training", "amount": "15000.01"}, "amount"),
    Bad("a budget line of an unknown kind", "admin", "POST", lambda w: f"{FUNDING}budget-lines/",
        lambda w: {"grant": funded(w).pk, "kind": "champagne", "amount": "10"}, "kind"),
    Bad("tranches over the grant", "admin", "POST", lambda w: f"{FUNDING}tranches/",
        lambda w: {"grant": funded(w).pk, "due_on": "2026-01-01", "amount": "45000.01"}, "amount"),
    Bad("an approval before the submission", "admin", "POST", lambda w: f"{FUNDING}obligations/",
        lambda w: {"grant": funded(w).pk, "kind": "financial", "due_on": "2026-03-31", "submitted_on": "2026-03-01",
                   "approved_on": "2026-02-01"}, "approved_on"),
    Bad("an expense before the grant", "coordinator", "POST", lambda w: f"{FUNDING}expenses/",
        lambda w: spend(w, date="2024-12-31"), "date"),
    Bad("an expense after the grant", "coordinator", "POST", lambda w: f"{FUNDING}expenses/",
        lambda w: spend(w, date="2028-01-01"), "date"),
    Bad("an expense of zero", "coordinator", "POST", lambda w: f"{FUNDING}expenses/", lambda w: spend(w, amount="0"),
        "amount"),
    Bad("an expense over its line without a justification", "coordinator", "POST", lambda w: f"{FUNDING}expenses/",
        lambda w: spend(w, amount="30000.01"), "overspend_justification"),
    Bad("an expense without a description", "coordinator", "POST", lambda w: f"{FUNDING}expenses/",
        lambda w: {k: v for k, v in spend(w).items() if k != "description"}, "description"),
    Bad("an allowance over the daily cap", "coordinator", "POST", lambda w: f"{FUNDING}allowance-payments/",
        lambda w: allowance(w, amount="44.03"), "amount"),
    Bad("an allowance over the yearly cap", "coordinator", "POST", lambda w: f"{FUNDING}allowance-payments/",
        lambda w: allowance(w, days=41, amount="1760.84"), "amount"),
    Bad("a flat-rate allowance for no days", "coordinator", "POST", lambda w: f"{FUNDING}allowance-payments/",
        lambda w: allowance(w, days=0), "days"),
    Bad("an allowance of an unknown kind", "coordinator", "POST", lambda w: f"{FUNDING}allowance-payments/",
        lambda w: allowance(w, kind="cash"), "kind"),
    Bad("an allowance for a volunteer of another project", "coordinator", "POST",
        lambda w: f"{FUNDING}allowance-payments/", lambda w: allowance(w, volunteer=w.other_volunteer.pk), "volunteer"),
    Bad("a declared allowance without the organisation", "coordinator", "POST",
        lambda w: f"{FUNDING}declared-allowances/",
        lambda w: {"volunteer": w.volunteer.pk, "year": 2026, "amount": "10"}, "organisation"),
    Bad("a report period outside the grant", "coordinator", "POST", lambda w: f"{FUNDING}reports/",
        lambda w: {"grant": funded(w).pk, "period_start": "2024-01-01", "period_end": "2024-12-31"}, "period_start"),
    Bad("a report period that ends before it starts", "coordinator", "POST", lambda w: f"{FUNDING}reports/",
        lambda w: {"grant": funded(w).pk, "period_start": "2025-12-31", "period_end": "2025-01-01"}, "period_end"),
    Bad("a report answering an obligation already answered", "coordinator", "POST", lambda w: f"{FUNDING}reports/",
        lambda w: {"grant": funded(w).pk, "period_start": "2025-01-01", "period_end": "2025-12-31",
                   "obligation": answered_obligation(w).pk}, "obligation"),
    Bad("a report answering an obligation that is no id", "coordinator", "POST", lambda w: f"{FUNDING}reports/",
        lambda w: {"grant": funded(w).pk, "period_start": "2025-01-01", "period_end": "2025-12-31",
                   "obligation": "jaarverslag"}, "obligation"),
    Bad("a sign-off confirmed with another name", "coordinator", "POST",
        lambda w: f"{FUNDING}reports/{draft_report(w).pk}/sign-off/", lambda w: {"confirmation": "WVG-GENT-2 v1"},
        "confirmation"),
    Bad("a sign-off without its confirmation", "coordinator", "POST",
        lambda w: f"{FUNDING}reports/{draft_report(w).pk}/sign-off/", lambda w: {}, "confirmation"),
    Bad("a narrative section too long", "coordinator", "POST",
        lambda w: f"{FUNDING}reports/{draft_report(w).pk}/narrative/", lambda w: {"highlights": "x" * 20_001},
        "highlights"),
    Bad("an annex that is no file", "coordinator", "POST",
        lambda w: f"{FUNDING}reports/{draft_report(w).pk}/annexes/", lambda w: {"file": "verslag.pdf"}, "file"),
    Bad("an approval with a comment too long", "funder_user", "POST",
        lambda w: f"{FUNDING}reports/{frozen_report(w).pk}/approve/", lambda w: {"comment": "x" * 4001}, "comment"),
    Bad("a request for completion that says nothing", "funder_user", "POST",
        lambda w: f"{FUNDING}reports/{frozen_report(w).pk}/request-completion/", lambda w: {"comment": " "},
        "comment"),
    Bad("a tranche raised over the grant", "admin", "PATCH", lambda w: f"{FUNDING}tranches/{tranche(w).pk}/",
        lambda w: {"amount": "45000.01"}, "amount"),
    Bad("a tranche due on no date", "admin", "PATCH", lambda w: f"{FUNDING}tranches/{tranche(w).pk}/",
        lambda w: {"due_on": "next spring"}, "due_on"),
    Bad("an obligation approved before it was submitted", "admin", "PATCH",
        lambda w: f"{FUNDING}obligations/{obligation(w).pk}/",
        lambda w: {"submitted_on": "2026-03-01", "approved_on": "2026-02-01"}, "approved_on"),
    Bad("an obligation submitted on no date", "coordinator", "PATCH",
        lambda w: f"{FUNDING}obligations/{obligation(w).pk}/", lambda w: {"submitted_on": "soon"}, "submitted_on"),
]


# --- netwerk: network maps (sent by the participant's coordinator; the tie via the buddy by the
# duo's volunteer) ---------------------------------------------------------------------------
NW_MAPS, NW_ALTERS, NW_TIES = "/api/v1/netwerk/maps/", "/api/v1/netwerk/alters/", "/api/v1/netwerk/ties/"


def nw_map(w: World, participant: Any = None) -> Any:
    from netwerk import services as netwerk_services

    network_map = netwerk_services.map_create(participant=participant or w.participant, by=w.admin,
                                              copy_from_last=False, on=dt.date(2025, 6, 1))
    netwerk_services.alter_add(network_map=network_map, by=w.admin, data={"label": "Mama", "category": "family"})
    return network_map


def nw_alter(w: World, **extra: Any) -> dict[str, Any]:
    return {"map": nw_map(w).pk, "label": "Ria", "category": "neighbour", **extra}


def nw_two_maps_alters(w: World) -> dict[str, Any]:
    """An alter of a map of the participant and one of a map of another participant, same project."""
    other = f.ParticipantFactory(project=w.project)
    return {"a": nw_map(w).alters.get().pk, "b": nw_map(w, other).alters.get().pk}


def nw_via_buddy(w: World, **extra: Any) -> dict[str, Any]:
    return {"label": "Buurvrouw Ria", "category": "neighbour", "life_domains": ["social"], **extra}


VIA_BUDDY = "/api/v1/netwerk/duos/{}/tie-via-buddy/"

BAD += [
    Bad("map for another project's participant", "coordinator", "POST", lambda w: NW_MAPS,
        lambda w: {"participant": w.other_participant.pk, "date": "2025-06-01"}, "participant"),
    Bad("map without a date", "coordinator", "POST", lambda w: NW_MAPS,
        lambda w: {"participant": w.participant.pk}, "date"),
    Bad("map dated in the future", "coordinator", "POST", lambda w: NW_MAPS,
        lambda w: {"participant": w.participant.pk, "date": FUTURE}, "date"),
    Bad("map moved into the future", "coordinator", "PATCH", lambda w: f"{NW_MAPS}{nw_map(w).pk}/",
        lambda w: {"date": FUTURE}, "date"),
    Bad("map for an unknown occasion", "coordinator", "PATCH", lambda w: f"{NW_MAPS}{nw_map(w).pk}/",
        lambda w: {"occasion": "birthday"}, "occasion"),
    Bad("alter of an unknown category", "coordinator", "POST", lambda w: NW_ALTERS,
        lambda w: nw_alter(w, category="stranger"), "category"),
    Bad("alter on ring 7", "coordinator", "POST", lambda w: NW_ALTERS, lambda w: nw_alter(w, ring=7), "ring"),
    Bad("alter in an unknown life domain", "coordinator", "POST", lambda w: NW_ALTERS,
        lambda w: nw_alter(w, life_domains=["social", "weather"]), "life_domains"),
    Bad("alter with a blank label", "coordinator", "POST", lambda w: NW_ALTERS, lambda w: nw_alter(w, label=""),
        "label"),
    Bad("alter on another project's map", "coordinator", "POST", lambda w: NW_ALTERS,
        lambda w: {**nw_alter(w), "map": nw_map(w, w.other_participant).pk}, "map"),
    Bad("alter moved to ring 0", "coordinator", "PATCH",
        lambda w: f"{NW_ALTERS}{nw_map(w).alters.get().pk}/", lambda w: {"ring": 0}, "ring"),
    Bad("tie to an alter of another map", "coordinator", "POST", lambda w: NW_TIES, nw_two_maps_alters, "b"),
    Bad("tie of an alter with itself", "coordinator", "POST", lambda w: NW_TIES,
        lambda w: {"a": (pk := nw_map(w).alters.get().pk), "b": pk}, "b"),
    Bad("tie to another project's alter", "coordinator", "POST", lambda w: NW_TIES,
        lambda w: {"a": nw_map(w).alters.get().pk, "b": nw_map(w, w.other_participant).alters.get().pk}, "b"),
    Bad("change against another participant's map", "coordinator", "GET",
        lambda w: f"{NW_MAPS}{nw_map(w).pk}/change/",
        lambda w: {"against": nw_map(w, f.ParticipantFactory(project=w.project)).pk}, "against"),
    Bad("change of a first map", "coordinator", "GET", lambda w: f"{NW_MAPS}{nw_map(w).pk}/change/",
        lambda w: {}, "against"),
    Bad("tie via the buddy of an unknown category", "volunteer_user", "POST",
        lambda w: VIA_BUDDY.format(w.duo.pk), lambda w: nw_via_buddy(w, category="stranger"), "category"),
    Bad("tie via the buddy that is the buddy", "volunteer_user", "POST",
        lambda w: VIA_BUDDY.format(w.duo.pk), lambda w: nw_via_buddy(w, category="buddy"), "category"),
    Bad("tie via the buddy in an unknown life domain", "volunteer_user", "POST",
        lambda w: VIA_BUDDY.format(w.duo.pk), lambda w: nw_via_buddy(w, life_domains=["weather"]), "life_domains"),
    Bad("tie via the buddy without a label", "volunteer_user", "POST",
        lambda w: VIA_BUDDY.format(w.duo.pk), lambda w: nw_via_buddy(w, label=""), "label"),
    Bad("tie via the buddy from another duo's check-in", "coordinator", "POST",
        lambda w: VIA_BUDDY.format(w.duo.pk),
        lambda w: nw_via_buddy(w, check_in=f.CheckInFactory(duo=f.DuoFactory(
            participant=f.ParticipantFactory(project=w.project))).pk), "check_in"),
]


def _netwerk_models() -> tuple[Any, ...]:
    from netwerk.models import Alter, NetworkMap, Tie

    return (NetworkMap, Alter, Tie)


MODELS = (*MODELS, *_netwerk_models())


# --- matching --------------------------------------------------------------------------------
def _match_models() -> tuple[Any, ...]:
    from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal

    return (MatchRun, Proposal, ForbiddenPair, LockedPair)


MODELS = MODELS + _match_models()
RUNS, PROPOSALS = "/api/v1/match-runs/", "/api/v1/match-proposals/"
FORBIDDEN, LOCKED = "/api/v1/match-forbidden-pairs/", "/api/v1/match-locked-pairs/"


def pending_proposal(w: World) -> Any:
    from matching.models import MatchRun, Proposal

    run = MatchRun.objects.create(project=w.project, status=MatchRun.Status.DONE)
    return Proposal.objects.create(run=run, participant=f.ParticipantFactory(project=w.project),
                                   volunteer=f.VolunteerFactory(project=w.project), score=100)


def pair(w: World, **extra: Any) -> dict[str, Any]:
    return {**free_pair(w), "reason": "Kennen elkaar", **extra}


POOLED = "/api/v1/match-runs/pooled/"


def city_projects(w: World) -> list[int]:
    """world.project and a second project of its organisation and city, both coordinated."""
    from buddynet.records.accounts.models import Role
    from buddynet.records.accounts.services import membership_grant

    second = f.ProjectFactory(organisation=w.project.organisation, name="Buddy Gent-Noord")
    f.VolunteerFactory(project=second)
    membership_grant(user=w.coordinator, role=Role.COORDINATOR, project=second)
    return [w.project.pk, second.pk]


BAD += [
    Bad("a pooled run of one project", "coordinator", "POST", lambda w: POOLED,
        lambda w: {"projects": [w.project.pk]}, "projects"),
    Bad("a pooled run without projects", "coordinator", "POST", lambda w: POOLED, lambda w: {}, "projects"),
    Bad("a pooled run with another organisation's project", "coordinator", "POST", lambda w: POOLED,
        lambda w: {"projects": [w.project.pk, w.other_project.pk]}, "projects"),
    Bad("a pooled run over two municipalities", "coordinator", "POST", lambda w: POOLED,
        lambda w: (lambda ids: (f.VolunteerFactory(project_id=ids[1], postcode="2000", municipality="Antwerpen"),
                                f.VolunteerFactory(project_id=ids[1], postcode="2000", municipality="Antwerpen"),
                                {"projects": ids})[-1])(city_projects(w)), "projects"),
    Bad("a pooled run with an unknown criterion", "coordinator", "POST", lambda w: POOLED,
        lambda w: {"projects": city_projects(w), "weights": {"horoscope": 2}}, "weights"),
    Bad("a run for a project that does not exist", "coordinator", "POST", lambda w: RUNS,
        lambda w: {"project": 987654}, "project"),
    Bad("a run for another coordinator's project", "coordinator", "POST", lambda w: RUNS,
        lambda w: {"project": w.other_project.pk}, "project"),
    Bad("a run without a project", "coordinator", "POST", lambda w: RUNS, lambda w: {}, "project"),
    Bad("a negative weight", "coordinator", "POST", lambda w: RUNS,
        lambda w: {"project": w.project.pk, "weights": {"distance": -1}}, "weights"),
    Bad("a weight for an unknown criterion", "coordinator", "POST", lambda w: RUNS,
        lambda w: {"project": w.project.pk, "weights": {"horoscope": 2}}, "weights"),
    Bad("weights that are no mapping", "coordinator", "POST", lambda w: RUNS,
        lambda w: {"project": w.project.pk, "weights": [1, 2]}, "weights"),
    Bad("a weight that is no number", "coordinator", "POST", lambda w: RUNS,
        lambda w: {"project": w.project.pk, "weights": {"distance": "far"}}, "weights"),
    Bad("rejected without a reason", "coordinator", "POST", lambda w: f"{PROPOSALS}{pending_proposal(w).pk}/reject/",
        lambda w: {}, "reason"),
    Bad("rejected with a blank reason", "coordinator", "POST",
        lambda w: f"{PROPOSALS}{pending_proposal(w).pk}/reject/", lambda w: {"reason": "  "}, "reason"),
    Bad("rejected with a reason that is too long", "coordinator", "POST",
        lambda w: f"{PROPOSALS}{pending_proposal(w).pk}/reject/", lambda w: {"reason": "x" * 301}, "reason"),
    Bad("forbid another project's participant", "coordinator", "POST", lambda w: FORBIDDEN,
        lambda w: pair(w, participant=w.other_participant.pk), "participant"),
    Bad("forbid a pair across two projects", "admin", "POST", lambda w: FORBIDDEN,
        lambda w: pair(w, volunteer=w.other_volunteer.pk), "volunteer"),
    Bad("forbid without a reason", "coordinator", "POST", lambda w: FORBIDDEN,
        lambda w: {**free_pair(w)}, "reason"),
    Bad("lock another project's volunteer", "coordinator", "POST", lambda w: LOCKED,
        lambda w: pair(w, volunteer=w.other_volunteer.pk), "volunteer"),
    Bad("lock with a blank reason", "coordinator", "POST", lambda w: LOCKED, lambda w: pair(w, reason=" "), "reason"),
    Bad("lock a participant that does not exist", "coordinator", "POST", lambda w: LOCKED,
        lambda w: pair(w, participant=987654), "participant"),
    # A volunteer's account (accounts/invitations.py): the invitation goes to the record's address.
    Bad("invite a volunteer without an e-mail address", "coordinator", "POST",
        lambda w: reverse("v1:volunteer-invitation", args=[f.VolunteerFactory(project=w.project, email="").pk]),
        lambda w: {}, "email"),
]


# --- barrier signals (issue 18) ----------------------------------------------------------------
def _signal_models() -> tuple[Any, ...]:
    from buddynet.features.signals.models import Signal
    from buddynet.records.people.models import NeedsMeasurement

    return (Signal, NeedsMeasurement)


MODELS = MODELS + _signal_models()
SIGNALS = "/api/v1/signals/"


def a_signal(w: World) -> Any:
    from buddynet.features.signals import services as signal_services

    return signal_services.signal_record(participant=w.participant, duo=w.duo, by=w.coordinator, data={
        "barrier_type": "waiting-lists", "life_domain": "housing", "description": "Marieke wacht op een woning"})


def signal_body(w: World, **extra: Any) -> dict[str, Any]:
    return {"participant": w.participant.pk, "barrier_type": "non-take-up", "life_domain": "income", **extra}


BAD += [
    Bad("a barrier type outside the taxonomy", "coordinator", "POST", lambda w: SIGNALS,
        lambda w: signal_body(w, barrier_type="horoscope"), "barrier_type"),
    Bad("a signal for another project's participant", "coordinator", "POST", lambda w: SIGNALS,
        lambda w: signal_body(w, participant=w.other_participant.pk), "participant"),
    Bad("a signal with an unknown life domain", "coordinator", "POST", lambda w: SIGNALS,
        lambda w: signal_body(w, life_domain="astrology"), "life_domain"),
    Bad("a signal whose description is too long", "coordinator", "POST", lambda w: SIGNALS,
        lambda w: signal_body(w, description="x" * 301), "description"),
    Bad("a signal with another participant's duo", "admin", "POST", lambda w: SIGNALS,
        lambda w: signal_body(w, duo=w.other_duo.pk), "duo"),
    Bad("passed on without saying to whom", "coordinator", "POST", lambda w: f"{SIGNALS}{a_signal(w).pk}/move/",
        lambda w: {"status": "passed_on"}, "passed_on_to"),
    Bad("an unknown status", "coordinator", "POST", lambda w: f"{SIGNALS}{a_signal(w).pk}/move/",
        lambda w: {"status": "forgotten"}, "status"),
    Bad("a description that names the participant shared", "coordinator", "POST",
        lambda w: f"{SIGNALS}{a_signal(w).pk}/share/", lambda w: {"shareable": True}, "shareable"),
    Bad("sharing without saying yes or no", "coordinator", "POST",
        lambda w: f"{SIGNALS}{a_signal(w).pk}/share/", lambda w: {}, "shareable"),
]


# --- aftercare, referrals, evaluations (issue 18) -----------------------------------------------
from buddynet.features.aftercare.models import AftercareItem, AftercareSettings, Evaluation, Referral  # noqa: E402
from tests.test_api_access import aftercare_item_of, referral_of, referral_service_of  # noqa: E402

AFTERCARE_MODELS = (AftercareItem, AftercareSettings, Referral, Evaluation)


def item_log(w: World) -> str:
    return f"/api/v1/aftercare/items/{aftercare_item_of(w).pk}/log/"


def referral(w: World, **extra: Any) -> dict[str, Any]:
    return {"participant": w.participant.pk, "service": referral_service_of(w).pk, "date": "2025-09-01",
            "life_domain": "income", **extra}


BAD += [
    Bad("aftercare before the closure", "coordinator", "POST", item_log,
        lambda w: {"on": "2025-08-01", "mode": "phone"}, "on"),
    Bad("an aftercare contact without its type", "coordinator", "POST", item_log, lambda w: {"on": "2025-10-01"},
        "mode"),
    Bad("aftercare in the future", "coordinator", "POST", item_log, lambda w: {"on": FUTURE, "mode": "phone"}, "on"),
    Bad("aftercare at month 0", "coordinator", "PATCH",
        lambda w: f"/api/v1/aftercare/projects/{w.project.pk}/settings/", lambda w: {"contact_months": [0]},
        "contact_months"),
    Bad("an interim map every 0 months", "coordinator", "PATCH",
        lambda w: f"/api/v1/aftercare/projects/{w.project.pk}/settings/", lambda w: {"interim_map_months": 0},
        "interim_map_months"),
    Bad("a service without a kind", "coordinator", "POST", lambda w: "/api/v1/referrals/services/",
        lambda w: {"project": w.project.pk, "name": "OCMW"}, "kind"),
    Bad("a service in another project", "coordinator", "POST", lambda w: "/api/v1/referrals/services/",
        lambda w: {"project": w.other_project.pk, "name": "OCMW", "kind": "ocmw"}, "project"),
    Bad("an import without a file", "coordinator", "POST", lambda w: "/api/v1/referrals/services/import/",
        lambda w: {"project": w.project.pk}, "file"),
    Bad("a referral in an unknown life domain", "coordinator", "POST", lambda w: "/api/v1/referrals/",
        lambda w: referral(w, life_domain="luck"), "life_domain"),
    Bad("a referral of another project's participant", "coordinator", "POST", lambda w: "/api/v1/referrals/",
        lambda w: referral(w, participant=w.other_participant.pk), "participant"),
    Bad("a referral in the future", "coordinator", "POST", lambda w: "/api/v1/referrals/",
        lambda w: referral(w, date=FUTURE), "date"),
    Bad("an unknown outcome", "coordinator", "POST", lambda w: f"/api/v1/referrals/{referral_of(w).pk}/outcome/",
        lambda w: {"outcome": "maybe"}, "outcome"),
    Bad("an outcome before the referral", "coordinator", "POST",
        lambda w: f"/api/v1/referrals/{referral_of(w).pk}/outcome/",
        lambda w: {"outcome": "started", "on": "2025-08-01"}, "on"),
    Bad("a sixth face", "volunteer_user", "POST", lambda w: "/api/v1/evaluations/",
        lambda w: {"duo": w.duo.pk, "moment": "interim", "date": "2025-09-01", "heard": 6}, "heard"),
    Bad("an evaluation without an answer", "volunteer_user", "POST", lambda w: "/api/v1/evaluations/",
        lambda w: {"duo": w.duo.pk, "moment": "interim", "date": "2025-09-01"}, "heard"),
    Bad("an evaluation of another volunteer's duo", "other_volunteer_user", "POST", lambda w: "/api/v1/evaluations/",
        lambda w: {"duo": w.duo.pk, "moment": "interim", "date": "2025-09-01", "heard": 3}, "duo"),
]


def assert_field_error(response: Any, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    # A list field's bad item comes as {index: [messages]} (DRF's ListField), the rest as [messages].
    lists = body[field].values() if isinstance(body[field], dict) else [body[field]]
    for messages in lists:
        assert isinstance(messages, list) and messages, body
        assert all(isinstance(m, str) and m for m in messages), body


@pytest.mark.parametrize("bad", [pytest.param(b, id=f"{b.method} {b.label}") for b in BAD])
def test_it_refuses_bad_input_with_a_field_error_and_writes_nothing(world: World, bad: Bad) -> None:
    url, body = bad.url(world), bad.body(world)
    before = snapshot()

    response = getattr(client_for(getattr(world, bad.user)), bad.method.lower())(url, body, format="json")

    assert_field_error(response, bad.field)
    assert snapshot() == before


def test_it_stores_a_changed_email_address_in_lower_case(world: World) -> None:
    response = client_for(world.admin).patch(f"{USERS}{world.volunteer_user.pk}/", {"email": "Bob.J@Example.be"},
                                             format="json")

    assert response.status_code == 200, response.content
    world.volunteer_user.refresh_from_db()
    assert world.volunteer_user.email == "bob.j@example.be"


def test_it_refuses_an_unknown_postcode_lookup(world: World) -> None:
    response = client_for(world.coordinator).get("/api/v1/postcodes/0000/")

    assert_field_error(response, "postcode")


# --- the language of the messages ------------------------------------------------------------
def test_it_answers_a_missing_field_in_dutch_by_default(world: World) -> None:
    response = client_for(world.coordinator).post(GOALS, {"duo": world.duo.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["description"] == ["Dit veld is vereist."]
    assert Goal.objects.count() == 1


def test_it_answers_a_missing_field_in_english_when_asked(world: World) -> None:
    response = client_for(world.coordinator).post(GOALS, {"duo": world.duo.pk}, format="json",
                                                  HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["description"] == ["This field is required."]
    assert Goal.objects.count() == 1


def test_it_names_an_out_of_scope_id_as_not_existing_in_either_language(world: World) -> None:
    client = client_for(world.coordinator)
    body = {"duo": world.other_duo.pk, "life_domain": "social", "description": "Iets"}

    dutch = client.post(GOALS, body, format="json")
    english = client.post(GOALS, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert dutch.json()["duo"] == [f'Ongeldige pk "{world.other_duo.pk}" - object bestaat niet.']
    assert english.json()["duo"] == [f'Invalid pk "{world.other_duo.pk}" - object does not exist.']


def test_a_check_in_for_a_duo_out_of_reach_names_the_id_as_not_existing_and_stores_nothing(world: World) -> None:
    # The duo is checked by the INSERT itself (duos.services.check_in_record), not by the
    # field: the answer must still be the field's own, for a duo of another volunteer and for
    # an id that names no duo alike.
    client = client_for(world.volunteer_user)
    before = CheckIn.objects.count()

    for duo_id in (world.other_duo.pk, 987654321):
        dutch = client.post(CHECK_INS, check_in(world, duo=duo_id), format="json")
        english = client.post(CHECK_INS, check_in(world, duo=duo_id), format="json", HTTP_ACCEPT_LANGUAGE="en")

        assert dutch.status_code == english.status_code == 400
        assert dutch.json() == {"duo": [f'Ongeldige pk "{duo_id}" - object bestaat niet.']}
        assert english.json() == {"duo": [f'Invalid pk "{duo_id}" - object does not exist.']}
    assert CheckIn.objects.count() == before


# --- dates around today, under a fixed clock ---------------------------------------------------
@time_machine.travel(dt.datetime(2025, 10, 1, 22, 30, tzinfo=dt.UTC), tick=False)
def test_it_refuses_a_check_in_dated_tomorrow_in_brussels(world: World) -> None:
    # 22:30 UTC is already 2 October in Brussels: the 2nd is today, the 3rd is tomorrow.
    client = client_for(world.volunteer_user)

    tomorrow = client.post(CHECK_INS, check_in(world, date="2025-10-03"), format="json")
    today = client.post(CHECK_INS, check_in(world, date="2025-10-02"), format="json")

    assert_field_error(tomorrow, "date")
    assert today.status_code == 201, today.content
    assert list(CheckIn.objects.filter(duo=world.duo).values_list("date", flat=True).order_by("date")) == [
        dt.date(2025, 8, 1), dt.date(2025, 10, 2)]


# --- duo invariants and transitions: 409 --------------------------------------------------------
def assert_conflict(response: Any) -> None:
    assert response.status_code == 409, response.content
    assert isinstance(response.json().get("detail"), str) and response.json()["detail"]


def test_it_refuses_a_second_open_duo_for_a_participant(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project)
    before = snapshot()

    response = client_for(world.coordinator).post(
        DUOS, {"volunteer": volunteer.pk, "participant": world.participant.pk}, format="json")

    assert_conflict(response)
    assert snapshot() == before
    assert Duo.objects.filter(participant=world.participant).count() == 1


def test_it_refuses_a_duo_for_a_volunteer_at_capacity(world: World) -> None:
    participant = f.ParticipantFactory(project=world.project)
    before = snapshot()

    response = client_for(world.coordinator).post(
        DUOS, {"volunteer": world.volunteer.pk, "participant": participant.pk}, format="json")

    assert_conflict(response)
    assert snapshot() == before
    participant.refresh_from_db()
    assert participant.status == Participant.Status.WAITING


def test_it_accepts_a_second_duo_for_a_volunteer_with_room_for_two(world: World) -> None:
    world.volunteer.capacity = 2
    world.volunteer.save()
    participant = f.ParticipantFactory(project=world.project)

    response = client_for(world.coordinator).post(
        DUOS, {"volunteer": world.volunteer.pk, "participant": participant.pk}, format="json")

    assert response.status_code == 201, response.content
    assert Duo.objects.filter(volunteer=world.volunteer).count() == 2
    participant.refresh_from_db()
    assert participant.status == Participant.Status.MATCHED


def test_it_refuses_to_lower_a_volunteers_capacity_below_their_open_duos(world: World) -> None:
    volunteer = busy_volunteer(world)
    before = snapshot()

    response = client_for(world.coordinator).patch(f"{VOLUNTEERS}{volunteer.pk}/", {"capacity": 1}, format="json",
                                                   HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400, response.content
    assert response.json() == {"capacity": ["This volunteer has 2 open duos; the capacity cannot be lower than that."]}
    assert snapshot() == before


def test_it_lowers_a_volunteers_capacity_to_their_open_duos(world: World) -> None:
    volunteer = busy_volunteer(world)
    volunteer.capacity = 3
    volunteer.save()

    response = client_for(world.coordinator).patch(f"{VOLUNTEERS}{volunteer.pk}/", {"capacity": 2}, format="json")

    assert response.status_code == 200, response.content
    volunteer.refresh_from_db()
    assert volunteer.capacity == 2


def closed_duo(w: World) -> Duo:
    return f.DuoFactory(participant=f.ParticipantFactory(project=w.project), volunteer=f.VolunteerFactory(
        project=w.project), status=DuoStatus.CLOSED, closed_on=dt.date(2025, 9, 1), closure_reason="moved")


def paused_duo(w: World) -> Duo:
    return f.DuoFactory(participant=f.ParticipantFactory(project=w.project), volunteer=f.VolunteerFactory(
        project=w.project), status=DuoStatus.PAUSED, paused_on=dt.date(2025, 9, 1), pause_reason="Ziek")


CLOSE = {"reason": "goals_reached", "next_step": "end"}


@pytest.mark.parametrize(("duo", "action", "body"), [
    pytest.param(lambda w: w.duo, "resume", {}, id="resume an active duo"),
    pytest.param(lambda w: w.duo, "introduce", {}, id="introduce an active duo"),
    pytest.param(lambda w: w.duo, "activate", {}, id="activate an active duo"),
    pytest.param(proposed_duo, "activate", {}, id="activate a duo never introduced"),
    pytest.param(proposed_duo, "pause", {"reason": "Ziek"}, id="pause a proposed duo"),
    pytest.param(paused_duo, "pause", {"reason": "Ziek"}, id="pause a paused duo"),
    pytest.param(closed_duo, "close", CLOSE, id="close a closed duo"),
    pytest.param(closed_duo, "resume", {}, id="resume a closed duo"),
    pytest.param(closed_duo, "next-meeting", {"on": "2030-01-15"}, id="plan a meeting of a closed duo"),
])
def test_it_refuses_an_impossible_transition(world: World, duo: Callable[[World], Duo], action: str,
                                              body: dict[str, Any]) -> None:
    target = duo(world)
    before = snapshot()

    response = client_for(world.coordinator).post(f"{DUOS}{target.pk}/{action}/", body, format="json")

    assert_conflict(response)
    assert snapshot() == before


def test_it_refuses_a_check_in_for_a_duo_that_has_not_met(world: World) -> None:
    duo = proposed_duo(world)
    before = snapshot()

    response = client_for(world.coordinator).post(CHECK_INS, check_in(world, duo=duo.pk), format="json")

    assert_conflict(response)
    assert snapshot() == before


def test_it_refuses_to_handle_a_concern_that_was_never_raised(world: World) -> None:
    before = snapshot()

    response = client_for(world.coordinator).post(f"{CHECK_INS}{world.check_in.pk}/handle-concern/", {},
                                                  format="json")

    assert_conflict(response)
    assert snapshot() == before


def test_it_leaves_nothing_behind_when_a_write_fails_after_it_wrote(world: World, monkeypatch: Any) -> None:
    """The promise of ScopedViewSet: a write that fails half-way is rolled back as a whole."""
    real_goal_save = duo_apis.services.goal_save

    def goal_save_then_fail(**kwargs: Any) -> Goal:
        real_goal_save(**kwargs)
        raise Conflict("lost a race after the goal was written")

    monkeypatch.setattr(duo_apis.services, "goal_save", goal_save_then_fail)
    before = snapshot()

    response = client_for(world.coordinator).post(
        GOALS, {"duo": world.duo.pk, "life_domain": "housing", "description": "Een woning"}, format="json")

    assert response.status_code == 409
    assert snapshot() == before


# --- every write has a bad-input row ------------------------------------------------------------
# Writes that take no body, so there is no bad input to send; what is wrong with them is the
# state of the object (409) or the caller (403/404), tested in the access matrix and above.
NO_BODY: dict[tuple[str, str], str] = {
    ("duo-resume", "POST"): "a paused duo goes on; nothing to say",
    ("duo-reopen", "POST"): "undoes a closure; a pair no longer allowed is a 409",
    ("matching-proposal-accept", "POST"): "the proposal itself is the pair; a full volunteer is a 409",
    ("notifications-read", "POST"): "marks one message read",
    ("notifications-read-all", "POST"): "marks the caller's whole inbox read",
    ("volunteer-invitation-resend", "POST"): "a fresh link for the volunteer's pending account",
}


def test_every_write_route_and_method_of_the_api_has_a_bad_input_row(world: World) -> None:
    from django.urls import resolve

    from tests.test_api_access import routed

    writes = {(name, method) for name, method in routed() if method in {"POST", "PUT", "PATCH"}}
    covered = set()
    for bad in BAD:
        match = resolve(bad.url(world).split("?")[0])
        assert match.namespace == "v1", (bad.label, match.namespace)
        covered.add((match.url_name, bad.method))
    assert writes - covered - set(NO_BODY) == set(), "add a Bad row to BAD for each new write"
    assert set(NO_BODY) <= writes, "NO_BODY names a write that no longer exists"
    assert set(NO_BODY) & covered == set(), "NO_BODY names a write that has a row after all"


def test_the_writes_exempted_for_taking_no_body_document_no_body() -> None:
    """The exemption holds only while the write takes no input: the OpenAPI schema says so."""
    import re

    from django.urls import get_resolver
    from drf_spectacular.generators import SchemaGenerator

    from tests.test_api_access import _flatten

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    _, resolver = get_resolver().namespace_dict["v1"]
    patterns = {p.name: p for p in _flatten(resolver.url_patterns) if "format" not in p.pattern.regex.groupindex}
    for name, method in NO_BODY:
        kwargs = dict.fromkeys(patterns[name].pattern.regex.groupindex, "1")
        url = reverse(f"v1:{name}", kwargs=kwargs)
        # The most literal path that matches ("read-all/" before "{id}/").
        matching = sorted((path.count("{"), path) for path in paths
                          if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), url))
        assert matching, (name, url)
        operation = paths[matching[0][1]][method.lower()]
        assert "requestBody" not in operation, (name, method)
