"""Who may open which coordinator page: one row per (URL, method), one expected status per role.

The callers are those of `tests.conftest.World`: the owner coordinator (alice), the volunteer of
the world's duo (bob: a narrower role in the same project), a coordinator of another project
(charlie: outsider → 404), a funder, an administrator, the administrators of the owner's and of
the other organisation (issue 16) and nobody signed in (→ the sign-in page).

Every URL name in buddynet/web/coordinator_urls.py must have a GET row here, and every page that
writes a POST row: `test_every_coordinator_page_has_a_row` fails otherwise, so a new page cannot
be added without deciding who may open it. A refused POST must leave the database as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.records.accounts.invitations import invitation_send
from buddynet.records.accounts.models import Invitation, Role, User
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus, Goal
from buddynet.records.people.models import ConsentEvent, NeedsMeasurement, Participant, Volunteer
from buddynet.web import coordinator_urls
from tests import factories as f
from tests.conftest import World
from tests.web.test_coordinator_edit import participant_edit_body, volunteer_edit_body

ROLES = ("admin", "coordinator", "volunteer_user", "other_coordinator", "funder_user", "org_admin", "other_org_admin",
         "anonymous")
LOGIN = "login"  # expected: a redirect to the sign-in page


def E(admin: int | str, coordinator: int | str, volunteer_user: int | str = 403, other_coordinator: int | str = 404,
      funder_user: int | str = 403, org_admin: int | str = 403, other_org_admin: int | str = 403,
      anonymous: int | str = LOGIN) -> dict[str, int | str]:
    """Organisation administrators (of the owner's organisation, and of the other one) are not
    coordinators: every coordinator page refuses them (403) before it looks anything up, also
    their own organisation's participants (issue 16: they manage accounts, on /organisatie/)."""
    return dict(zip(ROLES, (admin, coordinator, volunteer_user, other_coordinator, funder_user, org_admin,
                            other_org_admin, anonymous), strict=True))


PAGE = E(200, 200)


def duo_in(status: str) -> Callable[[World], Duo]:
    def make(w: World) -> Duo:
        dates: dict[str, Any] = {"introduced_on": None, "started_on": None}
        if status in (DuoStatus.INTRODUCED, DuoStatus.ACTIVE, DuoStatus.PAUSED):
            dates["introduced_on"] = dt.date(2025, 7, 8)
        if status in (DuoStatus.ACTIVE, DuoStatus.PAUSED):
            dates["started_on"] = dt.date(2025, 7, 15)
        if status == DuoStatus.PAUSED:
            dates.update(paused_on=dt.date(2025, 9, 1), pause_reason="Ziekenhuisopname")
        return f.DuoFactory(participant=f.ParticipantFactory(project=w.project), volunteer=f.VolunteerFactory(
            project=w.project), status=status, **dates)

    return make


def closed_duo(w: World) -> Duo:
    return f.DuoFactory(participant=f.ParticipantFactory(project=w.project), volunteer=f.VolunteerFactory(
        project=w.project), status=DuoStatus.CLOSED, introduced_on=dt.date(2025, 7, 8),
        started_on=dt.date(2025, 7, 15), closed_on=dt.date(2025, 10, 1), closure_reason="goals_reached")


def concern(w: World) -> CheckIn:
    return f.CheckInFactory(duo=w.duo, author=w.volunteer_user, concern=True, concern_note="Ze eet niet goed.")


def snapshot(w: World) -> tuple[Any, ...]:
    """What a refused request must not change."""
    return (
        Participant.objects.count(), Volunteer.objects.count(),
        tuple(Duo.objects.order_by("pk").values_list("status", "closure_reason", "pause_reason")),
        tuple(CheckIn.objects.order_by("pk").values_list("concern_handled_at", "duration_minutes")),
        Goal.objects.count(), tuple(Goal.objects.order_by("pk").values_list("status", "life_domain")),
        tuple(Participant.objects.order_by("pk").values_list("first_name", flat=True)),
        tuple(Volunteer.objects.order_by("pk").values_list("first_name", flat=True)),
        tuple(Participant.objects.order_by("pk").values_list("consent_scope", "consent_date")),
        ConsentEvent.objects.count(), NeedsMeasurement.objects.count(),
        User.objects.count(), Invitation.objects.count(),
    )


def new_volunteer(w: World) -> Volunteer:
    return f.VolunteerFactory(project=w.project, first_name="Nadia", email="nadia@example.be")


def invited_volunteer(w: World) -> Volunteer:
    volunteer = new_volunteer(w)
    invitation_send(volunteer=volunteer, by=w.coordinator, login_url="http://testserver/mijn/uitnodiging/")
    return volunteer


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    expect: dict[str, int | str]
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    body: Callable[[World], dict[str, Any]] | None = None
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{' (' + self.note + ')' if self.note else ''}"


def project(w: World) -> dict[str, Any]:
    return {"project_id": w.project.pk}


def obj(key: str, get: Callable[[World], Any]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {key: get(w).pk}


def wizard_first_step(prefix: str) -> Callable[[World], dict[str, Any]]:
    def body(w: World) -> dict[str, Any]:
        return {
            f"intake_{prefix}_{w.project.pk}-current_step": "person",
            "person-first_name": "Nadia", "person-last_name": "Amrani", "person-postcode": "9000",
            "person-mobility": "walk",
        }

    return body


def import_file(kind: str) -> Callable[[World], dict[str, Any]]:
    def body(w: World) -> dict[str, Any]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        header = "Voornaam;Achternaam;Postcode;Talen;Beschikbaarheid"
        header += ";Toestemming;Toestemming gegeven op" if kind == "participant" else ";Privacyverklaring uitgelegd"
        row = "Nadia;Amrani;9000;nl;mon_evening" + (";basic;01/10/2025" if kind == "participant" else ";ja")
        return {"file": SimpleUploadedFile("lijst.csv", f"{header}\r\n{row}\r\n".encode(), "text/csv")}

    return body


ROWS: list[Row] = [
    Row("coordinator-home", "GET", E(302, 302, other_coordinator=302), note="to the first project's Today"),
    Row("coordinator-today", "GET", PAGE, project),
    Row("coordinator-participants", "GET", PAGE, project),
    Row("coordinator-volunteers", "GET", PAGE, project),
    Row("coordinator-duos", "GET", PAGE, project),
    Row("coordinator-participants", "POST", E(302, 302), project, lambda w: {"q": "Marieke"},
        note="search: kept in the session, nothing saved"),
    Row("coordinator-volunteers", "POST", E(302, 302), project, lambda w: {"q": "Bert"},
        note="search: kept in the session, nothing saved"),
    Row("coordinator-duos", "POST", E(302, 302), project, lambda w: {"q": "Marieke"},
        note="search: kept in the session, nothing saved"),
    Row("coordinator-participant-intake", "GET", PAGE, project),
    Row("coordinator-participant-intake", "POST", PAGE, project, wizard_first_step("participant"),
        note="first step: kept in the session, nothing saved"),
    Row("coordinator-volunteer-intake", "GET", PAGE, project),
    Row("coordinator-volunteer-intake", "POST", PAGE, project, wizard_first_step("volunteer"),
        note="first step: kept in the session, nothing saved"),
    Row("coordinator-participant", "GET", PAGE, obj("participant_id", lambda w: w.participant)),
    Row("coordinator-participant-consent", "GET", PAGE, obj("participant_id", lambda w: w.participant)),
    Row("coordinator-participant-story", "GET", PAGE, obj("participant_id", lambda w: w.participant)),
    Row("coordinator-participant-consent", "POST", E(302, 302), obj("participant_id", lambda w: w.participant),
        lambda w: {"scope": "research", "given_on": "2025-11-01", "how": "spoken_interpreter"}),
    Row("coordinator-participant-needs", "GET", PAGE, obj("participant_id", lambda w: w.participant)),
    Row("coordinator-participant-needs", "POST", E(302, 302), obj("participant_id", lambda w: w.participant),
        lambda w: {"occasion": "interim", "date": "2025-11-01", "domain_housing": "2", "domain_social": "1",
                   **{f"domain_{d}": "0" for d in ("work", "income", "health", "mobility", "childcare", "education",
                                                   "leisure", "administration")}}),
    Row("coordinator-volunteer", "GET", PAGE, obj("volunteer_id", lambda w: w.volunteer)),
    Row("coordinator-participant-edit", "GET", PAGE, obj("participant_id", lambda w: w.participant)),
    Row("coordinator-participant-edit", "POST", E(302, 302), obj("participant_id", lambda w: w.participant),
        lambda w: {**participant_edit_body(w), "person-first_name": "Mariek"}),
    Row("coordinator-volunteer-edit", "GET", PAGE, obj("volunteer_id", lambda w: w.volunteer)),
    Row("coordinator-volunteer-edit", "POST", E(302, 302), obj("volunteer_id", lambda w: w.volunteer),
        lambda w: {**volunteer_edit_body(w), "person-first_name": "Berten"}),
    Row("coordinator-participant-import", "GET", PAGE, project),
    Row("coordinator-participant-import", "POST", PAGE, project, import_file("participant"),
        note="upload: a preview, nothing saved"),
    Row("coordinator-volunteer-import", "GET", PAGE, project),
    Row("coordinator-volunteer-import", "POST", PAGE, project, import_file("volunteer"),
        note="upload: a preview, nothing saved"),
    Row("coordinator-participant-export", "GET", PAGE, project),
    Row("coordinator-volunteer-export", "GET", PAGE, project),
    Row("coordinator-volunteer-invite", "GET", E(405, 405, other_coordinator=405), obj("volunteer_id", new_volunteer),
        note="POST only"),
    Row("coordinator-volunteer-invite", "POST", E(302, 302), obj("volunteer_id", new_volunteer)),
    Row("coordinator-volunteer-invite-again", "GET", E(405, 405, other_coordinator=405),
        obj("volunteer_id", invited_volunteer), note="POST only"),
    Row("coordinator-volunteer-invite-again", "POST", E(302, 302), obj("volunteer_id", invited_volunteer)),
    Row("coordinator-duo", "GET", PAGE, obj("duo_id", lambda w: w.duo)),
    Row("coordinator-duo-introduce", "GET", PAGE, obj("duo_id", duo_in(DuoStatus.PROPOSED))),
    Row("coordinator-duo-introduce", "POST", E(302, 302), obj("duo_id", duo_in(DuoStatus.PROPOSED)),
        lambda w: {"introduced_on": "2025-08-01"}),
    Row("coordinator-duo-activate", "GET", PAGE, obj("duo_id", duo_in(DuoStatus.INTRODUCED))),
    Row("coordinator-duo-activate", "POST", E(302, 302), obj("duo_id", duo_in(DuoStatus.INTRODUCED)),
        lambda w: {"started_on": "2025-08-01"}),
    Row("coordinator-duo-pause", "GET", PAGE, obj("duo_id", lambda w: w.duo)),
    Row("coordinator-duo-pause", "POST", E(302, 302), obj("duo_id", lambda w: w.duo),
        lambda w: {"reason": "Ziek", "paused_on": "2025-09-01"}),
    Row("coordinator-duo-resume", "GET", PAGE, obj("duo_id", duo_in(DuoStatus.PAUSED))),
    Row("coordinator-duo-resume", "POST", E(302, 302), obj("duo_id", duo_in(DuoStatus.PAUSED)), lambda w: {}),
    Row("coordinator-duo-close", "GET", PAGE, obj("duo_id", lambda w: w.duo)),
    Row("coordinator-duo-close", "POST", E(302, 302), obj("duo_id", lambda w: w.duo),
        lambda w: {"reason": "goals_reached", "closed_on": "2025-10-01", "next_step": "end"}),
    Row("coordinator-duo-reopen", "GET", PAGE, obj("duo_id", closed_duo)),
    Row("coordinator-duo-reopen", "POST", E(302, 302), obj("duo_id", closed_duo), lambda w: {}),
    Row("coordinator-duo-goal-add", "GET", PAGE, obj("duo_id", lambda w: w.duo)),
    Row("coordinator-duo-goal-add", "POST", E(302, 302), obj("duo_id", lambda w: w.duo),
        lambda w: {"life_domain": "housing", "description": "Een sociale woning aanvragen"}),
    Row("coordinator-goal-edit", "GET", PAGE, obj("goal_id", lambda w: w.goal)),
    Row("coordinator-goal-edit", "POST", E(302, 302), obj("goal_id", lambda w: w.goal),
        lambda w: {"life_domain": "housing", "description": "Een sociale woning aanvragen", "status": "achieved"}),
    Row("coordinator-check-in-correct", "GET", PAGE, obj("check_in_id", lambda w: w.check_in)),
    Row("coordinator-check-in-correct", "POST", E(302, 302), obj("check_in_id", lambda w: w.check_in),
        lambda w: {"date": w.check_in.date.isoformat(), "duration_minutes": "95", "mode": w.check_in.mode}),
    Row("coordinator-concern-handle", "GET", PAGE, obj("check_in_id", concern)),
    Row("coordinator-concern-handle", "POST", E(302, 302), obj("check_in_id", concern),
        lambda w: {"note": "Gebeld met de huisarts."}),
]
CASES = [(row, role) for row in ROWS for role in ROLES]


def user_of(w: World, role: str) -> Any:
    if role in ("org_admin", "other_org_admin"):
        user = f.UserFactory(email=f"{role.replace('_', '-')}@example.be")
        membership_grant(user=user, role=Role.ORG_ADMIN,
                         organisation=(w.project if role == "org_admin" else w.other_project).organisation)
        return user
    return None if role == "anonymous" else getattr(w, role)


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False)
@pytest.mark.parametrize(("row", "role"), CASES, ids=[f"{r.id} as {role}" for r, role in CASES])
def test_page_access(world: World, row: Row, role: str) -> None:
    kwargs = row.kwargs(world)
    url = reverse(f"web:{row.name}", kwargs=kwargs)
    client = Client()
    user = user_of(world, role)
    if user is not None:
        client.force_login(user)
    before = snapshot(world)
    body = row.body(world) if row.body else {}
    response = client.get(url) if row.method == "GET" else client.post(url, body)
    expected = row.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))
    else:
        assert response.status_code == expected, response.content[:2000]
    writes = row.name.startswith("coordinator-duo-") or row.name in {
        "coordinator-concern-handle", "coordinator-check-in-correct", "coordinator-goal-edit",
        "coordinator-participant-edit",
        "coordinator-volunteer-edit", "coordinator-participant-consent", "coordinator-participant-needs",
        "coordinator-volunteer-invite", "coordinator-volunteer-invite-again"}
    if row.method == "POST" and writes:
        if expected == 302:
            assert snapshot(world) != before, "an accepted action must change something"
        else:
            assert snapshot(world) == before, "a refused request must change nothing"
    elif row.method == "POST":
        assert snapshot(world) == before, "an intake step or a search saves nothing"


def test_every_coordinator_page_has_a_row() -> None:
    names = {p.name for p in coordinator_urls.urlpatterns}
    covered_get = {r.name for r in ROWS if r.method == "GET"}
    assert names - covered_get == set(), "give every coordinator page a GET row"
    posting = {"coordinator-participant-intake", "coordinator-volunteer-intake", "coordinator-concern-handle",
               "coordinator-check-in-correct",
               "coordinator-participant-edit", "coordinator-volunteer-edit",
               "coordinator-participants", "coordinator-volunteers", "coordinator-duos",
               "coordinator-participant-consent", "coordinator-participant-import",
               "coordinator-volunteer-import", "coordinator-participant-needs", "coordinator-volunteer-invite",
               "coordinator-volunteer-invite-again"} | {
        n for n in names if n.startswith("coordinator-duo-")
    }
    covered_post = {r.name for r in ROWS if r.method == "POST"}
    assert posting - covered_post == set(), "give every page that accepts a form a POST row"


@pytest.mark.django_db
def test_the_home_of_the_outsider_goes_to_their_own_project(world: World) -> None:
    client = Client()
    client.force_login(world.other_coordinator)
    response = client.get(reverse("web:coordinator-home"))
    assert response["Location"] == reverse("web:coordinator-today", args=[world.other_project.pk])
    response = client.get(reverse("web:coordinator-home"), {"project": world.project.pk})
    assert response.status_code == 404
