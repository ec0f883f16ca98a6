"""One rule, one place (issue 15): each rule is refused by its service, so every channel that
reaches it — the REST API, the HTML pages, the admin, a direct service call (what a task or a
management command does) — refuses it too. Each test is parametrised over the channels and fails
when any one of them lets the forbidden change through.

The why-unmatched sentences, the fifth rule of the issue, are pure engine output and are tested
in tests/matching/test_explain_truth.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.errors import ServiceError
from buddynet.records.duos import services
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus, Goal
from buddynet.records.people import services as people_services
from buddynet.records.people.models import ConsentEvent, Participant
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 3)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


def _page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _admin_action(user: Any, action: str, duo: Duo) -> int:
    response = _page_client(user).post("/admin/duos/duo/", {"action": action, "_selected_action": [duo.pk]})
    return response.status_code


def _service(call: Callable[[], Any]) -> int:
    """A direct service call, as a task or a management command makes it: the status the API
    would answer for its refusal (buddynet/api.py maps ServiceError.status_code)."""
    try:
        call()
    except ServiceError as error:
        return error.status_code
    return 200


# --- activate on a paused duo: only resume brings it back ----------------------------------
def _paused(world: World) -> Duo:
    duo = world.duo
    Duo.objects.filter(pk=duo.pk).update(status=DuoStatus.PAUSED, paused_on=dt.date(2025, 10, 1))
    duo.refresh_from_db()
    duo.pause_reason = "Ziekenhuisopname"
    duo.save(update_fields=["pause_reason"])  # encrypted field: through the model
    return duo


ACTIVATE_PAUSED: dict[str, Callable[[World, Duo], int]] = {
    "api": lambda w, duo: client_for(w.coordinator).post(
        f"/api/v1/duos/{duo.pk}/activate/", {"on": "2025-11-01"}, format="json").status_code,
    # The page only hides the button; posted to directly, the address must refuse too.
    "page": lambda w, duo: _page_client(w.coordinator).post(
        reverse("web:coordinator-duo-activate", args=[duo.pk]), {"started_on": "2025-11-01"}).status_code,
    "admin": lambda w, duo: _admin_action(w.coordinator, "activate", duo),
    "service": lambda w, duo: _service(lambda: services.duo_activate(duo=duo, by=w.coordinator)),
}


@pytest.mark.parametrize("channel", ACTIVATE_PAUSED)
def test_activate_on_a_paused_duo_is_refused_and_changes_nothing(world: World, channel: str) -> None:
    duo = _paused(world)
    before = Duo.objects.get(pk=duo.pk)

    status = ACTIVATE_PAUSED[channel](world, duo)

    if channel == "admin":
        assert status == 302  # the admin reports the refusal as a message and lists again
    else:
        assert status == 409
    after = Duo.objects.get(pk=duo.pk)
    assert after.status == DuoStatus.PAUSED
    assert (after.started_on, after.planned_end_on) == (before.started_on, before.planned_end_on)
    assert (after.paused_on, after.pause_reason) == (dt.date(2025, 10, 1), "Ziekenhuisopname")


def test_a_paused_duo_comes_back_through_resume_keeping_its_start(world: World) -> None:
    duo = _paused(world)
    started_on = duo.started_on

    response = client_for(world.coordinator).post(f"/api/v1/duos/{duo.pk}/resume/", {}, format="json")

    assert response.status_code == 200
    duo.refresh_from_db()
    assert (duo.status, duo.started_on, duo.paused_on, duo.pause_reason) == (DuoStatus.ACTIVE, started_on, None, "")


def test_the_page_offers_resume_not_start_for_a_paused_duo(world: World) -> None:
    duo = _paused(world)

    assert services.duo_actions_allowed(duo) == ["resume", "close"]
    html = _page_client(world.coordinator).get(reverse("web:coordinator-duo", args=[duo.pk])).content.decode()
    assert reverse("web:coordinator-duo-resume", args=[duo.pk]) in html
    assert reverse("web:coordinator-duo-activate", args=[duo.pk]) not in html


# --- no goals on a closed duo ----------------------------------------------------------------
def _closed(world: World) -> Duo:
    Duo.objects.filter(pk=world.duo.pk).update(status=DuoStatus.CLOSED, closed_on=dt.date(2025, 10, 1),
                                               closure_reason="other")
    world.duo.refresh_from_db()
    return world.duo


def _admin_goal_inline(user: Any, duo: Duo) -> int:
    """The duo's change form in the admin with one new goal in its inline."""
    goals = list(duo.goals.all())
    data: dict[str, Any] = {
        "next_meeting_on": "",
        "goals-TOTAL_FORMS": str(len(goals) + 1), "goals-INITIAL_FORMS": str(len(goals)),
        "goals-MIN_NUM_FORMS": "0", "goals-MAX_NUM_FORMS": "1000",
    }
    for n, goal in enumerate(goals):
        data.update({f"goals-{n}-id": str(goal.pk), f"goals-{n}-duo": str(duo.pk),
                     f"goals-{n}-life_domain": goal.life_domain, f"goals-{n}-description": goal.description,
                     f"goals-{n}-status": goal.status})
    n = len(goals)
    data.update({f"goals-{n}-id": "", f"goals-{n}-duo": str(duo.pk), f"goals-{n}-life_domain": "work",
                 f"goals-{n}-description": "Werk zoeken", f"goals-{n}-status": "open"})
    return _page_client(user).post(f"/admin/duos/duo/{duo.pk}/change/", data).status_code


GOAL_ON_CLOSED: dict[str, Callable[[World, Duo], int]] = {
    "api": lambda w, duo: client_for(w.coordinator).post(
        "/api/v1/goals/", {"duo": duo.pk, "life_domain": "work", "description": "Werk zoeken"},
        format="json").status_code,
    "page": lambda w, duo: _page_client(w.coordinator).post(
        reverse("web:coordinator-duo-goal-add", args=[duo.pk]),
        {"life_domain": "work", "description": "Werk zoeken"}).status_code,
    "admin": lambda w, duo: _admin_goal_inline(w.coordinator, duo),
    "service": lambda w, duo: _service(lambda: services.goal_save(
        duo=duo, by=w.coordinator, data={"life_domain": "work", "description": "Werk zoeken"})),
}


@pytest.mark.parametrize("channel", GOAL_ON_CLOSED)
def test_a_closed_duo_takes_no_new_goal(world: World, channel: str) -> None:
    duo = _closed(world)
    before = Goal.objects.count()

    status = GOAL_ON_CLOSED[channel](world, duo)

    # The admin offers no goal rows on a closed duo and drops a posted one (302 back to the list).
    assert status in ({302, 403} if channel == "admin" else {409})
    assert Goal.objects.count() == before


def test_the_admin_writes_goals_through_the_service_even_if_its_inline_offered_them(
        world: World, monkeypatch: Any) -> None:
    from buddynet.records.duos.admin import GoalInline

    duo = _closed(world)
    before = Goal.objects.count()
    for name in ("has_add_permission", "has_change_permission", "has_delete_permission"):
        monkeypatch.setattr(GoalInline, name, lambda self, request, obj=None: True)

    assert _admin_goal_inline(world.coordinator, duo) == 403  # goal_save refused: the whole change rolls back
    assert Goal.objects.count() == before


def test_the_admin_adds_a_goal_to_an_open_duo_through_the_service(world: World) -> None:
    before = Goal.objects.count()

    assert _admin_goal_inline(world.coordinator, world.duo) == 302

    assert Goal.objects.count() == before + 1
    assert Goal.objects.filter(duo=world.duo, life_domain="work").exists()


@pytest.mark.parametrize("channel", ["api", "page", "admin", "service"])
def test_a_closed_duos_goals_are_not_changed_or_removed(world: World, channel: str) -> None:
    duo = _closed(world)
    goal = world.goal
    if channel == "api":
        client = client_for(world.coordinator)
        statuses = [client.patch(f"/api/v1/goals/{goal.pk}/", {"status": "achieved"}, format="json").status_code,
                    client.delete(f"/api/v1/goals/{goal.pk}/").status_code]
    elif channel == "page":
        url = reverse("web:coordinator-goal-edit", args=[goal.pk])
        client = _page_client(world.coordinator)
        statuses = [client.get(url).status_code, client.post(url, {
            "life_domain": goal.life_domain, "description": goal.description, "status": "achieved"}).status_code]
    elif channel == "admin":
        # The inline offers no add, change or delete on a closed duo.
        html = _page_client(world.coordinator).get(f"/admin/duos/duo/{duo.pk}/change/").content.decode()
        statuses = [409 if 'name="goals-0-description"' not in html else 200]
    else:
        statuses = [_service(lambda: services.goal_save(goal=goal, by=world.coordinator, data={"status": "achieved"})),
                    _service(lambda: services.goal_delete(goal=goal, by=world.coordinator))]
    assert statuses and all(s == 409 for s in statuses)
    goal.refresh_from_db()
    assert goal.status == Goal.Status.OPEN


# --- who acts: a lifecycle action by someone who may not act -----------------------------
WHO: dict[str, Callable[[World, Any, Duo], int]] = {
    "api": lambda w, user, duo: client_for(user).post(
        f"/api/v1/duos/{duo.pk}/pause/", {"reason": "Vakantie", "on": "2025-11-01"}, format="json").status_code,
    "page": lambda w, user, duo: _page_client(user).post(
        reverse("web:coordinator-duo-pause", args=[duo.pk]),
        {"reason": "Vakantie", "paused_on": "2025-11-01"}).status_code,
    "admin": lambda w, user, duo: _admin_action(user, "introduce", duo),
    "service": lambda w, user, duo: _service(lambda: services.duo_pause(duo=duo, by=user, reason="Vakantie")),
}


@pytest.mark.parametrize("channel", WHO)
@pytest.mark.parametrize("who", ["volunteer_user", "other_coordinator", "funder_user"])
def test_a_lifecycle_action_by_someone_who_may_not_act_changes_nothing(world: World, channel: str, who: str) -> None:
    # The admin actions take duos from the list, so the admin case starts from a proposed duo.
    duo = world.duo
    if channel == "admin":
        Duo.objects.filter(pk=duo.pk).update(status=DuoStatus.PROPOSED, introduced_on=None, started_on=None)
        duo.refresh_from_db()
    before = duo.status
    user = getattr(world, who)

    status = WHO[channel](world, user, duo)

    assert status in {302, 403, 404}  # refused (302: the admin's sign-in page or its list)
    duo.refresh_from_db()
    assert duo.status == before


@pytest.mark.parametrize("service", ["introduce", "activate", "pause", "resume", "close", "goal", "propose"])
@pytest.mark.parametrize("who", ["volunteer_user", "other_coordinator", "funder_user", None])
def test_every_lifecycle_service_checks_who_acts(world: World, service: str, who: str | None) -> None:
    # Each service from the status it may start from, so the only reason to refuse is who acts.
    start = {"introduce": DuoStatus.PROPOSED, "activate": DuoStatus.INTRODUCED, "resume": DuoStatus.PAUSED}
    Duo.objects.filter(pk=world.duo.pk).update(status=start.get(service, DuoStatus.ACTIVE))
    duo = Duo.objects.get(pk=world.duo.pk)
    by = getattr(world, who) if who else None
    participant = f.ParticipantFactory(project=world.project)
    volunteer = f.VolunteerFactory(project=world.project)
    calls: dict[str, Callable[[], Any]] = {
        "introduce": lambda: services.duo_introduce(duo=duo, by=by),
        "activate": lambda: services.duo_activate(duo=duo, by=by),
        "pause": lambda: services.duo_pause(duo=duo, by=by, reason="x"),
        "resume": lambda: services.duo_resume(duo=duo, by=by),
        "close": lambda: services.duo_close(duo=duo, by=by, reason="other", next_step="end"),
        "goal": lambda: services.goal_save(duo=duo, by=by, data={"life_domain": "work", "description": "Werk"}),
        "propose": lambda: services.duo_propose(volunteer=volunteer, participant=participant, by=by),
    }
    goals, duos = Goal.objects.count(), Duo.objects.count()

    assert _service(calls[service]) == 403

    assert Duo.objects.get(pk=duo.pk).status == duo.status
    assert (Goal.objects.count(), Duo.objects.count()) == (goals, duos)


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_the_coordinator_of_the_project_and_an_administrator_may_act(world: World, who: str) -> None:
    duo = services.duo_pause(duo=world.duo, by=getattr(world, who), reason="Vakantie")
    assert duo.status == DuoStatus.PAUSED


def test_the_duos_volunteer_plans_its_meetings_but_another_volunteer_may_not(world: World) -> None:
    services.duo_plan_meeting(duo=world.duo, by=world.volunteer_user, on=dt.date(2025, 11, 20))
    assert _service(lambda: services.duo_plan_meeting(duo=world.duo, by=world.other_volunteer_user,
                                                       on=dt.date(2025, 11, 21))) == 403
    world.duo.refresh_from_db()
    assert world.duo.next_meeting_on == dt.date(2025, 11, 20)


# --- a check-in's new contact reaches the network map, whichever channel sent it -------------
def _check_in_api(world: World, client_uuid: str) -> int:
    return client_for(world.volunteer_user).post("/api/v1/check-ins/", {
        "duo": world.duo.pk, "client_uuid": client_uuid, "date": "2025-11-01", "duration_minutes": 60,
        "mode": "in_person", "new_contacts": [{"label": "Buurvrouw Anna", "category": "neighbour",
                                               "life_domain": "social"}],
    }, format="json").status_code


def _check_in_phone(world: World, client_uuid: str) -> int:
    return _page_client(world.volunteer_user).post(reverse("web:volunteer-check-in"), {
        "duo": world.duo.pk, "client_uuid": client_uuid, "date": "2025-11-01", "duration": "60",
        "mode": "in_person", "new_contact_label": "Buurvrouw Anna", "new_contact_category": "neighbour",
        "new_contact_life_domain": "social",
    }, HTTP_ACCEPT="application/json").status_code


def _check_in_service(world: World, client_uuid: str) -> int:
    _check_in, created = services.check_in_record(
        duo=world.duo, author=world.volunteer_user, client_uuid=uuid.UUID(client_uuid),
        data={"date": dt.date(2025, 11, 1), "duration_minutes": 60, "mode": "in_person",
              "new_contacts": [{"label": "Buurvrouw Anna", "category": "neighbour", "life_domain": "social"}]})
    return 201 if created else 200


CHECK_IN_WITH_CONTACT = {"api": _check_in_api, "phone": _check_in_phone, "service": _check_in_service}


@pytest.mark.parametrize("channel", CHECK_IN_WITH_CONTACT)
def test_a_new_contact_on_a_check_in_reaches_the_network_map_once(world: World, channel: str) -> None:
    from buddynet.records.duos.models import CheckIn
    from netwerk.models import Alter

    client_uuid = str(uuid.uuid4())
    send = CHECK_IN_WITH_CONTACT[channel]

    assert send(world, client_uuid) == 201
    assert send(world, client_uuid) == 200  # the phone resends: stored once, the contact added once

    check_in = CheckIn.objects.get(client_uuid=client_uuid)
    alter = Alter.objects.get(map__participant=world.participant)
    assert (alter.label, alter.category, alter.life_domains, alter.via_buddy) == (
        "Buurvrouw Anna", "neighbour", ["social"], True)
    assert (alter.check_in_id, alter.added_by_id) == (check_in.pk, world.volunteer_user.pk)


def test_a_contact_netwerk_refuses_stores_no_check_in_either(world: World) -> None:
    from buddynet.records.duos.models import CheckIn
    from netwerk.models import Alter, NetworkMap

    before = CheckIn.objects.count()
    # The check-in takes labels up to 60 characters; an alter's label holds 40.
    response = client_for(world.volunteer_user).post("/api/v1/check-ins/", {
        "duo": world.duo.pk, "date": "2025-11-01", "duration_minutes": 60, "mode": "in_person",
        "new_contacts": [{"label": "x" * 60, "category": "friend", "life_domain": "social"}],
    }, format="json")

    assert response.status_code == 400
    assert "new_contacts" in response.json()
    assert CheckIn.objects.count() == before
    assert not Alter.objects.exists() and not NetworkMap.objects.exists()


# --- intake completion: waiting for a buddy needs consent ----------------------------------
def _in_intake(world: World) -> Any:
    return f.ParticipantFactory(project=world.project, status="intake", waiting_since=None, consent_date=None,
                                consent_scope="", first_name="Nadia", last_name="Amrani", postcode="9000")


def _admin_change(world: World, participant: Any, **changes: Any) -> int:
    from django.forms.models import model_to_dict

    data = {k: ("" if v is None else v) for k, v in model_to_dict(participant).items()
            if k not in {"id", "person_ptr", "consent_recorded_by", "latitude", "longitude", "municipality"}}
    data.update(languages='["nl"]', interests="[]", availability="[]", needs="{}", **changes)
    response = _page_client(world.admin).post(f"/admin/people/participant/{participant.pk}/change/", data)
    return 400 if response.status_code == 200 and b"errornote" in response.content else response.status_code


def _wizard_without_consent(world: World, participant: Any) -> int:
    from tests.web.test_coordinator_forms import participant_intake

    participant.delete()  # the wizard makes its own participant
    response = participant_intake(world, _page_client(world.coordinator), {"consent_scope": "network",
                                                                            "consent_date": "2025-11-03"})
    return 400 if response.status_code == 200 else response.status_code


INTAKE_WITHOUT_CONSENT: dict[str, Callable[[World, Any], int]] = {
    "api_create": lambda w, p: client_for(w.coordinator).post("/api/v1/participants/", {
        "project": w.project.pk, "first_name": "Ann", "last_name": "Peeters", "postcode": "9000",
        "status": "waiting"}, format="json").status_code,
    "api_patch": lambda w, p: client_for(w.coordinator).patch(
        f"/api/v1/participants/{p.pk}/", {"status": "waiting"}, format="json").status_code,
    "admin": lambda w, p: _admin_change(w, p, status="waiting"),
    "page": _wizard_without_consent,
    "service": lambda w, p: _service(lambda: people_services.participant_intake_complete(
        participant=p, data={}, by=w.coordinator)),
}


@pytest.mark.parametrize("channel", INTAKE_WITHOUT_CONSENT)
def test_no_channel_completes_an_intake_without_consent(world: World, channel: str) -> None:
    participant = _in_intake(world)
    waiting_before = set(Participant.objects.filter(status="waiting").values_list("pk", flat=True))

    assert INTAKE_WITHOUT_CONSENT[channel](world, participant) == 400

    assert set(Participant.objects.filter(status="waiting").values_list("pk", flat=True)) == waiting_before
    assert not Participant.objects.filter(first_name__in=["Ann", "Nadia"], status="waiting").exists()
    assert not ConsentEvent.objects.filter(participant__first_name__in=["Ann", "Nadia"]).exists()


def test_with_consent_every_channel_completes_the_intake_through_the_same_service(world: World) -> None:
    by_api = _in_intake(world)
    response = client_for(world.coordinator).patch(f"/api/v1/participants/{by_api.pk}/", {
        "status": "waiting", "consent_date": "2025-11-01", "consent_scope": "network"}, format="json")
    assert response.status_code == 200, response.json()
    by_service = people_services.participant_intake_complete(
        participant=_in_intake(world), data={"consent_date": dt.date(2025, 11, 1), "consent_scope": "basic"},
        by=world.coordinator)
    by_admin = _in_intake(world)
    assert _admin_change(world, by_admin, status="waiting", consent_date="2025-11-01",
                         consent_scope="network") == 302
    for participant in (by_api, by_service, by_admin):
        participant.refresh_from_db()
        assert (participant.status, participant.waiting_since) == ("waiting", TODAY)
        assert participant.consent_date == dt.date(2025, 11, 1)
        assert ConsentEvent.objects.filter(participant=participant).count() == 1


# --- who changes a project's follow-up settings: one rule (accounts.selectors) -----------------
def _aftercare_through(channel: str, user: Any, world: World) -> int:
    """Set the project's aftercare contacts to 2 months through one channel; its status."""
    project = world.project
    if channel == "api":
        return client_for(user).patch(f"/api/v1/aftercare/projects/{project.pk}/settings/",
                                      {"contact_months": [2]}, format="json").status_code
    if channel == "page":
        return _page_client(user).post(reverse("aftercare:settings", args=[project.pk]),
                                       {"contact_months": "2", "interim_map_months": "6"}).status_code
    if channel == "rules page":  # the organisation administrator's follow-up settings of the project
        return _page_client(user).post(
            reverse("notification-rules:project", args=[project.organisation_id, project.pk]),
            {"enabled_kinds": [], "first_month_days": 30, "first_month_min_check_ins": 2, "new_duo_days": 14,
             "screening_warn_days": 30, "planned_end_warn_days": 14, "obligation_warn_days": 14,
             "contact_cadence_days": project.contact_cadence_days, "quiet_alert_days": project.quiet_alert_days,
             "contact_months": "2", "interim_map_months": "6"}).status_code
    from notifications import services as notification_services

    return _service(lambda: notification_services.project_rules_save(
        project=project, by=user, data={"contact_months": [2]}))


@pytest.mark.parametrize("channel", ["api", "page", "service"])
@pytest.mark.parametrize("who", ["coordinator", "admin without support access", "other_coordinator",
                                 "volunteer_user"])
def test_who_changes_the_aftercare_rules_is_one_rule_in_every_channel(world: World, channel: str, who: str) -> None:
    """The aftercare rules are part of the project's follow-up settings: whoever may change those
    (accounts.selectors.may_change_project_settings) changes them in every channel, and nobody
    else in any. The platform administrator needs no support access for settings (they name no
    participant): the aftercare service used to ask for one, the notification rules did not."""
    from buddynet.features.aftercare.models import AftercareSettings
    from buddynet.records.accounts.models import SupportAccess
    from buddynet.records.accounts.selectors import may_change_project_settings

    if who == "admin without support access":
        SupportAccess.objects.all().delete()
        user = world.admin
    else:
        user = getattr(world, who)
    allowed = may_change_project_settings(user=user, project=world.project)
    assert allowed is (who in ("coordinator", "admin without support access"))

    status = _aftercare_through(channel, user, world)

    saved = AftercareSettings.objects.filter(project=world.project, contact_months=[2]).exists()
    assert saved is allowed, status
    assert status < 400 if allowed else status in (403, 404)


@pytest.mark.parametrize("who, allowed", [("org_admin", True), ("other_org_admin", False)])
@pytest.mark.parametrize("channel", ["rules page", "service"])
def test_the_organisation_administrator_changes_the_follow_up_settings_by_the_same_rule(
        world: World, channel: str, who: str, allowed: bool) -> None:
    from buddynet.features.aftercare.models import AftercareSettings
    from buddynet.records.accounts.models import Role
    from buddynet.records.accounts.selectors import may_change_project_settings
    from buddynet.records.accounts.services import membership_grant

    user = f.UserFactory()
    organisation = world.project.organisation if who == "org_admin" else world.other_project.organisation
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=organisation)
    assert may_change_project_settings(user=user, project=world.project) is allowed

    status = _aftercare_through(channel, user, world)

    assert AftercareSettings.objects.filter(project=world.project, contact_months=[2]).exists() is allowed, status
    assert status < 400 if allowed else status in (403, 404)


# --- correcting a check-in: its author for 48 hours, a coordinator of the project always -----
# check_in_update holds the rule; the world's check-in was recorded on 3 November at 10:00.
LATER = dt.datetime(2025, 11, 10, 10, 0)  # a week on: past the author's 48 hours


def _check_in_admin_body(check_in: Any, duration: int) -> dict[str, Any]:
    """The check-in's change form in the back office, as shown, with another duration."""
    return {
        "date": check_in.date.isoformat(), "duration_minutes": str(duration), "mode": check_in.mode,
        "activities": "[]", "life_domains": "[]", "mood": str(check_in.mood or ""), "note": check_in.note,
        "concern_note": "", "concern_handled_note": "", "new_contacts": "[]",
    }


def _correct_api(user: Any, check_in: Any, duration: int) -> int:
    return client_for(user).patch(f"/api/v1/check-ins/{check_in.pk}/", {"duration_minutes": duration},
                                  format="json").status_code


def _correct_coordinator_page(user: Any, check_in: Any, duration: int) -> int:
    return _page_client(user).post(reverse("web:coordinator-check-in-correct", args=[check_in.pk]), {
        "date": check_in.date.isoformat(), "duration_minutes": str(duration), "mode": check_in.mode,
        "mood": str(check_in.mood or ""), "note": check_in.note}).status_code


def _correct_phone(user: Any, check_in: Any, duration: int) -> int:
    return _page_client(user).post(reverse("web:volunteer-check-in-edit", args=[check_in.pk]), {
        "date": check_in.date.isoformat(), "duration_other": str(duration), "mode": check_in.mode}).status_code


def _correct_admin(user: Any, check_in: Any, duration: int) -> int:
    return _page_client(user).post(f"/admin/duos/checkin/{check_in.pk}/change/",
                                   _check_in_admin_body(check_in, duration)).status_code


def _correct_service(user: Any, check_in: Any, duration: int) -> int:
    return _service(lambda: services.check_in_update(check_in=check_in, by=user,
                                                     data={"duration_minutes": duration}))


CORRECT_AS_COORDINATOR = {"api": _correct_api, "page": _correct_coordinator_page, "admin": _correct_admin,
                          "service": _correct_service}
# The volunteer has no back office and no coordinator pages: their channels are the API and the phone.
CORRECT_AS_AUTHOR = {"api": _correct_api, "phone": _correct_phone, "service": _correct_service}


@pytest.mark.parametrize("channel", CORRECT_AS_COORDINATOR)
def test_a_coordinator_corrects_a_check_in_after_the_authors_48_hours(world: World, channel: str) -> None:
    with time_machine.travel(LATER, tick=False):
        status = CORRECT_AS_COORDINATOR[channel](world.coordinator, world.check_in, 95)

    assert status in (200, 302)
    world.check_in.refresh_from_db()
    assert world.check_in.duration_minutes == 95


@pytest.mark.parametrize("channel", CORRECT_AS_AUTHOR)
def test_the_author_cannot_correct_a_check_in_after_48_hours(world: World, channel: str) -> None:
    with time_machine.travel(LATER, tick=False):
        status = CORRECT_AS_AUTHOR[channel](world.volunteer_user, world.check_in, 95)

    assert status == 403
    world.check_in.refresh_from_db()
    assert world.check_in.duration_minutes == 60


@pytest.mark.parametrize("channel", CORRECT_AS_AUTHOR)
def test_the_author_corrects_a_check_in_within_48_hours(world: World, channel: str) -> None:
    with time_machine.travel(dt.datetime(2025, 11, 4, 10, 0), tick=False):
        status = CORRECT_AS_AUTHOR[channel](world.volunteer_user, world.check_in, 95)

    assert status in (200, 302)
    world.check_in.refresh_from_db()
    assert world.check_in.duration_minutes == 95


# A correction keeps the check-in in its duo's life: not before the duo was proposed (1 July 2025),
# as check_in_record refuses for a new one (check_in_date_check).
BEFORE_THE_DUO = dt.date(2025, 6, 1)
MOVE_AS_COORDINATOR: dict[str, Callable[[Any, Any, dt.date], int]] = {
    "api": lambda user, c, day: client_for(user).patch(f"/api/v1/check-ins/{c.pk}/", {"date": day.isoformat()},
                                                       format="json").status_code,
    "page": lambda user, c, day: _page_client(user).post(
        reverse("web:coordinator-check-in-correct", args=[c.pk]),
        {"date": day.isoformat(), "duration_minutes": str(c.duration_minutes), "mode": c.mode,
         "mood": str(c.mood or ""), "note": c.note}).status_code,
    "admin": lambda user, c, day: _admin_status(_page_client(user).post(
        f"/admin/duos/checkin/{c.pk}/change/", {**_check_in_admin_body(c, c.duration_minutes),
                                                "date": day.isoformat()})),
    "service": lambda user, c, day: _service(lambda: services.check_in_update(check_in=c, by=user,
                                                                              data={"date": day})),
}
MOVE_AS_AUTHOR: dict[str, Callable[[Any, Any, dt.date], int]] = {
    "api": MOVE_AS_COORDINATOR["api"],
    "phone": lambda user, c, day: _page_client(user).post(reverse("web:volunteer-check-in-edit", args=[c.pk]), {
        "date": day.isoformat(), "duration_other": str(c.duration_minutes), "mode": c.mode}).status_code,
    "service": MOVE_AS_COORDINATOR["service"],
}


def _admin_status(response: Any) -> int:
    return 400 if response.status_code == 200 and b"errornote" in response.content else response.status_code


@pytest.mark.parametrize("channel", MOVE_AS_COORDINATOR)
def test_no_channel_moves_a_check_in_to_before_its_duo_as_coordinator(world: World, channel: str) -> None:
    with time_machine.travel(LATER, tick=False):
        status = MOVE_AS_COORDINATOR[channel](world.coordinator, world.check_in, BEFORE_THE_DUO)

    assert status == 400
    world.check_in.refresh_from_db()
    assert world.check_in.date == dt.date(2025, 8, 1)


@pytest.mark.parametrize("channel", MOVE_AS_AUTHOR)
def test_no_channel_moves_a_check_in_to_before_its_duo_as_author(world: World, channel: str) -> None:
    with time_machine.travel(dt.datetime(2025, 11, 4, 10, 0), tick=False):
        status = MOVE_AS_AUTHOR[channel](world.volunteer_user, world.check_in, BEFORE_THE_DUO)
        moved = MOVE_AS_AUTHOR[channel](world.volunteer_user, world.check_in, dt.date(2025, 7, 20))

    assert status == 400
    assert moved in (200, 302)  # a date in the duo's life is accepted
    world.check_in.refresh_from_db()
    assert world.check_in.date == dt.date(2025, 7, 20)


@pytest.mark.parametrize("channel", MOVE_AS_COORDINATOR)
def test_no_channel_moves_a_check_in_past_its_duos_closure(world: World, channel: str) -> None:
    services.duo_close(duo=world.duo, by=world.coordinator, reason="volunteer_stopped", next_step="rematch",
                       closed_on=dt.date(2025, 9, 1))
    with time_machine.travel(LATER, tick=False):
        status = MOVE_AS_COORDINATOR[channel](world.coordinator, world.check_in, dt.date(2025, 10, 1))

    assert status == 400
    world.check_in.refresh_from_db()
    assert world.check_in.date == dt.date(2025, 8, 1)


def test_correcting_an_old_check_in_leaves_its_date_alone(world: World) -> None:
    """A row from before the date rule (dated before its duo) can still get its note corrected."""
    CheckIn.objects.filter(pk=world.check_in.pk).update(date=BEFORE_THE_DUO)
    world.check_in.refresh_from_db()
    with time_machine.travel(LATER, tick=False):
        services.check_in_update(check_in=world.check_in, by=world.coordinator, data={"note": "Gecorrigeerd"})

    world.check_in.refresh_from_db()
    assert (world.check_in.note, world.check_in.date) == ("Gecorrigeerd", BEFORE_THE_DUO)


# --- a volunteer with an open duo does not stop ------------------------------------------------
def _admin_volunteer_change(world: World, volunteer: Any, **changes: Any) -> int:
    from tests.test_admin import _change_form_data

    client = _page_client(world.coordinator)
    url = f"/admin/people/volunteer/{volunteer.pk}/change/"
    response = client.post(url, {**_change_form_data(client.get(url)), **changes})
    return 400 if response.status_code == 200 and b"errornote" in response.content else response.status_code


def _page_volunteer_edit(world: World, volunteer: Any, **changes: Any) -> Any:
    from tests.web.test_coordinator_edit import shown_form

    client = _page_client(world.coordinator)
    url = reverse("web:coordinator-volunteer-edit", args=[volunteer.pk])
    return client.post(url, {**shown_form(client, url), **{f"status-{k}": v for k, v in changes.items()}})


STOP_WITH_OPEN_DUO: dict[str, Callable[[World, Any], int]] = {
    "api": lambda w, v: client_for(w.coordinator).patch(
        f"/api/v1/volunteers/{v.pk}/", {"status": "stopped"}, format="json").status_code,
    "page": lambda w, v: _page_volunteer_edit(w, v, status="stopped").status_code,
    "admin": lambda w, v: _admin_volunteer_change(w, v, status="stopped"),
    "service": lambda w, v: _service(lambda: people_services.volunteer_save(
        volunteer=v, data={"status": "stopped"})),
}


@pytest.mark.parametrize("duo_status", [DuoStatus.PROPOSED, DuoStatus.ACTIVE, DuoStatus.PAUSED])
@pytest.mark.parametrize("channel", STOP_WITH_OPEN_DUO)
def test_a_volunteer_with_an_open_duo_does_not_stop_and_keeps_their_account(
        world: World, channel: str, duo_status: str) -> None:
    Duo.objects.filter(pk=world.duo.pk).update(status=duo_status)
    volunteer = world.volunteer

    assert STOP_WITH_OPEN_DUO[channel](world, volunteer) == 400

    volunteer.refresh_from_db()
    world.volunteer_user.refresh_from_db()
    assert volunteer.status == "active"
    assert world.volunteer_user.is_active
    assert Duo.objects.get(pk=world.duo.pk).status == duo_status


def test_the_refusal_names_the_buddy_and_what_to_do_in_dutch_and_english(world: World) -> None:
    from django.utils import translation

    from buddynet.errors import InvalidInput

    with translation.override("nl-be"), pytest.raises(InvalidInput) as dutch:
        people_services.volunteer_save(volunteer=world.volunteer, data={"status": "stopped"})
    assert dutch.value.message == {"status": (
        "Bert heeft nog een lopend duo met Marieke Peeters: sluit eerst dat duo af (reden "
        "“Vrijwilliger stopt”) en zet de vrijwilliger daarna op gestopt.")}
    with translation.override("en"), pytest.raises(InvalidInput) as english:
        people_services.volunteer_save(volunteer=world.volunteer, data={"status": "stopped"})
    assert english.value.message == {"status": (
        "Bert still has an open duo with Marieke Peeters: close that duo first (reason “Volunteer stops”), "
        "then stop the volunteer.")}
    # The page shows it next to the status.
    response = _page_volunteer_edit(world, world.volunteer, status="stopped")
    assert "Marieke Peeters: sluit eerst dat duo af" in response.content.decode()


def test_a_pooled_duo_in_another_project_is_named_by_its_project_not_its_participant(world: World) -> None:
    """A pooled match gave Bert a duo in another project: its participant is outside his
    coordinator's data, and only that project's coordinators close it."""
    from django.utils import translation

    from buddynet.errors import InvalidInput

    services.duo_close(duo=world.duo, by=world.coordinator, reason="volunteer_stopped", next_step="rematch")
    elsewhere = f.ProjectFactory(organisation=world.project.organisation, name="Buurtbuddies Ledeberg")
    f.DuoFactory(project=elsewhere, volunteer=world.volunteer,
                 participant=f.ParticipantFactory(project=elsewhere, first_name="Yara", last_name="Haddad"))

    with translation.override("nl-be"), pytest.raises(InvalidInput) as refused:
        people_services.volunteer_save(volunteer=world.volunteer, data={"status": "stopped"})

    message = refused.value.message["status"]  # type: ignore[index]
    assert "een deelnemer van project Buurtbuddies Ledeberg (de coördinatoren daarvan sluiten dat duo af)" in message
    assert "Yara" not in message and "Haddad" not in message


def test_once_the_duo_closes_with_the_volunteers_stop_every_channel_stops_them(world: World) -> None:
    """The coordinator's way out of the refusal: close the duo ("volunteer stops"), then stop."""
    others = {}
    for channel in STOP_WITH_OPEN_DUO:
        volunteer = f.VolunteerFactory(project=world.project)
        duo = f.DuoFactory(participant=f.ParticipantFactory(project=world.project), volunteer=volunteer)
        services.duo_close(duo=duo, by=world.coordinator, reason="volunteer_stopped", next_step="rematch")
        others[channel] = volunteer
        assert STOP_WITH_OPEN_DUO[channel](world, volunteer) in (200, 302), channel
    for channel, volunteer in others.items():
        volunteer.refresh_from_db()
        assert volunteer.status == "stopped", channel


# --- who may be in a duo: a stopped or paused volunteer, a participant who left ---------------
# duos.services.duo_people_available_check, asked by duo_proposal_check for every way a duo is
# made (the API, the admin, a match run's proposal accepted by the API or its page, the service)
# or re-opened (the API, the duo's page, the service). The admin offers no re-open.
def _free_pair(world: World) -> tuple[Any, Any]:
    """A volunteer with room and a waiting participant who fit each other: the only pair a match
    run of the project proposes (the world's own pair is taken)."""
    volunteer = f.VolunteerFactory(project=world.project, first_name="Wout", last_name="Maes")
    participant = f.ParticipantFactory(project=world.project, first_name="Nadia", last_name="Amrani")
    return volunteer, participant


def _make_unavailable(world: World, who: str, volunteer: Any, participant: Any) -> None:
    """Through the services, as a coordinator does it: the volunteer stops or takes a break, the
    participant drops out or their support ends."""
    if who in ("stopped", "paused"):
        people_services.volunteer_save(volunteer=volunteer, data={"status": who})
    else:
        people_services.participant_save(participant=participant, data={"status": who}, by=world.coordinator)
    volunteer.refresh_from_db()
    participant.refresh_from_db()


def _proposal_of(world: World) -> Any:
    from matching import services as matching_services

    return matching_services.match_run_start(project=world.project, by=world.coordinator).proposals.get()


def _admin_add_form(volunteer: Any, participant: Any) -> dict[str, Any]:
    return {"volunteer": volunteer.pk, "participant": participant.pk, "proposed_on": "2025-11-03",
            "goals-TOTAL_FORMS": "0", "goals-INITIAL_FORMS": "0", "goals-MIN_NUM_FORMS": "0",
            "goals-MAX_NUM_FORMS": "1000"}


def _admin_add_duo(world: World, volunteer: Any, participant: Any) -> int:
    response = _page_client(world.coordinator).post("/admin/duos/duo/add/", _admin_add_form(volunteer, participant))
    return 400 if response.status_code == 200 and b"errornote" in response.content else response.status_code


def _accept_api(world: World, proposal: Any) -> int:
    return client_for(world.coordinator).post(f"/api/v1/match-proposals/{proposal.pk}/accept/").status_code


def _accept_page(world: World, proposal: Any) -> int:
    return _page_client(world.coordinator).post(reverse("matching:accept", args=[proposal.pk])).status_code


def _accept_service(world: World, proposal: Any) -> int:
    from matching import services as matching_services

    return _service(lambda: matching_services.proposal_accept(proposal=proposal, by=world.coordinator))


NEW_DUO: dict[str, Callable[[World, Any, Any], int]] = {
    "api": lambda w, v, p: client_for(w.coordinator).post(
        "/api/v1/duos/", {"volunteer": v.pk, "participant": p.pk}, format="json").status_code,
    "admin": _admin_add_duo,
    "service": lambda w, v, p: _service(lambda: services.duo_propose(volunteer=v, participant=p, by=w.coordinator)),
}
# A proposal the matcher made while both were available, accepted after one of them left.
ACCEPT_STALE: dict[str, Callable[[World, Any], int]] = {
    "run api": _accept_api, "run page": _accept_page, "run service": _accept_service,
}
UNAVAILABLE = ["stopped", "paused", "withdrawn", "closed"]


@pytest.mark.parametrize("who", UNAVAILABLE)
@pytest.mark.parametrize("channel", NEW_DUO)
def test_no_channel_makes_a_duo_with_someone_who_stopped_paused_or_left(world: World, channel: str, who: str) -> None:
    volunteer, participant = _free_pair(world)
    _make_unavailable(world, who, volunteer, participant)
    duos = Duo.objects.count()

    assert NEW_DUO[channel](world, volunteer, participant) == 400

    assert Duo.objects.count() == duos
    participant.refresh_from_db()
    assert participant.status == who if who in ("withdrawn", "closed") else participant.status == "waiting"


@pytest.mark.parametrize("who", UNAVAILABLE)
@pytest.mark.parametrize("channel", ACCEPT_STALE)
def test_a_proposal_made_before_someone_stopped_or_left_is_not_accepted(world: World, channel: str, who: str) -> None:
    from matching.models import Proposal

    volunteer, participant = _free_pair(world)
    proposal = _proposal_of(world)
    assert (proposal.volunteer_id, proposal.participant_id) == (volunteer.pk, participant.pk)
    _make_unavailable(world, who, volunteer, participant)
    duos = Duo.objects.count()

    assert ACCEPT_STALE[channel](world, proposal) == 400

    assert Duo.objects.count() == duos
    proposal.refresh_from_db()
    assert (proposal.decision, proposal.duo_id) == (Proposal.Decision.PENDING, None)


@pytest.mark.parametrize("channel", [*NEW_DUO, *ACCEPT_STALE])
def test_with_both_available_every_channel_makes_the_duo(world: World, channel: str) -> None:
    """The other side of the rule: the same calls succeed for an active volunteer and a waiting
    participant (so the refusals above are the rule's, not a broken request's)."""
    volunteer, participant = _free_pair(world)
    if channel in ACCEPT_STALE:
        assert ACCEPT_STALE[channel](world, _proposal_of(world)) in (200, 302)
    else:
        assert NEW_DUO[channel](world, volunteer, participant) in (201, 302, 200)

    duo = Duo.objects.get(volunteer=volunteer, participant=participant)
    assert duo.status == DuoStatus.PROPOSED


@pytest.mark.parametrize("who", UNAVAILABLE)
def test_the_matcher_and_the_suggestion_leave_out_who_stopped_paused_or_left(world: World, who: str) -> None:
    """The pool (matching.selectors) already holds only active volunteers and waiting
    participants: the rule above is for proposals made before, and for the other channels."""
    from matching import services as matching_services

    volunteer, participant = _free_pair(world)
    _make_unavailable(world, who, volunteer, participant)

    run = matching_services.match_run_start(project=world.project, by=world.coordinator)
    assert not run.proposals.exists()
    if who in ("stopped", "paused"):
        found = matching_services.participant_suggestions(participant=participant, by=world.coordinator)
        assert volunteer.pk not in [s.volunteer.pk for s in found.volunteers]


def test_the_refusal_names_the_person_and_their_status_in_dutch_and_english(world: World) -> None:
    volunteer, participant = _free_pair(world)
    people_services.volunteer_save(volunteer=volunteer, data={"status": "stopped"})
    body = {"volunteer": volunteer.pk, "participant": participant.pk}

    dutch = client_for(world.coordinator).post("/api/v1/duos/", body, format="json", HTTP_ACCEPT_LANGUAGE="nl")
    english = client_for(world.coordinator).post("/api/v1/duos/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert dutch.json() == {"volunteer": [
        "Wout Maes kan geen nieuw duo krijgen: de status is “Gestopt”. Alleen een actieve vrijwilliger kan dat."]}
    assert english.json() == {"volunteer": [
        "Wout Maes cannot get a new duo: their status is “Stopped”. Only an active volunteer can."]}
    people_services.volunteer_save(volunteer=volunteer, data={"status": "active"})
    people_services.participant_save(participant=participant, data={"status": "withdrawn"}, by=world.coordinator)
    dutch = client_for(world.coordinator).post("/api/v1/duos/", body, format="json", HTTP_ACCEPT_LANGUAGE="nl")
    assert dutch.json() == {"participant": [
        "Nadia Amrani kan geen duo krijgen: de status is “Haakte af”. Zet de deelnemer eerst terug op de wachtlijst."]}


def test_the_admin_shows_the_refusal_next_to_the_volunteer(world: World) -> None:
    volunteer, participant = _free_pair(world)
    people_services.volunteer_save(volunteer=volunteer, data={"status": "paused"})

    response = _page_client(world.coordinator).post("/admin/duos/duo/add/", _admin_add_form(volunteer, participant))

    html = response.content.decode()
    assert "Wout Maes kan geen nieuw duo krijgen" in html and "Neemt pauze" in html
    assert not Duo.objects.filter(volunteer=volunteer).exists()


def test_the_run_page_says_why_a_stale_proposal_is_refused(world: World) -> None:
    volunteer, _participant = _free_pair(world)
    proposal = _proposal_of(world)
    people_services.volunteer_save(volunteer=volunteer, data={"status": "stopped"})

    response = _page_client(world.coordinator).post(reverse("matching:accept", args=[proposal.pk]))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Dit voorstel kan niet meer aanvaard worden" in html and "Wout Maes kan geen nieuw duo krijgen" in html


# Re-opening a closed duo: the world's duo closed with a re-match (the participant waits again).
REOPEN: dict[str, Callable[[World, Duo], int]] = {
    "api": lambda w, duo: client_for(w.coordinator).post(f"/api/v1/duos/{duo.pk}/reopen/", {},
                                                         format="json").status_code,
    "page": lambda w, duo: _page_client(w.coordinator).post(
        reverse("web:coordinator-duo-reopen", args=[duo.pk]), {}).status_code,
    "service": lambda w, duo: _service(lambda: services.duo_reopen(duo=duo, by=w.coordinator)),
}


def _closed_through_the_service(world: World, next_step: str = "rematch") -> Duo:
    return services.duo_close(duo=world.duo, by=world.coordinator, reason="other", next_step=next_step)


@pytest.mark.parametrize("who", ["stopped", "withdrawn", "closed"])
@pytest.mark.parametrize("channel", REOPEN)
def test_no_channel_reopens_a_duo_of_a_stopped_volunteer_or_a_participant_who_left(
        world: World, channel: str, who: str) -> None:
    duo = _closed_through_the_service(world)
    _make_unavailable(world, who, world.volunteer, world.participant)

    assert REOPEN[channel](world, duo) == 400

    duo.refresh_from_db()
    assert duo.status == DuoStatus.CLOSED and duo.closed_on == TODAY
    world.participant.refresh_from_db()
    assert world.participant.status == ("waiting" if who == "stopped" else who)


def test_a_duo_of_a_volunteer_taking_a_break_may_be_reopened(world: World) -> None:
    """A pause keeps a volunteer's open duos (volunteer_save lets them pause with one): undoing a
    closure gives back what a pause would have kept."""
    duo = _closed_through_the_service(world)
    people_services.volunteer_save(volunteer=world.volunteer, data={"status": "paused"})

    assert REOPEN["api"](world, duo) == 200

    duo.refresh_from_db()
    assert duo.status == DuoStatus.ACTIVE


@pytest.mark.parametrize("channel", REOPEN)
def test_a_closure_that_ended_the_support_may_be_undone(world: World, channel: str) -> None:
    """duo_close without a re-match closes the participant: re-opening that duo undoes both."""
    duo = _closed_through_the_service(world, next_step="end")
    world.participant.refresh_from_db()
    assert world.participant.status == "closed"

    assert REOPEN[channel](world, duo) in (200, 302)

    duo.refresh_from_db()
    world.participant.refresh_from_db()
    assert (duo.status, world.participant.status) == (DuoStatus.ACTIVE, "matched")


def test_an_older_duo_does_not_undo_a_later_duos_closure(world: World) -> None:
    """Duo A ended the support, the participant came back on the waiting list, and duo B (another
    volunteer) ended it again: re-opening A would undo B's closure with A's volunteer, so it is
    refused; B itself may be re-opened."""
    first = _closed_through_the_service(world, next_step="end")
    people_services.participant_save(participant=world.participant, data={"status": "waiting"}, by=world.coordinator)
    other = f.VolunteerFactory(project=world.project, first_name="Wim")
    second = services.duo_propose(volunteer=other, participant=world.participant, by=world.coordinator)
    services.duo_close(duo=second, by=world.coordinator, reason="other", next_step="end")
    world.participant.refresh_from_db()
    assert world.participant.status == "closed"

    assert REOPEN["service"](world, first) == 400
    assert REOPEN["service"](world, second) == 200
