"""A volunteer's account state (none / waiting / active / closed) is defined once, as filters
(accounts.selectors.ACCOUNT_STATE_FILTERS): the organisation administrator's list labels each row
with the filter it falls under, its state filter keeps exactly those rows, and the coordinator's
invitation API says the same of each volunteer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buddynet.records.accounts.invitations import invitation_send
from buddynet.records.accounts.models import Role, User
from buddynet.records.accounts.selectors import ACCOUNT_STATES, volunteer_accounts_of_organisation
from buddynet.records.accounts.services import account_deactivate, membership_grant
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

BASE = "http://testserver/"
# What the invitation API answers for each state: (has_account, active, signed_in).
API_SAYS = {"none": (False, False, False), "waiting": (True, True, False), "active": (True, True, True),
            "closed": (True, False, False)}
LABEL = {"none": "Not invited", "waiting": "Expected first sign-in", "active": "active", "closed": "Account closed"}


def _one_of_each(world: World) -> dict[str, Any]:
    project = world.project
    people = {state: f.VolunteerFactory(project=project, first_name=f"Staat{state.title()}", last_name="Toets",
                                        email=f"{state}@example.be") for state in ACCOUNT_STATES}
    for state in ("waiting", "active", "closed"):
        invitation_send(volunteer=people[state], by=world.coordinator, login_url=BASE)
    User.objects.filter(email="active@example.be").update(last_login=timezone.now())
    account_deactivate(user=User.objects.get(email="closed@example.be"), reason="test")
    return people


def test_the_list_labels_filters_and_the_api_agree_on_every_state(world: World) -> None:
    people = _one_of_each(world)
    organisation_id = world.project.organisation_id
    olga = f.UserFactory(email="olga.states@example.be")
    membership_grant(user=olga, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(olga)
    url = reverse("web:orgadmin-volunteer-accounts", args=[organisation_id])

    for state, volunteer in people.items():
        rows = list(volunteer_accounts_of_organisation(organisation_id=organisation_id, q="Toets", state=state))
        assert [(v.pk, v.account_state) for v in rows] == [(volunteer.pk, state)]  # the filter and the label

        page.post(url, {"q": "Toets", "state": state})
        html = page.get(url).content.decode().split('id="volunteer-accounts"')[1].split("</ul>")[0]
        items = html.split("<li>")[1:]
        assert len(items) == 1 and items[0].startswith(volunteer.first_name) and LABEL[state] in items[0]

        answer = client_for(world.coordinator).get(f"/api/v1/volunteers/{volunteer.pk}/invitation/").json()
        assert (answer["has_account"], answer["active"], answer["signed_in"]) == API_SAYS[state]


def test_every_volunteer_is_in_exactly_one_state(world: World) -> None:
    _one_of_each(world)
    organisation_id = world.project.organisation_id
    everyone = volunteer_accounts_of_organisation(organisation_id=organisation_id)
    by_state = [pk for state in ACCOUNT_STATES
                for pk in volunteer_accounts_of_organisation(organisation_id=organisation_id, state=state)
                .values_list("pk", flat=True)]
    assert sorted(by_state) == sorted(everyone.values_list("pk", flat=True))
    assert {v.pk: v.account_state for v in everyone} == {
        pk: state for state in ACCOUNT_STATES
        for pk in volunteer_accounts_of_organisation(organisation_id=organisation_id, state=state)
        .values_list("pk", flat=True)}
