"""Who may do what through /api/v1/: one row per (route, method), one expected status per role.

The six callers are the ones of `tests.conftest.World`:
- admin: an administrator membership;
- coordinator: coordinates `world.project` — the owner of every object a row acts on;
- volunteer_user: the volunteer of `world.duo` — a narrower role in the same project;
- other_coordinator: coordinates `world.other_project` only — an outsider;
- funder_user: reads `world.funder` only;
- org_admin: administers the organisation of `world.project` (issue 16) — the owner's
  organisation, but an account manager, not a coordinator: no participant, duo or project data
  over the API (their pages, /organisatie/, have no API counterpart), only what every account
  has (api-root, me, postcodes, their own inbox, the barrier types) and the signal report, which
  they make on their pages too;
- other_org_admin: administers the organisation of `world.other_project` — an outsider;
- anonymous: nobody signed in.

Rules: an object outside the caller's scope answers 404; a visible object they may not change
403; a collection their role has no business with 403. Anonymous requests answer 403, not 401:
SessionAuthentication comes first in DEFAULT_AUTHENTICATION_CLASSES and sends no
WWW-Authenticate header, so DRF turns NotAuthenticated into 403.

Every case builds a fresh world (function-scoped database), so a write in one case cannot leak
into another. A case also checks the database: a refused request changes nothing, an accepted
write changes something.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.core.paginator import UnorderedObjectListWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from buddynet.features.aftercare.models import (
    AftercareItem,
    AftercareSettings,
    Evaluation,
    Referral,
    ReferralService,
)
from buddynet.features.funding.models import Funder
from buddynet.features.signals.models import Signal
from buddynet.records.accounts.invitations import invitation_send
from buddynet.records.accounts.models import Invitation, Membership, Role, User
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus, Goal
from buddynet.records.people.models import NeedsMeasurement, Organisation, Participant, Project, Volunteer
from tests import factories as f
from tests.conftest import World, client_for

ROLES = ("admin", "coordinator", "volunteer_user", "other_coordinator", "funder_user", "org_admin", "other_org_admin",
         "anonymous")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MODELS = (Organisation, Project, Participant, Volunteer, Funder, Duo, Goal, CheckIn, User, Membership, Signal,
          NeedsMeasurement, Invitation, AftercareItem, AftercareSettings, ReferralService, Referral, Evaluation)


def E(admin: int, coordinator: int, volunteer_user: int, other_coordinator: int, funder_user: int,
      org_admin: int, other_org_admin: int, anonymous: int = 403) -> dict[str, int]:
    return dict(zip(ROLES, (admin, coordinator, volunteer_user, other_coordinator, funder_user, org_admin,
                            other_org_admin, anonymous), strict=True))


@dataclass(frozen=True)
class Row:
    """One request. `target` gives the URL kwargs (and may create the object it names)."""

    name: str  # URL name in the "v1" namespace
    method: str
    expect: dict[str, int]
    target: Callable[[World], dict[str, Any]] = lambda w: {}
    body: Callable[[World], dict[str, Any]] | None = None
    note: str = ""
    # List rows: the owner's object, and the roles whose 200 must include it (others must not).
    owner_object: Callable[[World], Any] | None = None
    sees_owner_object: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{' (' + self.note + ')' if self.note else ''}"


def pk(get: Callable[[World], Any]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": get(w).pk}


# --- objects some rows need besides the world's own ----------------------------------------
def duo_of_the_volunteer_in(status: str) -> Callable[[World], Duo]:
    """A duo of world.volunteer (so the volunteer sees it) in the given state."""

    def make(w: World) -> Duo:
        dates: dict[str, Any] = {"introduced_on": None, "started_on": None}
        if status in (DuoStatus.INTRODUCED, DuoStatus.ACTIVE, DuoStatus.PAUSED):
            dates["introduced_on"] = dt.date(2025, 7, 8)
        if status in (DuoStatus.ACTIVE, DuoStatus.PAUSED):
            dates["started_on"] = dt.date(2025, 7, 15)
        if status == DuoStatus.PAUSED:
            dates.update(paused_on=dt.date(2025, 9, 1), pause_reason="Ziekenhuisopname")
        return f.DuoFactory(participant=f.ParticipantFactory(project=w.project), volunteer=w.volunteer,
                            status=status, **dates)

    return make


def project_of_the_coordinator(w: World) -> Project:
    project = f.ProjectFactory(organisation=w.project.organisation, name="Buddy Gent Noord")
    membership_grant(user=w.coordinator, role=Role.COORDINATOR, project=project)
    return project


def concern_check_in(w: World) -> CheckIn:
    return f.CheckInFactory(duo=w.duo, author=w.volunteer_user, concern=True,
                            concern_note="Ze eet niet meer goed.")


def propose_body(w: World) -> dict[str, Any]:
    volunteer = f.VolunteerFactory(project=w.project)
    participant = f.ParticipantFactory(project=w.project)
    return {"volunteer": volunteer.pk, "participant": participant.pk, "proposed_on": "2025-10-01"}


def membership_body(w: World) -> dict[str, Any]:
    return {"user": f.UserFactory(email="nieuw@example.be").pk, "role": "coordinator", "project": w.project.pk}


def person(w: World, **extra: Any) -> dict[str, Any]:
    return {"project": w.project.pk, "first_name": "Nadia", "last_name": "Amrani", "postcode": "9000", **extra}


def uninvited_volunteer(w: World) -> Volunteer:
    return f.VolunteerFactory(project=w.project, first_name="Nadia", email="nadia@example.be")


def invited_volunteer(w: World) -> Volunteer:
    volunteer = uninvited_volunteer(w)
    invitation_send(volunteer=volunteer, by=w.coordinator, login_url="http://testserver/mijn/uitnodiging/")
    return volunteer


ROWS: list[Row] = [
    # --- plumbing ---
    Row("api-root", "GET", E(200, 200, 200, 200, 200, 200, 200)),
    Row("me", "GET", E(200, 200, 200, 200, 200, 200, 200)),
    Row("me", "PATCH", E(200, 200, 200, 200, 200, 200, 200),
        body=lambda w: {"full_name": "Nieuwe Naam", "language": "en"}),
    Row("postcode", "GET", E(200, 200, 200, 200, 200, 200, 200), target=lambda w: {"postcode": "9000"}),
    # --- organisations ---
    Row("organisation-list", "GET", E(200, 200, 403, 200, 403, 403, 403),
        owner_object=lambda w: w.project.organisation, sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("organisation-list", "POST", E(201, 403, 403, 403, 403, 403, 403),
        body=lambda w: {"name": "Vzw De Link", "kind": "nonprofit"}),
    Row("organisation-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.project.organisation)),
    Row("organisation-detail", "PUT", E(200, 403, 404, 404, 404, 404, 404), pk(lambda w: w.project.organisation),
        body=lambda w: {"name": "Vzw Nieuwe Naam", "kind": "caw"}),
    Row("organisation-detail", "PATCH", E(200, 403, 404, 404, 404, 404, 404), pk(lambda w: w.project.organisation),
        body=lambda w: {"enterprise_number": "0123.456.789"}),
    Row("organisation-detail", "DELETE", E(409, 403, 404, 404, 404, 404, 404), pk(lambda w: w.project.organisation),
        note="it still has projects"),
    Row("organisation-detail", "DELETE", E(204, 404, 404, 404, 404, 404, 404), pk(lambda w: f.OrganisationFactory()),
        note="without projects"),
    # --- projects ---
    Row("project-list", "GET", E(200, 200, 403, 200, 403, 403, 403),
        owner_object=lambda w: w.project, sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("project-list", "POST", E(201, 403, 403, 403, 403, 403, 403),
        body=lambda w: {"organisation": w.project.organisation_id, "name": "Buddy Gent Zuid",
                        "start_date": "2026-01-01"}),
    Row("project-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.project)),
    Row("project-detail", "PUT", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.project),
        body=lambda w: {"organisation": w.project.organisation_id, "name": "Buddy Gent",
                        "start_date": "2025-01-01", "contact_cadence_days": 10}),
    Row("project-detail", "PATCH", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.project),
        body=lambda w: {"quiet_alert_days": 21}),
    Row("project-detail", "DELETE", E(204, 403, 404, 404, 404, 404, 404), pk(project_of_the_coordinator)),
    # --- participants ---
    Row("participant-list", "GET", E(200, 200, 403, 200, 403, 403, 403),
        owner_object=lambda w: w.participant, sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("participant-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: person(w, languages=["nl", "ar"], availability=["mon_evening"], needs={"housing": 2}),
        note="the outsider cannot name a project they do not see"),
    Row("participant-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.participant)),
    Row("participant-detail", "PUT", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.participant),
        body=lambda w: person(w, first_name="Marieke", last_name="Peeters-De Smet", postcode="9050")),
    Row("participant-detail", "PATCH", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.participant),
        body=lambda w: {"interests": ["cooking"]}),
    Row("participant-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404),
        pk(lambda w: f.ParticipantFactory(project=w.project)), note="without duos"),
    Row("participant-detail", "DELETE", E(409, 409, 404, 404, 404, 404, 404), pk(lambda w: w.participant),
        note="with a duo"),
    Row("participant-consent", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.participant)),
    Row("participant-consent", "POST", E(201, 201, 404, 404, 404, 404, 404), pk(lambda w: w.participant),
        body=lambda w: {"scope": "network", "given_on": "2025-10-01", "how": "spoken_interpreter"}),
    Row("participant-needs", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: w.participant)),
    Row("participant-needs", "POST", E(201, 201, 404, 404, 404, 404, 404), pk(lambda w: w.participant),
        body=lambda w: {"occasion": "interim", "date": "2025-10-01", "needs": {"housing": 2, "social": 1}}),
    # --- volunteers ---
    Row("volunteer-list", "GET", E(200, 200, 200, 200, 403, 403, 403),
        owner_object=lambda w: w.volunteer,
        sees_owner_object=frozenset({"admin", "coordinator", "volunteer_user"})),
    Row("volunteer-list", "POST", E(201, 201, 403, 400, 403, 403, 403), body=lambda w: person(w, capacity=2)),
    Row("volunteer-detail", "GET", E(200, 200, 200, 404, 404, 404, 404), pk(lambda w: w.volunteer)),
    Row("volunteer-detail", "PUT", E(200, 200, 403, 404, 404, 404, 404), pk(lambda w: w.volunteer),
        body=lambda w: person(w, first_name="Bert", last_name="Janssens", capacity=2)),
    Row("volunteer-detail", "PATCH", E(200, 200, 403, 404, 404, 404, 404), pk(lambda w: w.volunteer),
        body=lambda w: {"max_travel_km": 15}),
    Row("volunteer-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404),
        pk(lambda w: f.VolunteerFactory(project=w.project)), note="without duos"),
    Row("volunteer-detail", "DELETE", E(409, 409, 403, 404, 404, 404, 404), pk(lambda w: w.volunteer),
        note="the volunteer's own record, with a duo"),
    # --- a volunteer's account (accounts/invitations.py) ---
    Row("volunteer-invitation", "GET", E(200, 200, 403, 404, 404, 404, 404), lambda w: {"volunteer_id": w.volunteer.pk},
        note="the volunteer sees their record, not its account"),
    Row("volunteer-invitation", "POST", E(201, 201, 404, 404, 404, 404, 404),
        lambda w: {"volunteer_id": uninvited_volunteer(w).pk}),
    Row("volunteer-invitation", "POST", E(409, 409, 403, 404, 404, 404, 404),
        lambda w: {"volunteer_id": w.volunteer.pk},
        note="already has an account"),
    Row("volunteer-invitation-resend", "POST", E(200, 200, 404, 404, 404, 404, 404),
        lambda w: {"volunteer_id": invited_volunteer(w).pk}),
    # --- funders ---
    Row("funder-list", "GET", E(200, 403, 403, 403, 200, 403, 403),
        owner_object=lambda w: w.funder, sees_owner_object=frozenset({"admin", "funder_user"})),
    Row("funder-list", "POST", E(201, 403, 403, 403, 403, 403, 403),
        body=lambda w: {"name": "Provincie Oost-Vlaanderen"}),
    Row("funder-detail", "GET", E(200, 404, 404, 404, 200, 404, 404), pk(lambda w: w.funder)),
    Row("funder-detail", "PUT", E(200, 404, 404, 404, 403, 404, 404), pk(lambda w: w.funder),
        body=lambda w: {"name": "Departement Welzijn"}),
    Row("funder-detail", "PATCH", E(200, 404, 404, 404, 403, 404, 404), pk(lambda w: w.funder),
        body=lambda w: {"name": "Departement Welzijn"}),
    Row("funder-detail", "DELETE", E(204, 404, 404, 404, 403, 404, 404), pk(lambda w: w.funder)),
    # --- duos ---
    Row("duo-list", "GET", E(200, 200, 200, 200, 403, 403, 403),
        owner_object=lambda w: w.duo, sees_owner_object=frozenset({"admin", "coordinator", "volunteer_user"})),
    Row("duo-list", "POST", E(201, 201, 403, 400, 403, 403, 403), body=propose_body),
    Row("duo-detail", "GET", E(200, 200, 200, 404, 404, 404, 404), pk(lambda w: w.duo)),
    Row("duo-introduce", "POST", E(200, 200, 403, 404, 404, 404, 404), pk(duo_of_the_volunteer_in(DuoStatus.PROPOSED)),
        body=lambda w: {"on": "2025-07-10"}),
    Row("duo-activate", "POST", E(200, 200, 403, 404, 404, 404, 404), pk(duo_of_the_volunteer_in(DuoStatus.INTRODUCED)),
        body=lambda w: {"on": "2025-07-20"}),
    Row("duo-pause", "POST", E(200, 200, 403, 404, 404, 404, 404), pk(lambda w: w.duo),
        body=lambda w: {"reason": "Ziekenhuisopname", "on": "2025-09-01"}),
    Row("duo-resume", "POST", E(200, 200, 403, 404, 404, 404, 404), pk(duo_of_the_volunteer_in(DuoStatus.PAUSED)),
        body=lambda w: {}),
    Row("duo-close", "POST", E(200, 200, 403, 404, 404, 404, 404), pk(lambda w: w.duo),
        body=lambda w: {"reason": "goals_reached", "next_step": "end", "on": "2025-12-01",
                        "evaluation_volunteer": 4}),
    Row("duo-next-meeting", "POST", E(200, 200, 200, 404, 404, 404, 404), pk(lambda w: w.duo),
        body=lambda w: {"on": "2030-01-15"}, note="the duo's own volunteer plans meetings too"),
    # --- goals ---
    Row("goal-list", "GET", E(200, 200, 200, 200, 403, 403, 403),
        owner_object=lambda w: w.goal, sees_owner_object=frozenset({"admin", "coordinator", "volunteer_user"})),
    Row("goal-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"duo": w.duo.pk, "life_domain": "housing", "description": "Een sociale woning zoeken"}),
    Row("goal-detail", "GET", E(200, 200, 200, 404, 404, 404, 404), pk(lambda w: w.goal)),
    Row("goal-detail", "PUT", E(200, 200, 403, 404, 404, 404, 404), pk(lambda w: w.goal),
        body=lambda w: {"duo": w.duo.pk, "life_domain": "social", "description": "Naar het buurthuis",
                        "status": "achieved"}),
    Row("goal-detail", "PATCH", E(200, 200, 403, 404, 404, 404, 404), pk(lambda w: w.goal),
        body=lambda w: {"status": "achieved"}),
    Row("goal-detail", "DELETE", E(204, 204, 403, 404, 404, 404, 404), pk(lambda w: w.goal)),
    # --- check-ins ---
    Row("checkin-list", "GET", E(200, 200, 200, 200, 403, 403, 403),
        owner_object=lambda w: w.check_in,
        sees_owner_object=frozenset({"admin", "coordinator", "volunteer_user"})),
    Row("checkin-list", "POST", E(201, 201, 201, 400, 403, 403, 403),
        body=lambda w: {"duo": w.duo.pk, "date": "2025-09-01", "duration_minutes": 45, "mode": "phone",
                        "activities": ["talk"], "life_domains": ["social"], "mood": 4}),
    Row("checkin-detail", "GET", E(200, 200, 200, 404, 404, 404, 404), pk(lambda w: w.check_in)),
    Row("checkin-detail", "PUT", E(200, 200, 200, 404, 404, 404, 404), pk(lambda w: w.check_in),
        body=lambda w: {"duo": w.duo.pk, "date": "2025-08-01", "duration_minutes": 90, "mode": "in_person"},
        note="the author, within 48 hours"),
    Row("checkin-detail", "PATCH", E(200, 200, 200, 404, 404, 404, 404), pk(lambda w: w.check_in),
        body=lambda w: {"note": "Samen koffie gedronken"}, note="the author, within 48 hours"),
    Row("checkin-handle-concern", "POST", E(200, 200, 403, 404, 404, 404, 404), pk(concern_check_in),
        body=lambda w: {"note": "Gebeld met de deelnemer"}),
    # --- users and memberships: administrators only ---
    Row("user-list", "GET", E(200, 403, 403, 403, 403, 403, 403),
        owner_object=lambda w: w.volunteer_user, sees_owner_object=frozenset({"admin"})),
    Row("user-list", "POST", E(201, 403, 403, 403, 403, 403, 403),
        body=lambda w: {"email": "nieuw@example.be", "full_name": "Nieuwe Collega",
                        "password": "Lang-en-sterk-2026"}),
    Row("user-detail", "GET", E(200, 404, 404, 404, 404, 404, 404), pk(lambda w: w.volunteer_user)),
    Row("user-detail", "PUT", E(200, 404, 404, 404, 404, 404, 404), pk(lambda w: w.volunteer_user),
        body=lambda w: {"email": "bob@example.be", "full_name": "Bob Janssens", "language": "en"}),
    Row("user-detail", "PATCH", E(200, 404, 404, 404, 404, 404, 404), pk(lambda w: w.volunteer_user),
        body=lambda w: {"full_name": "Bob J."}),
    Row("membership-list", "GET", E(200, 403, 403, 403, 403, 403, 403),
        owner_object=lambda w: Membership.objects.get(user=w.coordinator), sees_owner_object=frozenset({"admin"})),
    Row("membership-list", "POST", E(201, 403, 403, 403, 403, 403, 403), body=membership_body),
    Row("membership-detail", "GET", E(200, 404, 404, 404, 404, 404, 404),
        pk(lambda w: Membership.objects.get(user=w.coordinator))),
    Row("membership-detail", "DELETE", E(204, 404, 404, 404, 404, 404, 404),
        pk(lambda w: Membership.objects.get(user=w.coordinator))),
]

# --- netwerk: network maps, for the participant's coordinators only; a volunteer may only add
# a tie made via them (through their duo) ----------------------------------------------------
def netwerk_map(w: World) -> Any:
    """A map of world.participant with two alters who know each other."""
    from netwerk import services as netwerk_services

    network_map = netwerk_services.map_create(participant=w.participant, by=w.coordinator, copy_from_last=False,
                                              on=dt.date(2025, 6, 1))
    mother = netwerk_services.alter_add(network_map=network_map, by=w.coordinator,
                                        data={"label": "Mama", "category": "family", "life_domains": ["housing"]})
    nurse = netwerk_services.alter_add(network_map=network_map, by=w.coordinator,
                                       data={"label": "Verpleegster", "category": "professional"})
    netwerk_services.tie_add(a=mother, b=nurse)
    return network_map


def netwerk_second_map(w: World) -> Any:
    from netwerk import services as netwerk_services

    netwerk_map(w)
    return netwerk_services.map_create(participant=w.participant, by=w.coordinator, on=dt.date(2025, 12, 1))


def netwerk_existing_map(w: World) -> Any:
    from netwerk.models import NetworkMap

    return NetworkMap.objects.get(participant=w.participant)


def netwerk_lone_alter(w: World) -> Any:
    from netwerk import services as netwerk_services

    return netwerk_services.alter_add(network_map=netwerk_map(w), by=w.coordinator,
                                      data={"label": "Buurman", "category": "neighbour"})


def netwerk_untied_pair(w: World) -> dict[str, Any]:
    lone = netwerk_lone_alter(w)
    mother = lone.map.alters.get(label="Mama")
    return {"a": mother.pk, "b": lone.pk}


def _netwerk_list(w: World) -> dict[str, Any]:
    netwerk_map(w)
    return {}


ROWS += [
    Row("netwerk-map-list", "GET", E(200, 200, 403, 200, 403, 403, 403), target=_netwerk_list,
        owner_object=netwerk_existing_map, sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("netwerk-map-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"participant": w.participant.pk, "occasion": "intake", "date": "2025-06-01"},
        note="the outsider cannot name a participant they do not see"),
    Row("netwerk-map-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(netwerk_map)),
    Row("netwerk-map-detail", "PATCH", E(200, 200, 404, 404, 404, 404, 404), pk(netwerk_map),
        body=lambda w: {"note": "Samen met de deelnemer ingevuld"}),
    Row("netwerk-map-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404), pk(netwerk_map)),
    Row("netwerk-map-measures", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(netwerk_map)),
    Row("netwerk-map-change", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(netwerk_second_map)),
    Row("netwerk-alter-list", "GET", E(200, 200, 403, 200, 403, 403, 403), target=_netwerk_list,
        owner_object=lambda w: netwerk_existing_map(w).alters.first(),
        sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("netwerk-alter-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"map": netwerk_map(w).pk, "label": "Ria", "category": "neighbour", "ring": 2,
                        "life_domains": ["social"], "via_buddy": True}),
    Row("netwerk-alter-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(netwerk_lone_alter)),
    Row("netwerk-alter-detail", "PATCH", E(200, 200, 404, 404, 404, 404, 404), pk(netwerk_lone_alter),
        body=lambda w: {"ring": 1, "valence": "mixed"}),
    Row("netwerk-alter-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404), pk(netwerk_lone_alter)),
    Row("netwerk-tie-list", "GET", E(200, 200, 403, 200, 403, 403, 403), target=_netwerk_list,
        owner_object=lambda w: netwerk_existing_map(w).ties.first(),
        sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("netwerk-tie-list", "POST", E(201, 201, 403, 400, 403, 403, 403), body=netwerk_untied_pair),
    Row("netwerk-tie-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(lambda w: netwerk_map(w).ties.get())),
    Row("netwerk-tie-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404), pk(lambda w: netwerk_map(w).ties.get())),
    Row("netwerk-tie-via-buddy", "POST", E(201, 201, 201, 404, 404, 404, 404), pk(lambda w: w.duo),
        body=lambda w: {"label": "Buurvrouw Ria", "category": "neighbour", "life_domains": ["social"],
                        "check_in": w.check_in.pk},
        note="the duo's own volunteer may add the tie they helped make"),
]


def _netwerk_models() -> tuple[Any, ...]:
    from netwerk.models import Alter, NetworkMap, Tie

    return (NetworkMap, Alter, Tie)


MODELS = (*MODELS, *_netwerk_models())



# --- notifications: everyone has an inbox, and only their own ------------------------------
def _inbox_message(user: Any) -> Any:
    from notifications import services as notification_services
    from notifications.models import Channel, Kind, Notification
    from notifications.selectors import Recipient

    notification_services.notification_create([notification_services.Message(
        Recipient(user.pk, user.language, False), Kind.DUO_ENDING, "access-matrix",
        {"duo": "Bert & Marieke", "end": dt.date(2026, 12, 20)})])
    return Notification.objects.get(recipient=user, channel=Channel.INBOX, dedup_key="access-matrix")


def _everyone_has_unread_messages(w: World) -> dict[str, Any]:
    # Every account, the organisation administrators made for their column included.
    for user in User.objects.order_by("pk"):
        _inbox_message(user)
    return {}


def _alices_message(w: World) -> Any:
    from notifications.models import Notification

    found = Notification.objects.filter(recipient=w.coordinator, channel="inbox", dedup_key="access-matrix").first()
    return found or _inbox_message(w.coordinator)


ROWS += [
    Row("notifications-list", "GET", E(200, 200, 200, 200, 200, 200, 200), target=_everyone_has_unread_messages,
        owner_object=_alices_message, sees_owner_object=frozenset({"coordinator"})),
    Row("notifications-detail", "GET", E(404, 200, 404, 404, 404, 404, 404), pk(_alices_message),
        note="one's own inbox only, administrators included"),
    Row("notifications-read", "POST", E(404, 200, 404, 404, 404, 404, 404), pk(_alices_message)),
    Row("notifications-read-all", "POST", E(200, 200, 200, 200, 200, 200, 200), target=_everyone_has_unread_messages),
]


def _with_notifications() -> tuple[Any, ...]:
    from notifications.models import Notification

    return (*MODELS, Notification)


MODELS = _with_notifications()

# --- matching: coordinators of the project (and administrators) only ---------------------------
def _match_models() -> tuple[Any, ...]:
    from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal

    return (MatchRun, Proposal, ForbiddenPair, LockedPair)


MODELS = MODELS + _match_models()


def match_run(w: World) -> Any:
    from matching.models import MatchRun

    return MatchRun.objects.filter(project=w.project).first() or MatchRun.objects.create(
        project=w.project, status=MatchRun.Status.DONE, progress=100)


def pending_proposal(w: World) -> Any:
    """A pending proposal of a free pair in world.project (so accepting it can succeed)."""
    from matching.models import Proposal

    return Proposal.objects.create(run=match_run(w), participant=f.ParticipantFactory(project=w.project),
                                   volunteer=f.VolunteerFactory(project=w.project), score=500,
                                   parts={"distance": 300, "needs": 200})


def pair_rule(kind: str) -> Callable[[World], Any]:
    def make(w: World) -> Any:
        from matching.models import ForbiddenPair, LockedPair

        model = ForbiddenPair if kind == "forbidden" else LockedPair
        return model.objects.create(project=w.project, participant=f.ParticipantFactory(project=w.project),
                                    volunteer=f.VolunteerFactory(project=w.project), reason="Buren")

    return make


def pair_body(w: World) -> dict[str, Any]:
    return {**{k: v for k, v in propose_body(w).items() if k != "proposed_on"}, "reason": "Kennen elkaar"}


ROWS += [
    Row("matching-run-list", "GET", E(200, 200, 403, 200, 403, 403, 403), target=lambda w: (match_run(w), {})[1],
        owner_object=match_run, sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("matching-run-list", "POST", E(201, 201, 403, 400, 403, 403, 403), body=lambda w: {"project": w.project.pk},
        note="a small pool is matched at once"),
    Row("matching-run-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(match_run)),
    Row("matching-proposal-list", "GET", E(200, 200, 403, 200, 403, 403, 403),
        target=lambda w: (pending_proposal(w), {})[1],
        owner_object=lambda w: match_run(w).proposals.first(), sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("matching-proposal-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(pending_proposal)),
    Row("matching-proposal-accept", "POST", E(200, 200, 404, 404, 404, 404, 404),
        pk(pending_proposal), body=lambda w: {}),
    Row("matching-proposal-reject", "POST", E(200, 200, 404, 404, 404, 404, 404), pk(pending_proposal),
        body=lambda w: {"reason": "Te weinig gemeenschappelijk", "forbid": True}),
    Row("matching-forbidden-pair-list", "GET", E(200, 200, 403, 200, 403, 403, 403),
        target=lambda w: (pair_rule("forbidden")(w), {})[1],
        owner_object=lambda w: _match_models()[2].objects.first(),
        sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("matching-forbidden-pair-list", "POST", E(201, 201, 403, 400, 403, 403, 403), body=pair_body),
    Row("matching-forbidden-pair-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404), pk(pair_rule("forbidden"))),
    Row("matching-locked-pair-list", "GET", E(200, 200, 403, 200, 403, 403, 403),
        target=lambda w: (pair_rule("locked")(w), {})[1],
        owner_object=lambda w: _match_models()[3].objects.first(),
        sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("matching-locked-pair-list", "POST", E(201, 201, 403, 400, 403, 403, 403), body=pair_body),
    Row("matching-locked-pair-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404), pk(pair_rule("locked"))),
    # A suggestion for one participant (issue 20): the coordinators of their project only.
    Row("matching-suggestion", "GET", E(200, 200, 404, 404, 404, 404, 404),
        target=lambda w: {"participant_id": w.participant.pk}),
    # A pooled run (issue 20): the coordinator also coordinates a second project of the same
    # organisation and city; the other coordinator's scope holds neither project (400).
    Row("matching-run-pooled", "POST", E(201, 201, 403, 400, 403, 201, 400), body=lambda w: pooled_body(w),
        note="a small pool is matched at once"),
]


def pooled_body(w: World) -> dict[str, Any]:
    second = f.ProjectFactory(organisation=w.project.organisation, name="Buddy Gent-Noord")
    f.VolunteerFactory(project=second)
    membership_grant(user=w.coordinator, role=Role.COORDINATOR, project=second)
    return {"projects": [w.project.pk, second.pk]}


# --- funding (issue 6) ---------------------------------------------------------------------------
from decimal import Decimal  # noqa: E402

from django.utils import timezone  # noqa: E402

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


def grant_of(w: World) -> Grant:
    """world.project's grant from world.funder (45,000, 2025-2027), with a personnel line."""
    grant = Grant.objects.filter(project=w.project, funder=w.funder).first()
    if grant is None:
        grant = Grant.objects.create(funder=w.funder, project=w.project, reference="WVG-GENT-1",
        amount=Decimal("45000"), start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2027, 12, 31))
        BudgetLine.objects.create(grant=grant, kind="personnel", amount=Decimal("30000"))
    return grant


def line_of(w: World) -> BudgetLine:
    return grant_of(w).budget_lines.get(kind="personnel")


def tranche_of(w: World) -> Tranche:
    found = Tranche.objects.filter(grant=grant_of(w)).first()
    return found or Tranche.objects.create(
        grant=grant_of(w), due_on=dt.date(2025, 2, 1), amount=Decimal("15000"))


def obligation_of(w: World) -> ReportingObligation:
    found = ReportingObligation.objects.filter(grant=grant_of(w)).first()
    return found or ReportingObligation.objects.create(
        grant=grant_of(w), kind="yearly_content", due_on=dt.date(2026, 3, 31))


def expense_of(w: World) -> Expense:
    found = Expense.objects.filter(grant=grant_of(w)).first()
    return found or Expense.objects.create(
        grant=grant_of(w), budget_line=line_of(w), date=dt.date(2025, 5, 1),
        amount=Decimal("1000"), description="Loon", supplier="Sociaal secretariaat")


def receipt_expense_of(w: World) -> Expense:
    """An expense of the world's grant with a receipt (a stored file)."""
    from django.core.files.base import ContentFile

    expense = expense_of(w)
    if not expense.receipt:
        expense.receipt.save("bewijsstuk.pdf", ContentFile(b"%PDF-1.4 bon"))
    return expense


def payment_of(w: World) -> AllowancePayment:
    found = AllowancePayment.objects.filter(volunteer=w.volunteer).first()
    return found or AllowancePayment.objects.create(
        volunteer=w.volunteer, kind="flat_rate", paid_on=dt.date(2026, 2, 1),
        year=2026, days=2, amount=Decimal("80"))


def declared_of(w: World) -> DeclaredAllowance:
    found = DeclaredAllowance.objects.filter(volunteer=w.volunteer).first()
    return found or DeclaredAllowance.objects.create(
        volunteer=w.volunteer, year=2026, organisation="Rode Kruis",
        days=3, amount=Decimal("120"))


def payment_body(w: World) -> dict[str, Any]:
    seed_caps()  # a transactional test elsewhere may have flushed the seeded caps
    return {"volunteer": w.volunteer.pk, "kind": "flat_rate", "paid_on": "2026-03-01", "year": 2026, "days": 2,
            "amount": "88.04"}


def draft_report_of(w: World) -> ProgressReport:
    return ProgressReport.objects.create(grant=grant_of(w), period_start=dt.date(2025, 1, 1),
                                         period_end=dt.date(2025, 12, 31))


def frozen_report_of(w: World) -> ProgressReport:
    found = ProgressReport.objects.filter(status="frozen").first()
    return found or ProgressReport.objects.create(

        grant=grant_of(w), period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31),
        status=ProgressReport.Status.FROZEN, numbers={"kind": "grant"}, frozen_at=timezone.now(),
        pdf="funding/reports/2026/WVG-GENT-1.pdf")


def png_upload() -> Any:
    """A real (tiny) PNG as an upload."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile("foto.png", buffer.getvalue(), content_type="image/png")


def annex_of(report: Callable[[World], ProgressReport]) -> Callable[[World], dict[str, Any]]:
    def make(w: World) -> dict[str, Any]:
        owner = report(w)
        annex = ReportAnnex.objects.create(report=owner, file="funding/annexes/2026/foto.png", name="foto.png",
                                           content_type="image/png", size=70, sha256="0" * 64)
        return {"pk": owner.pk, "annex_id": annex.pk}

    return make


FUNDED = frozenset({"admin", "coordinator", "funder_user"})
STAFF_ONLY = frozenset({"admin", "coordinator"})


def exists(make: Callable[[World], Any]) -> Callable[[World], dict[str, Any]]:
    """A list row's target: the owner's object exists before the request (no URL kwargs)."""
    return lambda w: (make(w), {})[1]

ROWS += [
    Row("funding-grant-list", "GET", E(200, 200, 403, 200, 200, 403, 403), exists(grant_of),
        owner_object=grant_of, sees_owner_object=FUNDED),
    Row("funding-grant-list", "POST", E(201, 403, 403, 403, 403, 403, 403),
        body=lambda w: {"funder": w.funder.pk, "project": w.project.pk, "reference": "WVG-GENT-2",
                        "amount": "50000.00", "start_date": "2026-01-01"}),
    Row("funding-grant-detail", "GET", E(200, 200, 404, 404, 200, 404, 404), pk(grant_of)),
    Row("funding-grant-detail", "PATCH", E(200, 403, 404, 404, 403, 404, 404),
        pk(grant_of), body=lambda w: {"amount": "40000"}),
    Row("funding-grant-totals", "GET", E(200, 200, 404, 404, 200, 404, 404), pk(grant_of)),
    Row("funding-budget-line-list", "GET", E(200, 200, 403, 200, 200, 403, 403), exists(line_of),
        owner_object=line_of,
        sees_owner_object=FUNDED),
    Row("funding-budget-line-list", "POST", E(201, 403, 403, 403, 403, 403, 403),
        body=lambda w: {"grant": grant_of(w).pk, "kind": "training", "amount": "5000"}),
    Row("funding-budget-line-detail", "GET", E(200, 200, 404, 404, 200, 404, 404), pk(line_of)),
    Row("funding-tranche-list", "GET", E(200, 200, 403, 200, 200, 403, 403), exists(tranche_of),
        owner_object=tranche_of,
        sees_owner_object=FUNDED),
    Row("funding-tranche-list", "POST", E(201, 403, 403, 403, 403, 403, 403),
        body=lambda w: {"grant": grant_of(w).pk, "due_on": "2026-02-01", "amount": "15000",
                        "condition": "na goedkeuring van het jaarverslag"}),
    Row("funding-tranche-detail", "GET", E(200, 200, 404, 404, 200, 404, 404), pk(tranche_of)),
    Row("funding-tranche-detail", "PATCH", E(200, 403, 404, 404, 403, 404, 404), pk(tranche_of),
        body=lambda w: {"paid_on": "2025-02-10"}),
    Row("funding-obligation-list", "GET", E(200, 200, 403, 200, 200, 403, 403), exists(obligation_of),
        owner_object=obligation_of,
        sees_owner_object=FUNDED),
    Row("funding-obligation-list", "POST", E(201, 403, 403, 403, 403, 403, 403),
        body=lambda w: {"grant": grant_of(w).pk, "kind": "financial", "due_on": "2026-03-31"}),
    Row("funding-obligation-detail", "GET", E(200, 200, 404, 404, 200, 404, 404), pk(obligation_of)),
    Row("funding-obligation-detail", "PATCH", E(200, 200, 404, 404, 403, 404, 404), pk(obligation_of),
        body=lambda w: {"submitted_on": "2026-03-01"}, note="the coordinator records the submission"),
    Row("funding-obligation-detail", "PATCH", E(200, 403, 404, 404, 403, 404, 404), pk(obligation_of),
        body=lambda w: {"submitted_on": "2026-03-01", "approved_on": "2026-04-01"}, note="approval"),
    Row("funding-expense-list", "GET", E(200, 200, 403, 200, 403, 403, 403), exists(expense_of),
        owner_object=expense_of,
        sees_owner_object=STAFF_ONLY),
    Row("funding-expense-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"grant": grant_of(w).pk, "budget_line": line_of(w).pk, "date": "2025-06-30",
                        "amount": "2500.00", "description": "Loon juni", "supplier": "Sociaal secretariaat"}),
    Row("funding-expense-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(expense_of)),
    Row("funding-expense-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404), pk(expense_of)),
    Row("funding-expense-receipt", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(receipt_expense_of)),
    Row("funding-allowance-cap-list", "GET", E(200, 200, 403, 200, 403, 403, 403)),
    Row("funding-allowance-payment-list", "GET", E(200, 200, 403, 200, 403, 403, 403), exists(payment_of),
        owner_object=payment_of,
        sees_owner_object=STAFF_ONLY),
    Row("funding-allowance-payment-list", "POST", E(201, 201, 403, 400, 403, 403, 403), body=lambda w: payment_body(w)),
    Row("funding-allowance-payment-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(payment_of)),
    Row("funding-declared-allowance-list", "GET", E(200, 200, 403, 200, 403, 403, 403), exists(declared_of),
        owner_object=declared_of,
        sees_owner_object=STAFF_ONLY),
    Row("funding-declared-allowance-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"volunteer": w.volunteer.pk, "year": 2026, "organisation": "Rode Kruis", "days": 4,
                        "amount": "160.00"}),
    Row("funding-declared-allowance-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(declared_of)),
    Row("funding-report-list", "GET", E(200, 200, 403, 200, 200, 403, 403), exists(frozen_report_of),
        owner_object=frozen_report_of,
        sees_owner_object=FUNDED),
    Row("funding-report-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"grant": grant_of(w).pk, "period_start": "2025-01-01", "period_end": "2025-12-31"}),
    Row("funding-report-detail", "GET", E(200, 200, 404, 404, 200, 404, 404), pk(frozen_report_of), note="frozen"),
    Row("funding-report-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(draft_report_of),
        note="a draft is not the funder's yet"),
    Row("funding-report-detail", "DELETE", E(204, 204, 404, 404, 404, 404, 404), pk(draft_report_of),
        note="a first draft made by mistake"),
    Row("funding-report-detail", "DELETE", E(409, 409, 404, 404, 403, 404, 404), pk(frozen_report_of),
        note="a signed-off version stays"),
    Row("funding-report-sign-off", "POST", E(200, 200, 404, 404, 404, 404, 404), pk(draft_report_of),
        body=lambda w: {"confirmation": "WVG-GENT-1 v1"}),
    Row("funding-report-sign-off", "POST", E(409, 409, 404, 404, 403, 404, 404), pk(frozen_report_of),
        body=lambda w: {"confirmation": "WVG-GENT-1 v1"}, note="already signed off"),
    Row("funding-report-narrative", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(draft_report_of)),
    Row("funding-report-narrative", "GET", E(200, 200, 404, 404, 403, 404, 404), pk(frozen_report_of),
        note="the drafts behind a frozen text are the project's"),
    Row("funding-report-narrative", "POST", E(201, 201, 404, 404, 404, 404, 404), pk(draft_report_of),
        body=lambda w: {"highlights": "Meer deelnemers bereikt dan gepland."}),
    Row("funding-report-narrative", "POST", E(409, 409, 404, 404, 403, 404, 404), pk(frozen_report_of),
        body=lambda w: {"highlights": "Achteraf nog iets toevoegen"}, note="a frozen version never changes"),
    Row("funding-report-annexes", "GET", E(200, 200, 404, 404, 200, 404, 404), pk(frozen_report_of)),
    Row("funding-report-annexes", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(draft_report_of),
        note="a draft's annexes are not the funder's yet"),
    Row("funding-report-annexes", "POST", E(201, 201, 404, 404, 404, 404, 404), pk(draft_report_of),
        body=lambda w: {"file": png_upload()}, note="multipart"),
    Row("funding-report-annex", "DELETE", E(204, 204, 404, 404, 404, 404, 404), annex_of(draft_report_of)),
    Row("funding-report-annex", "DELETE", E(409, 409, 404, 404, 403, 404, 404), annex_of(frozen_report_of),
        note="a frozen version's annex stays"),
    Row("funding-report-approve", "POST", E(200, 403, 404, 404, 200, 404, 404), pk(frozen_report_of),
        body=lambda w: {"comment": "In orde."}),
    Row("funding-report-approve", "POST", E(409, 403, 404, 404, 404, 404, 404), pk(draft_report_of),
        body=lambda w: {}, note="a draft is not the funder's yet"),
    Row("funding-report-request-completion", "POST", E(201, 403, 404, 404, 201, 404, 404), pk(frozen_report_of),
        body=lambda w: {"comment": "Graag de uitgaven van het tweede semester toelichten."}),
]


# --- barrier signals (issue 18): a project's coordinators only; a volunteer records with a check-in
def signal_of(w: World) -> Any:
    from buddynet.features.signals import services as signal_services

    found = Signal.objects.filter(participant=w.participant).first()
    return found or signal_services.signal_record(
        participant=w.participant, duo=w.duo, by=w.coordinator,
        data={"barrier_type": "waiting-lists", "life_domain": "housing", "description": "Wachtlijst sociale woning"})


ROWS += [
    Row("signal-list", "GET", E(200, 200, 403, 200, 403, 403, 403), exists(signal_of),
        owner_object=signal_of, sees_owner_object=frozenset({"admin", "coordinator"})),
    Row("signal-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"participant": w.participant.pk, "barrier_type": "non-take-up", "life_domain": "income"}),
    Row("signal-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(signal_of)),
    Row("signal-move", "POST", E(200, 200, 404, 404, 404, 404, 404), pk(signal_of),
        body=lambda w: {"status": "passed_on", "passed_on_to": "OCMW Gent"}),
    Row("signal-share", "POST", E(200, 200, 404, 404, 404, 404, 404),
        pk(signal_of), body=lambda w: {"shareable": True}),
    Row("signal-barrier-types", "GET", E(200, 200, 200, 200, 200, 200, 200)),
    Row("signal-report", "GET", E(400, 400, 403, 400, 403, 400, 400),
        note="without its period: 400 for the roles it serves"),
]


# --- aftercare (issue 18): the coordinator's, per project ---------------------------------------
def closed_duo_of(w: World) -> Duo:
    return f.DuoFactory(participant=f.ParticipantFactory(project=w.project), status=DuoStatus.CLOSED,
                        closed_on=dt.date(2025, 9, 1), closure_reason="planned_end")


def aftercare_item_of(w: World) -> AftercareItem:
    """The same item each time it is asked (target and owner_object)."""
    existing = AftercareItem.objects.filter(duo__project=w.project).first()
    return existing or AftercareItem.objects.create(duo=closed_duo_of(w), kind="contact", due_on=dt.date(2025, 10, 1))


ROWS += [
    Row("aftercare-item-list", "GET", E(200, 200, 403, 200, 403, 403, 403), exists(aftercare_item_of),
        owner_object=aftercare_item_of, sees_owner_object=STAFF_ONLY),
    Row("aftercare-item-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(aftercare_item_of)),
    Row("aftercare-item-log", "POST", E(200, 200, 404, 404, 404, 404, 404), pk(aftercare_item_of),
        body=lambda w: {"on": "2025-10-01", "mode": "phone"}),
    Row("aftercare-settings", "GET", E(200, 200, 404, 404, 404, 404, 404), lambda w: {"project_id": w.project.pk}),
    Row("aftercare-settings", "PATCH", E(200, 200, 404, 404, 404, 404, 404), lambda w: {"project_id": w.project.pk},
        body=lambda w: {"interim_map_months": 4}),
    Row("duo-reopen", "POST", E(200, 200, 404, 404, 404, 404, 404), pk(closed_duo_of), body=lambda w: {}),
]


def referral_service_of(w: World) -> ReferralService:
    service, _created = ReferralService.objects.get_or_create(project=w.project, name="OCMW Gent", kind="ocmw")
    return service


def referral_of(w: World) -> Referral:
    existing = Referral.objects.filter(participant=w.participant).first()
    return existing or Referral.objects.create(participant=w.participant, service=referral_service_of(w),
                                               date=dt.date(2025, 9, 1), life_domain="income")


ROWS += [
    Row("referral-service-list", "GET", E(200, 200, 403, 200, 403, 403, 403), exists(referral_service_of),
        owner_object=referral_service_of, sees_owner_object=STAFF_ONLY),
    Row("referral-service-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"project": w.project.pk, "name": "CAW Oost-Vlaanderen", "kind": "caw"}),
    Row("referral-service-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(referral_service_of)),
    Row("referral-service-import-csv", "POST", E(400, 400, 403, 400, 403, 403, 403),
        body=lambda w: {"project": w.project.pk}, note="no file: refused before anything is read"),
    Row("referral-list", "GET", E(200, 200, 403, 200, 403, 403, 403), exists(referral_of),
        owner_object=referral_of, sees_owner_object=STAFF_ONLY),
    Row("referral-list", "POST", E(201, 201, 403, 400, 403, 403, 403),
        body=lambda w: {"participant": w.participant.pk, "service": referral_service_of(w).pk,
                        "date": "2025-09-01", "life_domain": "housing"}),
    Row("referral-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(referral_of)),
    Row("referral-outcome", "POST", E(200, 200, 404, 404, 404, 404, 404), pk(referral_of),
        body=lambda w: {"outcome": "started", "on": "2025-09-20"}),
]


def evaluation_of(w: World) -> Evaluation:
    existing = Evaluation.objects.filter(participant=w.participant).first()
    return existing or Evaluation.objects.create(participant=w.participant, duo=w.duo, moment="interim",
                                                 date=dt.date(2025, 9, 1), heard=4)


ROWS += [
    Row("evaluation-list", "GET", E(200, 200, 403, 200, 403, 403, 403), exists(evaluation_of),
        owner_object=evaluation_of, sees_owner_object=STAFF_ONLY),
    Row("evaluation-list", "POST", E(201, 201, 201, 400, 403, 403, 403),
        body=lambda w: {"duo": w.duo.pk, "moment": "interim", "date": "2025-09-01", "heard": 5},
        note="the duo's volunteer records too, on the phone"),
    Row("evaluation-detail", "GET", E(200, 200, 404, 404, 404, 404, 404), pk(evaluation_of)),
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """World users get a password; the production hasher would make the matrix take minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}


def results(response: Any) -> list[dict[str, Any]]:
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def send(client: Any, method: str, url: str, body: dict[str, Any] | None) -> Any:
    call = getattr(client, method.lower())
    if body is None:
        return call(url)
    files = any(hasattr(value, "read") for value in body.values())  # an upload goes as multipart
    return call(url, body, format="multipart" if files else "json")


CASES = [pytest.param(row, role, id=f"{row.id}-{role}") for row in ROWS for role in ROLES]


def caller(world: World, role: str) -> Any:
    """The user of a column; the organisation administrators are made for the cases that need them."""
    if role == "anonymous":
        return None
    if role in ("org_admin", "other_org_admin"):
        organisation = (world.project if role == "org_admin" else world.other_project).organisation
        user = f.UserFactory(email=f"{role.replace('_', '-')}@example.be")
        membership_grant(user=user, role=Role.ORG_ADMIN, organisation=organisation)
        return user
    return getattr(world, role)


@pytest.mark.parametrize(("row", "role"), CASES)
def test_it_answers_each_role_as_the_access_matrix_says(world: World, row: Row, role: str) -> None:
    user = caller(world, role)
    url = reverse(f"v1:{row.name}", kwargs=row.target(world))
    body = row.body(world) if row.body else None
    before = snapshot()

    response = send(client_for(user), row.method, url, body)

    expected = row.expect[role]
    assert response.status_code == expected, response.content
    after = snapshot()
    if expected >= 400 or row.method not in WRITE_METHODS:
        assert after == before, "a refused request or a read changed the database"
    else:
        assert after != before, "an accepted write changed nothing"
    if row.owner_object is not None and expected == 200:
        ids = {item["id"] for item in results(response)}
        owner_id = row.owner_object(world).pk
        if role in row.sees_owner_object:
            assert owner_id in ids
        else:
            assert owner_id not in ids, f"{role} sees another project's object"
    if role == "volunteer_user" and row.name.startswith("duo-") and expected == 200:
        duos = results(response) if row.name == "duo-list" else [response.json()]
        for duo in duos:
            assert "participant_name" not in duo
            assert "participant" not in duo
        assert world.participant.last_name.encode() not in response.content


def _flatten(patterns: list[Any]) -> list[Any]:
    """URL patterns with the apps' included lists (netwerk, matching, ...) opened up."""
    flat: list[Any] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            flat.extend(_flatten(pattern.url_patterns))
        else:
            flat.append(pattern)
    return flat


def routed() -> set[tuple[str, str]]:
    """Every (URL name, method) the v1 API answers, from the URL resolver itself."""
    _, resolver = get_resolver().namespace_dict["v1"]
    found = set()
    for pattern in _flatten(resolver.url_patterns):
        if "format" in pattern.pattern.regex.groupindex:
            continue  # the router's ".json" aliases of the same views
        view = pattern.callback
        actions = getattr(view, "actions", None)
        if actions is not None:
            methods = set(actions)
        else:
            cls = view.view_class
            methods = {m for m in cls.http_method_names if hasattr(cls, m)}
        # HEAD and OPTIONS follow GET and the framework (DRF even adds "head" to a viewset's
        # actions on its first GET), so they are not rows of their own.
        found |= {(pattern.name, m.upper()) for m in methods - {"head", "options"}}
    return found


def test_every_route_and_method_of_the_api_has_a_row_in_the_matrix() -> None:
    in_table = {(row.name, row.method) for row in ROWS}
    assert routed() - in_table == set(), "add a row to ROWS for each new endpoint"
    assert in_table - routed() == set(), "ROWS names an endpoint that no longer exists"


def _unrouted() -> list[Any]:
    by_name: dict[str, Row] = {}
    for row in ROWS:
        by_name.setdefault(row.name, row)
    methods = {"GET", "POST", "PUT", "PATCH", "DELETE"}
    answered = routed()
    return [
        pytest.param(by_name[name], method, id=f"{method} {name}")
        for name in sorted(by_name) for method in sorted(methods)
        if (name, method) not in answered
    ]


@pytest.mark.parametrize(("row", "method"), _unrouted())
def test_it_refuses_methods_the_matrix_does_not_list(world: World, row: Row, method: str) -> None:
    url = reverse(f"v1:{row.name}", kwargs=row.target(world))
    before = snapshot()

    response = send(client_for(world.admin), method, url, {} if method != "GET" else None)

    assert response.status_code == 405, response.content
    assert snapshot() == before


# --- what a narrower role sees, exactly -------------------------------------------------------
def test_a_volunteer_lists_only_their_own_duo_with_their_buddys_first_name(world: World) -> None:
    f.DuoFactory(participant=f.ParticipantFactory(project=world.project))  # a colleague's duo

    response = client_for(world.volunteer_user).get("/api/v1/duos/")

    assert response.status_code == 200
    rows = results(response)
    assert [row["id"] for row in rows] == [world.duo.pk]
    assert rows[0]["participant_first_name"] == "Marieke"
    assert not {"participant_name", "participant", "volunteer_name", "last_name"} & set(rows[0])
    assert b"Peeters" not in response.content


def test_a_volunteer_sees_only_their_own_volunteer_record(world: World) -> None:
    f.VolunteerFactory(project=world.project)

    response = client_for(world.volunteer_user).get("/api/v1/volunteers/")

    assert response.status_code == 200
    assert [row["id"] for row in results(response)] == [world.volunteer.pk]


def test_a_volunteer_sees_only_goals_and_check_ins_of_their_own_duos(world: World) -> None:
    colleague_duo = f.DuoFactory(participant=f.ParticipantFactory(project=world.project))
    f.GoalFactory(duo=colleague_duo)
    f.CheckInFactory(duo=colleague_duo)
    f.GoalFactory(duo=world.other_duo)
    client = client_for(world.volunteer_user)

    goals = client.get("/api/v1/goals/")
    check_ins = client.get("/api/v1/check-ins/")

    assert [row["id"] for row in results(goals)] == [world.goal.pk]
    assert [row["id"] for row in results(check_ins)] == [world.check_in.pk]


def test_a_funder_sees_only_their_own_funder(world: World) -> None:
    f.FunderFactory(name="Koning Boudewijnstichting")

    response = client_for(world.funder_user).get("/api/v1/funders/")

    assert response.status_code == 200
    assert [row["id"] for row in results(response)] == [world.funder.pk]


@pytest.mark.parametrize("name", sorted({row.name for row in ROWS if row.name.endswith("-list")}))
def test_every_list_is_paged_in_a_fixed_order(world: World, name: str) -> None:
    # An unordered page (e.g. Meta.ordering dropped by an aggregate's GROUP BY) can repeat or
    # skip rows between pages; Django warns about exactly that.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client_for(world.admin).get(reverse(f"v1:{name}"))

    assert response.status_code == 200
    assert [str(w.message) for w in caught if issubclass(w.category, UnorderedObjectListWarning)] == []


def test_listing_duos_costs_as_many_queries_for_many_duos_as_for_one(world: World) -> None:
    client = client_for(world.volunteer_user)
    client.get("/api/v1/duos/")  # warm up: roles, postcode data, content types

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/duos/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    world.volunteer.capacity = 5
    world.volunteer.save()
    for _ in range(4):
        duo = f.DuoFactory(participant=f.ParticipantFactory(project=world.project), volunteer=world.volunteer)
        f.GoalFactory(duo=duo)
    assert len(results(client.get("/api/v1/duos/"))) == 5
    assert count() == one


def test_a_coordinator_who_volunteers_elsewhere_never_sees_their_buddys_full_name(world: World) -> None:
    # other_coordinator coordinates other_project and is the volunteer of a duo in world.project.
    volunteer = f.VolunteerFactory(project=world.project, capacity=2)
    membership_grant(user=world.other_coordinator, role=Role.VOLUNTEER, volunteer=volunteer)
    buddy = f.ParticipantFactory(project=world.project, first_name="Fatima", last_name="Benali")
    duo = f.DuoFactory(participant=buddy, volunteer=volunteer)
    client = client_for(world.other_coordinator)

    listed = client.get("/api/v1/duos/")
    one = client.get(f"/api/v1/duos/{duo.pk}/")

    assert listed.status_code == 200 and one.status_code == 200
    mine = {row["id"]: row for row in results(listed)}
    assert set(mine) == {duo.pk, world.other_duo.pk}
    assert "participant_name" in mine[world.other_duo.pk]  # their own project: the full record
    for body in (mine[duo.pk], one.json()):
        assert body["participant_first_name"] == "Fatima"
        assert "participant_name" not in body
    assert b"Benali" not in listed.content
    assert b"Benali" not in one.content


@pytest.mark.parametrize("url", [
    pytest.param(lambda w: f"/api/v1/duos/{w.duo.pk}/", id="duo"),
    pytest.param(lambda w: f"/api/v1/goals/{w.goal.pk}/", id="goal"),
    pytest.param(lambda w: f"/api/v1/check-ins/{w.check_in.pk}/", id="check-in"),
    pytest.param(lambda w: f"/api/v1/volunteers/{w.volunteer.pk}/", id="volunteer"),
])
def test_a_volunteer_of_another_duo_cannot_see_this_duos_records(world: World, url: Callable[[World], str]) -> None:
    response = client_for(world.other_volunteer_user).get(url(world))

    assert response.status_code == 404


def test_a_volunteer_of_another_duo_cannot_log_a_check_in_for_it(world: World) -> None:
    before = snapshot()

    response = client_for(world.other_volunteer_user).post(
        "/api/v1/check-ins/", {"duo": world.duo.pk, "date": "2025-09-01", "duration_minutes": 30, "mode": "phone"},
        format="json")

    assert response.status_code == 400
    assert "duo" in response.json()
    assert snapshot() == before


def test_a_volunteer_cannot_edit_a_check_in_someone_else_wrote(world: World) -> None:
    theirs = f.CheckInFactory(duo=world.duo, author=world.coordinator, note="Gesprek met de coördinator")

    response = client_for(world.volunteer_user).patch(f"/api/v1/check-ins/{theirs.pk}/", {"note": "Anders"},
                                                      format="json")

    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.note == "Gesprek met de coördinator"


def test_a_volunteer_can_no_longer_edit_their_check_in_after_48_hours(world: World) -> None:
    with time_machine.travel(world.check_in.created_at + dt.timedelta(hours=48, minutes=1), tick=False):
        late = client_for(world.volunteer_user).patch(f"/api/v1/check-ins/{world.check_in.pk}/",
                                                      {"note": "Te laat"}, format="json")
        coordinator = client_for(world.coordinator).patch(f"/api/v1/check-ins/{world.check_in.pk}/",
                                                          {"duration_minutes": 75}, format="json")

    assert late.status_code == 403
    assert coordinator.status_code == 200
    world.check_in.refresh_from_db()
    assert (world.check_in.note, world.check_in.duration_minutes) == ("", 75)


def test_an_anonymous_caller_gets_403_as_session_authentication_comes_first(world: World) -> None:
    # DRF answers 401 only when the first authenticator names a WWW-Authenticate scheme;
    # SessionAuthentication names none, so "not signed in" and "bad token" are both 403.
    anonymous = APIClient().get("/api/v1/duos/", HTTP_ACCEPT_LANGUAGE="en")
    bad_token = APIClient().get("/api/v1/duos/", HTTP_AUTHORIZATION="Token not-a-token", HTTP_ACCEPT_LANGUAGE="en")

    assert anonymous.status_code == 403
    assert anonymous.json() == {"detail": "Authentication credentials were not provided."}
    assert (bad_token.status_code, bad_token.json()) == (403, {"detail": "Invalid token."})
    assert "WWW-Authenticate" not in anonymous.headers


def test_a_token_signs_a_volunteer_in_with_their_own_scope(world: World) -> None:
    token = Token.objects.create(user=world.volunteer_user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")

    mine = client.get(f"/api/v1/duos/{world.duo.pk}/")
    theirs = client.get(f"/api/v1/duos/{world.other_duo.pk}/")

    assert (mine.status_code, theirs.status_code) == (200, 404)
