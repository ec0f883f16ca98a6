"""Volunteer accounts made from the coordinator's page (issue 16, item 2): invite, resend, the
first sign-in, and the account closing when the volunteer stops — the rules of
buddynet/records/accounts/invitations.py, over the service, the pages and the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from sesame.utils import get_query_string

from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.accounts.invitations import INVITATION_SCOPE, invitation_resend, invitation_send
from buddynet.records.accounts.models import Invitation, Membership, Role, User
from buddynet.records.accounts.services import membership_grant
from buddynet.records.people import services as people_services
from buddynet.records.people.models import Volunteer
from tests import factories as f
from tests.conftest import World

LOGIN_URL = "http://testserver/mijn/uitnodiging/"


def link_in(message: Any) -> str:
    found = re.search(r"http://testserver(/mijn/uitnodiging/\?\S+)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.fixture
def nadia(world: World) -> Volunteer:
    return f.VolunteerFactory(project=world.project, first_name="Nadia", last_name="Amrani",
                              email="Nadia.Amrani@example.be")


def invite(volunteer: Volunteer, by: Any) -> Invitation:
    return invitation_send(volunteer=volunteer, by=by, login_url=LOGIN_URL)


@pytest.mark.django_db
def test_an_invitation_makes_the_account_and_its_link_signs_in_once(world: World, nadia: Volunteer) -> None:
    invite(nadia, world.coordinator)

    user = User.objects.get(email="nadia.amrani@example.be")
    assert Membership.objects.filter(user=user, role=Role.VOLUNTEER, volunteer=nadia).exists()
    assert not user.has_usable_password() and user.last_login is None and not user.is_staff
    assert [m.to for m in mail.outbox] == [["nadia.amrani@example.be"]]
    link = link_in(mail.outbox[0])

    client = Client()
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == reverse("web:volunteer-home")
    assert client.get(reverse("web:volunteer-home")).status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None
    assert Client().get(link).status_code == 403, "the link works once"


@pytest.mark.django_db
def test_the_volunteer_page_shows_expected_first_sign_in_until_it_happens(world: World, nadia: Volunteer) -> None:
    client = Client()
    client.force_login(world.coordinator)
    page = reverse("web:coordinator-volunteer", args=[nadia.pk])
    assert reverse("web:coordinator-volunteer-invite", args=[nadia.pk]) in client.get(page).content.decode()

    response = client.post(reverse("web:coordinator-volunteer-invite", args=[nadia.pk]))
    assert response.status_code == 302
    body = client.get(page).content.decode()
    assert 'id="first-sign-in"' in body
    expected = re.search(r'id="first-sign-in">(.*?)</dd>', body, re.S)
    assert expected and "badge" in expected.group(1)

    Client().get(link_in(mail.outbox[-1]))
    expected = re.search(r'id="first-sign-in">(.*?)</dd>', client.get(page).content.decode(), re.S)
    assert expected and "badge" not in expected.group(1)


@pytest.mark.django_db
def test_resend_sends_a_new_link_until_the_first_sign_in(world: World, nadia: Volunteer) -> None:
    invite(nadia, world.coordinator)
    invitation_resend(volunteer=nadia, by=world.coordinator, login_url=LOGIN_URL)
    assert len(mail.outbox) == 2 and Invitation.objects.filter(user__email="nadia.amrani@example.be").count() == 2

    Client().get(link_in(mail.outbox[-1]))
    with pytest.raises(Conflict):
        invitation_resend(volunteer=nadia, by=world.coordinator, login_url=LOGIN_URL)
    with pytest.raises(Conflict):
        invite(nadia, world.coordinator)
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_it_refuses_without_an_address_and_for_an_outsider(world: World, nadia: Volunteer) -> None:
    no_address = f.VolunteerFactory(project=world.project, email="")
    with pytest.raises(InvalidInput):
        invite(no_address, world.coordinator)
    with pytest.raises(NotAllowed):
        invite(nadia, world.other_coordinator)
    with pytest.raises(NotAllowed):
        invite(nadia, world.volunteer_user)
    assert User.objects.filter(email="nadia.amrani@example.be").count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_address_of_another_account_is_refused_over_the_page_with_409(world: World, nadia: Volunteer) -> None:
    nadia.email = "ALICE@example.be"  # the coordinator's own address
    nadia.save()
    client = Client()
    client.force_login(world.coordinator)
    before = (User.objects.count(), Membership.objects.count(), Invitation.objects.count())
    response = client.post(reverse("web:coordinator-volunteer-invite", args=[nadia.pk]))
    assert response.status_code == 409
    assert (User.objects.count(), Membership.objects.count(), Invitation.objects.count()) == before
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_volunteer_in_two_organisations_needs_two_addresses(world: World, nadia: Volunteer) -> None:
    invite(nadia, world.coordinator)
    # The same person volunteers in another organisation's project, recorded with the same address.
    elsewhere = f.VolunteerFactory(project=world.other_project, first_name="Nadia", email="nadia.amrani@example.be")
    with pytest.raises(Conflict):
        invite(elsewhere, world.other_coordinator)
    assert not Membership.objects.filter(volunteer=elsewhere).exists()
    elsewhere.email = "nadia.brugge@example.be"
    elsewhere.save()
    invite(elsewhere, world.other_coordinator)
    assert Membership.objects.get(volunteer=elsewhere).user.email == "nadia.brugge@example.be"


@pytest.mark.django_db
def test_stopping_a_volunteer_revokes_a_live_session_and_a_token(world: World, nadia: Volunteer) -> None:
    invite(nadia, world.coordinator)
    phone = Client()
    phone.get(link_in(mail.outbox[-1]))
    assert phone.get(reverse("web:volunteer-home")).status_code == 200
    user = User.objects.get(email="nadia.amrani@example.be")
    token = Token.objects.create(user=user)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(reverse("v1:me")).status_code == 200
    never_used = get_query_string(user, scope=INVITATION_SCOPE)

    people_services.volunteer_save(volunteer=nadia, data={"status": Volunteer.Status.STOPPED})

    user.refresh_from_db()
    assert not user.is_active
    response = phone.get(reverse("web:volunteer-home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    assert not Token.objects.filter(user=user).exists()
    assert api.get(reverse("v1:me")).status_code in (401, 403)  # DRF: 403 when session auth comes first
    assert Client().get(reverse("web:volunteer-invitation") + never_used).status_code == 403


@pytest.mark.django_db
def test_stopping_over_the_api_closes_the_account_too(world: World, nadia: Volunteer) -> None:
    invite(nadia, world.coordinator)
    client = APIClient()
    client.force_authenticate(world.coordinator)
    response = client.patch(reverse("v1:volunteer-detail", args=[nadia.pk]), {"status": "stopped"}, format="json")
    assert response.status_code == 200, response.content
    assert not User.objects.get(email="nadia.amrani@example.be").is_active


@pytest.mark.django_db
def test_a_stopped_volunteer_is_invited_again_only_once_taken_back(world: World, nadia: Volunteer) -> None:
    invite(nadia, world.coordinator)
    Client().get(link_in(mail.outbox[-1]))
    people_services.volunteer_save(volunteer=nadia, data={"status": Volunteer.Status.STOPPED})
    user = User.objects.get(email="nadia.amrani@example.be")

    with pytest.raises(Conflict):
        invite(nadia, world.coordinator)

    people_services.volunteer_save(volunteer=nadia, data={"status": Volunteer.Status.SCREENING})
    invite(nadia, world.coordinator)
    user.refresh_from_db()
    assert user.is_active and user.last_login is None, "the same account, waiting for its first sign-in"
    assert Membership.objects.filter(volunteer=nadia).get().user == user
    phone = Client()
    assert phone.get(link_in(mail.outbox[-1])).status_code == 302
    assert phone.get(reverse("web:volunteer-home")).status_code == 200


@pytest.mark.django_db
def test_a_volunteer_who_also_coordinates_keeps_the_office_role_when_stopping(world: World, nadia: Volunteer) -> None:
    invite(nadia, world.coordinator)
    user = User.objects.get(email="nadia.amrani@example.be")
    membership_grant(user=user, role=Role.COORDINATOR, project=world.other_project)
    people_services.volunteer_save(volunteer=nadia, data={"status": Volunteer.Status.STOPPED})
    user.refresh_from_db()
    assert user.is_active
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [Role.COORDINATOR]


@pytest.mark.django_db
def test_a_plain_sign_in_link_does_not_open_the_invitation_page(world: World, nadia: Volunteer) -> None:
    invite(nadia, world.coordinator)
    user = User.objects.get(email="nadia.amrani@example.be")
    assert Client().get(reverse("web:volunteer-invitation") + get_query_string(user)).status_code == 403
    assert Client().get(reverse("web:volunteer-magic-login")
                        + get_query_string(user, scope=INVITATION_SCOPE)).status_code == 403


@pytest.mark.django_db
def test_the_api_invites_and_answers_400_and_409_with_nothing_saved(world: World, nadia: Volunteer) -> None:
    client = APIClient()
    client.force_authenticate(world.coordinator)
    url = reverse("v1:volunteer-invitation", args=[nadia.pk])
    assert client.get(url).json()["has_account"] is False

    no_address = f.VolunteerFactory(project=world.project, email="")
    users = User.objects.count()
    response = client.post(reverse("v1:volunteer-invitation", args=[no_address.pk]))
    assert response.status_code == 400 and "email" in response.json()
    taken = f.VolunteerFactory(project=world.project, email="bob@example.be")  # the world's volunteer's address
    assert client.post(reverse("v1:volunteer-invitation", args=[taken.pk])).status_code == 409
    assert User.objects.count() == users and mail.outbox == []

    response = client.post(url)
    assert response.status_code == 201
    assert (response.json()["email"], response.json()["signed_in"]) == ("nadia.amrani@example.be", False)
    response = client.post(reverse("v1:volunteer-invitation-resend", args=[nadia.pk]))
    assert response.status_code == 200 and response.json()["sent_count"] == 2
    assert len(mail.outbox) == 2


# --- the volunteer role taken away, by whichever channel: tokens and sessions end (one rule) -----
def _sessions_of(user: User) -> int:
    from django.contrib.sessions.models import Session

    return sum(1 for s in Session.objects.all() if str(s.get_decoded().get("_auth_user_id")) == str(user.pk))


def _revoke_over_api(world: World, membership: Membership) -> int:
    client = APIClient()
    client.force_authenticate(world.admin)
    return client.delete(f"/api/v1/memberships/{membership.pk}/").status_code


def _revoke_in_admin(world: World, membership: Membership) -> int:
    client = Client()
    client.force_login(f.UserFactory(email="root@example.be", is_staff=True, is_superuser=True))
    return client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"}).status_code


def _revoke_by_service(world: World, membership: Membership) -> int:
    from buddynet.records.accounts.services import membership_revoke

    membership_revoke(membership=membership)
    return 204


def _stop(world: World, membership: Membership) -> int:
    assert membership.volunteer is not None
    people_services.volunteer_save(volunteer=membership.volunteer, data={"status": Volunteer.Status.STOPPED})
    return 204


VOLUNTEER_ROLE_TAKEN = {"stop": _stop, "api": _revoke_over_api, "admin": _revoke_in_admin,
                        "service": _revoke_by_service}


@pytest.mark.django_db
@pytest.mark.parametrize("channel", VOLUNTEER_ROLE_TAKEN)
def test_the_volunteer_role_taken_away_ends_the_phone_session_and_token_but_not_the_office_role(
        world: World, nadia: Volunteer, channel: str) -> None:
    invite(nadia, world.coordinator)
    user = User.objects.get(email="nadia.amrani@example.be")
    phone = Client()
    phone.get(link_in(mail.outbox[-1]))
    assert phone.get(reverse("web:volunteer-home")).status_code == 200
    membership_grant(user=user, role=Role.COORDINATOR, project=world.other_project)
    token = Token.objects.create(user=user)
    assert _sessions_of(user) == 1

    status = VOLUNTEER_ROLE_TAKEN[channel](world, Membership.objects.get(user=user, role=Role.VOLUNTEER))

    assert status in (204, 302)
    assert not Membership.objects.filter(user=user, role=Role.VOLUNTEER).exists()
    assert _sessions_of(user) == 0
    assert not Token.objects.filter(key=token.key).exists()
    user.refresh_from_db()
    assert user.is_active
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [Role.COORDINATOR]


def _change_in_admin(world: World, membership: Membership) -> int:
    client = Client()
    client.force_login(f.UserFactory(email="root@example.be", is_staff=True, is_superuser=True))
    return client.post(f"/admin/accounts/membership/{membership.pk}/change/", {
        "user": membership.user_id, "role": Role.COORDINATOR, "project": world.other_project.pk,
        "volunteer": "", "funder": "", "organisation": ""}).status_code


def _change_by_service(world: World, membership: Membership) -> int:
    from buddynet.records.accounts.services import membership_update

    membership.role, membership.project, membership.volunteer = Role.COORDINATOR, world.other_project, None
    membership_update(membership=membership)
    return 302


@pytest.mark.django_db
@pytest.mark.parametrize("change", [_change_in_admin, _change_by_service], ids=["admin", "service"])
def test_a_volunteer_role_changed_in_place_ends_the_phone_session(
        world: World, nadia: Volunteer, change: Callable[[World, Membership], int]) -> None:
    invite(nadia, world.coordinator)
    user = User.objects.get(email="nadia.amrani@example.be")
    phone = Client()
    phone.get(link_in(mail.outbox[-1]))
    assert phone.get(reverse("web:volunteer-home")).status_code == 200

    status = change(world, Membership.objects.get(user=user, role=Role.VOLUNTEER))

    assert status == 302
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [Role.COORDINATOR]
    assert _sessions_of(user) == 0
    assert phone.get(reverse("web:volunteer-home")).status_code != 200
