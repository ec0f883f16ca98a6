"""A project's follow-up settings on the organisation administrator's pages (issue 16): the rules
switched off (checkboxes with each kind's Dutch label and what it does), their day thresholds,
the project's contact cadence and days of silence, and its aftercare rules — one service
(notifications.services.project_rules_save), all or nothing, audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from buddynet.errors import InvalidInput, NotAllowed
from buddynet.features.aftercare.models import AftercareSettings
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos.models import Duo, DuoStatus
from buddynet.records.people.models import Project
from notifications import rules, services
from notifications.models import RULE_KINDS, Kind, ProjectRules
from tests import factories as f
from tests.conftest import World
from tests.notifications.test_rules import fire

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def org_admin(world: World) -> Any:
    user = f.UserFactory(email="olga@example.be")
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    return user


@pytest.fixture
def other_org_admin(world: World) -> Any:
    user = f.UserFactory(email="boris@example.be")
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.other_project.organisation)
    return user


def state(project: Project) -> tuple[Any, ...]:
    project.refresh_from_db()
    found = ProjectRules.objects.filter(project=project).values_list("disabled_kinds", "new_duo_days").first()
    aftercare = AftercareSettings.objects.filter(project=project).values_list("contact_months").first()
    return project.contact_cadence_days, project.quiet_alert_days, found, aftercare


# --- the service -------------------------------------------------------------------------------
def test_every_time_based_rule_can_be_switched_off_and_nothing_else() -> None:
    assert [rule.__name__ for rule in rules.RULES] == list(RULE_KINDS)
    assert Kind.CONCERN_RAISED not in RULE_KINDS


def test_it_saves_rules_thresholds_cadence_and_aftercare_together(world: World, org_admin: Any) -> None:
    services.project_rules_save(project=world.project, by=org_admin, data={
        "disabled_kinds": [Kind.MEETING_TOMORROW, Kind.CHECK_IN_REMINDER, Kind.MEETING_TOMORROW],
        "new_duo_days": 10, "contact_cadence_days": 7, "quiet_alert_days": 21, "contact_months": [3, 1]})

    assert state(world.project) == (7, 21, ([Kind.CHECK_IN_REMINDER, Kind.MEETING_TOMORROW], 10), ([1, 3],))


@pytest.mark.parametrize(("data", "field"), [
    ({"disabled_kinds": ["concern_raised"]}, "disabled_kinds"),  # an event's kind: not a rule
    ({"disabled_kinds": ["meeting_tmorrow"]}, "disabled_kinds"),
    ({"disabled_kinds": "meeting_tomorrow"}, "disabled_kinds"),
    ({"new_duo_days": 0}, "new_duo_days"),
    ({"screening_warn_days": 366}, "screening_warn_days"),
    ({"first_month_min_check_ins": 31}, "first_month_min_check_ins"),
    ({"first_month_days": 5, "first_month_min_check_ins": 6}, "first_month_min_check_ins"),
    ({"contact_cadence_days": 0}, "contact_cadence_days"),
    ({"contact_cadence_days": 30, "quiet_alert_days": 20}, "quiet_alert_days"),
    ({"interim_map_months": 37}, "interim_map_months"),
    ({"contact_months": [1, 1]}, "contact_months"),
])
def test_it_refuses_bad_thresholds_and_kinds_and_saves_nothing(world: World, org_admin: Any, data: dict[str, Any],
                                                              field: str) -> None:
    before = state(world.project)
    # A valid change beside the bad one: all or nothing.
    with pytest.raises(InvalidInput) as excinfo:
        services.project_rules_save(project=world.project, by=org_admin,
                                    data={"obligation_warn_days": 20, "closure_map": False, **data})
    assert isinstance(excinfo.value.message, dict) and field in excinfo.value.message
    assert state(world.project) == before


def test_every_wrong_field_is_answered_at_once(world: World, org_admin: Any) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        services.project_rules_save(project=world.project, by=org_admin, data={
            "new_duo_days": 0, "contact_cadence_days": 0, "interim_map_months": 0})
    assert isinstance(excinfo.value.message, dict)
    assert {"new_duo_days", "contact_cadence_days", "interim_map_months"} <= set(excinfo.value.message)


@pytest.mark.parametrize("who", ["other_org_admin", "volunteer_user", "funder_user", "other_coordinator"])
def test_only_the_organisation_or_the_projects_coordinators_change_them(world: World, other_org_admin: Any,
                                                                        who: str) -> None:
    user = other_org_admin if who == "other_org_admin" else getattr(world, who)
    before = state(world.project)
    with pytest.raises(NotAllowed):
        services.project_rules_save(project=world.project, by=user, data={"new_duo_days": 3})
    assert state(world.project) == before


def test_a_rule_switched_off_on_the_page_sends_nothing(world: World, org_admin: Any) -> None:
    Duo.objects.filter(pk=world.other_duo.pk).update(status=DuoStatus.CLOSED, closed_on=D(2025, 7, 20),
                                                     closure_reason="other")
    Duo.objects.filter(pk=world.duo.pk).update(next_meeting_on=D(2025, 9, 10))
    page = client(org_admin).post(url(world), form_data(world, enabled=[k for k in RULE_KINDS
                                                                        if k != Kind.MEETING_TOMORROW]))
    assert page.status_code == 302, page.content[:2000]

    assert fire(D(2025, 9, 9), Kind.MEETING_TOMORROW) == []


# --- the page ------------------------------------------------------------------------------------
def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def url(world: World, project: Project | None = None) -> str:
    project = project or world.project
    return reverse("notification-rules:project", args=[project.organisation_id, project.pk])


def form_data(world: World, *, enabled: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "enabled_kinds": list(RULE_KINDS) if enabled is None else enabled,
        "contact_cadence_days": 14, "quiet_alert_days": 30, "first_month_days": 30, "first_month_min_check_ins": 2,
        "new_duo_days": 14, "screening_warn_days": 30, "planned_end_warn_days": 30, "obligation_warn_days": 14,
        "contact_months": "1, 3", "closure_map": "on", "interim_map_months": 6,
    }
    data.update(changes)
    return data


def test_the_page_lists_the_rules_in_dutch_with_what_each_does(world: World, org_admin: Any) -> None:
    ProjectRules.objects.create(project=world.project, disabled_kinds=[Kind.DUO_ENDING])
    page = client(org_admin).get(url(world), HTTP_ACCEPT_LANGUAGE="nl-be")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Opvolging en meldingen" in html
    assert "Duo is stil gevallen" in html and "Morgen een afspraak" in html  # the kinds' Dutch labels
    # One checkbox per rule, ticked unless switched off; no JSON anywhere.
    boxes = dict(re.findall(r'<input type="checkbox" name="enabled_kinds" value="(\w+)"([^>]*)>', html))
    assert list(boxes) == list(RULE_KINDS)
    assert [k for k, rest in boxes.items() if "checked" not in rest] == [Kind.DUO_ENDING]
    assert "Herinnert de vrijwilliger de dag voor een geplande afspraak." in html
    assert "[" not in html.split('id="rules"')[1].split("</section>")[0]


def test_the_page_saves_and_answers_400_with_field_messages(world: World, org_admin: Any) -> None:
    page = client(org_admin).post(url(world), form_data(world, enabled=[], contact_cadence_days=7,
                                                        contact_months="2"))
    assert page.status_code == 302
    assert state(world.project) == (7, 30, (list(RULE_KINDS), 14), ([2],))

    before = state(world.project)
    bad = client(org_admin).post(url(world), form_data(world, contact_cadence_days=40, quiet_alert_days=30),
                                 HTTP_ACCEPT_LANGUAGE="nl-be")
    assert bad.status_code == 400
    assert "errorlist" in bad.content.decode()
    assert state(world.project) == before
    bad = client(org_admin).post(url(world), form_data(world, new_duo_days="veertien"))
    assert bad.status_code == 400 and state(world.project) == before


def test_a_change_is_in_the_audit_log(world: World, org_admin: Any) -> None:
    client(org_admin).post(url(world), form_data(world, enabled=[], contact_cadence_days=9))

    for model in (ProjectRules, Project):
        entry = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model)).latest("timestamp")
        assert entry.actor == org_admin


@pytest.mark.parametrize("who", ["other_org_admin", "coordinator", "admin", "volunteer_user", "funder_user"])
def test_anyone_but_the_organisations_administrator_gets_404(world: World, other_org_admin: Any, who: str) -> None:
    user = other_org_admin if who == "other_org_admin" else getattr(world, who)
    before = state(world.project)
    assert client(user).get(url(world)).status_code == 404
    assert client(user).post(url(world), form_data(world, contact_cadence_days=3)).status_code == 404
    assert state(world.project) == before


def test_a_project_of_another_organisation_is_404_under_ones_own(world: World, org_admin: Any) -> None:
    address = reverse("notification-rules:project", args=[world.project.organisation_id, world.other_project.pk])
    assert client(org_admin).get(address).status_code == 404


def test_the_organisation_page_links_each_projects_settings(world: World, org_admin: Any) -> None:
    html = client(org_admin).get(reverse("web:orgadmin-organisation",
                                         args=[world.project.organisation_id])).content.decode()
    assert url(world) in html
    assert reverse("web:orgadmin-allowance-settings", args=[world.project.organisation_id]) in html


def test_the_back_office_saves_through_the_same_service_and_rules(world: World) -> None:
    """A coordinator sets the rules in the back office too: same service, same rules (400-like
    form errors, nothing saved)."""
    from django.contrib.auth.models import Permission

    world.coordinator.is_staff = True
    world.coordinator.save()
    world.coordinator.user_permissions.add(*Permission.objects.filter(codename__endswith="projectrules"))
    add = reverse("admin:notifications_projectrules_add")
    data = {"project": world.project.pk, "disabled_kinds": '["concern_raised"]', "first_month_days": 30,
            "first_month_min_check_ins": 2, "new_duo_days": 14, "screening_warn_days": 30,
            "planned_end_warn_days": 30, "obligation_warn_days": 14}
    c = client(world.coordinator)
    refused = c.post(add, data)
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    refused = c.post(add, {**data, "disabled_kinds": "[]", "first_month_days": 3, "first_month_min_check_ins": 4})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert not ProjectRules.objects.exists()

    saved = c.post(add, {**data, "disabled_kinds": '["meeting_tomorrow"]'})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert ProjectRules.objects.get().disabled_kinds == ["meeting_tomorrow"]


@pytest.mark.parametrize("channel", ["api", "service"])
def test_the_silence_alert_before_the_reminder_is_refused_in_every_channel(world: World, org_admin: Any,
                                                                           channel: str) -> None:
    """The rule lives on the project (Project.clean): the API's project endpoint refuses it too."""
    from tests.conftest import client_for

    before = state(world.project)
    if channel == "api":
        response = client_for(world.coordinator).patch(f"/api/v1/projects/{world.project.pk}/",
                                                       {"quiet_alert_days": 7}, format="json")
        assert response.status_code == 400 and "quiet_alert_days" in response.json()
    else:
        with pytest.raises(InvalidInput) as excinfo:
            services.project_rules_save(project=world.project, by=org_admin, data={"quiet_alert_days": 7})
        assert isinstance(excinfo.value.message, dict) and "quiet_alert_days" in excinfo.value.message
    assert state(world.project) == before
