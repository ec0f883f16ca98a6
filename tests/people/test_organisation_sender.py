"""The sender name and reply-to address of an organisation's notification e-mail (issue 14,
item 6): set by an administrator through the API or the admin, validated the same way in both,
and resolved for each recipient (tests/notifications/test_smtp.py sends them over SMTP)."""

from __future__ import annotations

import pytest
from django.test import Client

from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.records.people.selectors import organisation_of_user
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

GOOD = {"email_sender_name": "OCMW Gent", "email_reply_to": "buddy@ocmw.gent"}
BAD = {"email_sender_name": "Gent\nBcc: x@evil.example", "email_reply_to": "not an address"}


def _admin_form(organisation, **changes: str) -> dict[str, str]:
    data = {"name": organisation.name, "kind": organisation.kind, "enterprise_number": "",
            "email_sender_name": "", "email_reply_to": ""}
    return {**data, **changes}


def test_an_administrator_sets_them_through_the_api_and_bad_values_are_refused_with_field_messages(
    world: World,
) -> None:
    organisation = world.project.organisation
    url = f"/api/v1/organisations/{organisation.pk}/"
    refused = client_for(world.admin).patch(url, BAD, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) >= {"email_sender_name", "email_reply_to"}
    organisation.refresh_from_db()
    assert (organisation.email_sender_name, organisation.email_reply_to) == ("", "")
    saved = client_for(world.admin).patch(url, GOOD, format="json")
    assert saved.status_code == 200 and saved.json()["email_sender_name"] == "OCMW Gent"
    organisation.refresh_from_db()
    assert (organisation.email_sender_name, organisation.email_reply_to) == ("OCMW Gent", "buddy@ocmw.gent")
    # A coordinator reads their organisation but does not change how it signs its mail.
    assert client_for(world.coordinator).patch(url, {"email_sender_name": "X"}, format="json").status_code == 403


def test_an_administrator_sets_them_in_the_admin_and_bad_values_are_refused(world: World) -> None:
    organisation = world.project.organisation
    client = Client()
    client.force_login(world.admin)
    url = f"/admin/people/organisation/{organisation.pk}/change/"
    refused = client.post(url, _admin_form(organisation, **BAD))
    assert refused.status_code == 200 and b"errornote" in refused.content
    organisation.refresh_from_db()
    assert organisation.email_sender_name == ""
    saved = client.post(url, _admin_form(organisation, **GOOD))
    assert saved.status_code == 302, saved.content[:2000]
    organisation.refresh_from_db()
    assert (organisation.email_sender_name, organisation.email_reply_to) == ("OCMW Gent", "buddy@ocmw.gent")


def test_the_organisation_of_a_recipient_is_the_one_they_work_or_volunteer_for(world: World) -> None:
    organisation = world.project.organisation
    assert organisation_of_user(user=world.coordinator) == organisation
    assert organisation_of_user(user=world.volunteer_user) == world.volunteer.project.organisation
    assert organisation_of_user(user=world.admin) is None  # all organisations: buddynet's own name
    assert organisation_of_user(user=world.funder_user) is None
    # A coordinator of projects of two organisations: neither name would be honest.
    membership_grant(user=world.coordinator, role=Role.COORDINATOR, project=f.ProjectFactory(name="Elders"))
    assert organisation_of_user(user=world.coordinator) is None
