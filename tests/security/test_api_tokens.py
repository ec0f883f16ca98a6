"""Office API tokens expire, remember their last use, and can be revoked (issue 21, item 1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from buddynet.records.accounts.models import Membership, Role
from buddynet.security import services
from buddynet.security.models import ApiTokenUse
from tests import factories as f

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _token_for(user: Any, at: dt.datetime = START) -> Token:
    with time_machine.travel(at, tick=False):
        return Token.objects.create(user=user)


def _get_me(token: Token) -> Any:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client.get("/api/v1/me/")


def test_a_token_works_until_its_expiry_then_answers_401_saying_it_expired(world: Any, settings: Any) -> None:
    settings.API_TOKEN_DAYS = 90
    token = _token_for(world.coordinator)
    with time_machine.travel(START + dt.timedelta(days=89, hours=23), tick=False):
        assert _get_me(token).status_code == 200
    with time_machine.travel(START + dt.timedelta(days=90, minutes=1), tick=False):
        response = _get_me(token)
    assert response.status_code == 401
    assert "expired" in str(response.json()).lower() or "verlopen" in str(response.json()).lower()
    assert response.headers["WWW-Authenticate"].startswith("Token")


def test_the_expiry_follows_the_setting(world: Any, settings: Any) -> None:
    settings.API_TOKEN_DAYS = 7
    token = _token_for(world.coordinator)
    with time_machine.travel(START + dt.timedelta(days=8), tick=False):
        assert _get_me(token).status_code == 401


def test_the_last_use_is_written_at_most_once_per_interval(world: Any, settings: Any) -> None:
    settings.API_TOKEN_LAST_USED_MINUTES = 15
    token = _token_for(world.coordinator)
    first = START + dt.timedelta(days=1)
    with time_machine.travel(first, tick=False):
        assert _get_me(token).status_code == 200
    assert ApiTokenUse.objects.get(token=token).last_used_at == first
    with time_machine.travel(first + dt.timedelta(minutes=10), tick=False):
        assert _get_me(token).status_code == 200
    assert ApiTokenUse.objects.get(token=token).last_used_at == first  # not rewritten within 15 min
    later = first + dt.timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        assert _get_me(token).status_code == 200
    assert ApiTokenUse.objects.get(token=token).last_used_at == later


def test_a_request_within_the_interval_costs_no_write(world: Any, settings: Any,
                                                      django_assert_num_queries: Any) -> None:
    token = _token_for(world.coordinator)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        _get_me(token)
    auth = "buddynet.security.tokens.ExpiringTokenAuthentication"
    from buddynet.security.tokens import ExpiringTokenAuthentication

    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"][-1] == auth
    # Token, user and last use in one query; no UPDATE within the interval.
    with time_machine.travel(START + dt.timedelta(days=1, minutes=1), tick=False), django_assert_num_queries(1):
        ExpiringTokenAuthentication().authenticate_credentials(token.key)


def test_the_owner_sees_the_dates_on_the_account_page_and_revokes_the_token(world: Any) -> None:
    token = _token_for(world.volunteer_user)
    with time_machine.travel(START + dt.timedelta(days=3), tick=False):
        _get_me(token)
    client = Client()
    client.force_login(world.volunteer_user)
    page = client.get(reverse("account:security"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "API-sleutel" in html or "API token" in html
    expires = timezone.localtime(services.api_token_expires_at(token))
    assert f"{expires:%Y}" in html and "nooit" not in html and "never" not in html
    response = client.post(reverse("account:security"))
    assert response.status_code == 302
    assert not Token.objects.filter(key=token.key).exists()
    assert _get_me(token).status_code == 403  # an unknown token, as a wrong one (tests/test_api_access.py)
    assert "Revoke" not in client.get(reverse("account:security")).content.decode()


def test_the_account_page_shows_only_the_users_own_token(world: Any) -> None:
    other = _token_for(world.coordinator)
    client = Client()
    client.force_login(world.volunteer_user)
    assert other.key[:8] not in client.get(reverse("account:security")).content.decode()
    client.post(reverse("account:security"))
    assert Token.objects.filter(key=other.key).exists()


def test_the_account_page_needs_a_sign_in(world: Any) -> None:
    response = Client().get(reverse("account:security"))
    assert response.status_code == 302 and "/aanmelden/" in response["Location"]


def test_the_service_lets_the_owner_and_the_global_administrator_revoke_and_nobody_else(world: Any) -> None:
    token = _token_for(world.coordinator)
    for outsider in (world.other_coordinator, world.volunteer_user, world.funder_user):
        with pytest.raises(PermissionDenied):
            services.api_token_revoke(token=token, by=outsider)
    assert Token.objects.filter(key=token.key).exists()
    services.api_token_revoke(token=token, by=world.admin)
    assert not Token.objects.filter(key=token.key).exists()
    own = _token_for(world.coordinator)
    services.api_token_revoke(token=own, by=world.coordinator)
    assert not Token.objects.filter(key=own.key).exists()


def test_the_global_administrator_sees_the_dates_and_revokes_in_the_admin(world: Any) -> None:
    token = _token_for(world.coordinator)
    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        _get_me(token)
    superuser = f.UserFactory(email="root@example.be", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    listing = client.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert escape(str(world.coordinator)) in html  # a name may hold an apostrophe
    delete_url = f"/admin/authtoken/tokenproxy/{world.coordinator.pk}/delete/"
    response = client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302, response.content
    assert response["Location"] == "/admin/authtoken/tokenproxy/"
    assert not Token.objects.filter(key=token.key).exists()


# --- a token follows its owner's roles (issue 21 item 1: "a role change ends the user's other
# sessions"): a role taken away ends the token; an office role given to an account that had none
# ends it too, so a volunteer's token never opens the coordinator's API. ----------------------
def _admin_api(world: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.admin)
    return client


def _coordinator_membership(world: Any) -> Membership:
    return Membership.objects.get(user=world.coordinator, role=Role.COORDINATOR, project=world.project)


def test_a_coordinators_token_ends_when_the_role_is_taken_away_over_the_api(world: Any) -> None:
    token = Token.objects.create(user=world.coordinator)
    assert _get_me(token).status_code == 200
    response = _admin_api(world).delete(f"/api/v1/memberships/{_coordinator_membership(world).pk}/")
    assert response.status_code == 204
    assert not Token.objects.filter(key=token.key).exists()
    assert _get_me(token).status_code == 403  # an unknown token, as a wrong one


def test_a_volunteers_token_ends_when_an_office_role_is_given_over_the_api(world: Any) -> None:
    token = Token.objects.create(user=world.volunteer_user)
    assert _get_me(token).status_code == 200
    response = _admin_api(world).post("/api/v1/memberships/", {
        "user": world.volunteer_user.pk, "role": Role.COORDINATOR, "project": world.project.pk}, format="json")
    assert response.status_code == 201, response.content
    assert not Token.objects.filter(key=token.key).exists()
    # The coordinator's participant list stays closed to the volunteer's token.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/participants/").status_code == 403


def test_a_coordinator_given_another_project_keeps_the_token(world: Any) -> None:
    token = Token.objects.create(user=world.coordinator)
    response = _admin_api(world).post("/api/v1/memberships/", {
        "user": world.coordinator.pk, "role": Role.COORDINATOR, "project": world.other_project.pk}, format="json")
    assert response.status_code == 201, response.content
    assert _get_me(token).status_code == 200


def _superuser_client() -> Client:
    client = Client()
    client.force_login(f.UserFactory(email="root@example.be", is_staff=True, is_superuser=True))
    return client


def test_a_role_taken_away_in_the_admin_ends_the_token(world: Any) -> None:
    token = Token.objects.create(user=world.coordinator)
    membership = _coordinator_membership(world)
    response = _superuser_client().post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert _get_me(token).status_code == 403


def test_roles_taken_away_by_the_admins_bulk_delete_end_the_tokens(world: Any) -> None:
    token = Token.objects.create(user=world.coordinator)
    membership = _coordinator_membership(world)
    response = _superuser_client().post("/admin/accounts/membership/", {
        "action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"})
    assert response.status_code == 302, response.content
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert _get_me(token).status_code == 403


def test_an_office_role_given_in_the_admin_ends_a_volunteers_token(world: Any) -> None:
    token = Token.objects.create(user=world.volunteer_user)
    response = _superuser_client().post("/admin/accounts/membership/add/", {
        "user": world.volunteer_user.pk, "role": Role.COORDINATOR, "project": world.project.pk})
    assert response.status_code == 302, response.content
    assert Membership.objects.filter(user=world.volunteer_user, role=Role.COORDINATOR).exists()
    assert _get_me(token).status_code == 403


def test_a_role_changed_in_the_admin_ends_the_token(world: Any) -> None:
    token = Token.objects.create(user=world.coordinator)
    membership = _coordinator_membership(world)
    response = _superuser_client().post(f"/admin/accounts/membership/{membership.pk}/change/", {
        "user": world.coordinator.pk, "role": Role.COORDINATOR, "project": world.other_project.pk})
    assert response.status_code == 302, response.content
    membership.refresh_from_db()
    assert membership.project_id == world.other_project.pk
    assert _get_me(token).status_code == 403


def test_a_role_taken_away_in_the_users_admin_page_ends_the_token(world: Any) -> None:
    token = Token.objects.create(user=world.coordinator)
    user = world.coordinator
    memberships = list(Membership.objects.filter(user=user).order_by("pk"))
    data: dict[str, Any] = {
        "email": user.email, "full_name": user.full_name, "language": user.language, "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "memberships-TOTAL_FORMS": str(len(memberships)), "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(memberships):
        data.update({f"memberships-{i}-id": m.pk, f"memberships-{i}-user": user.pk, f"memberships-{i}-role": m.role,
                     f"memberships-{i}-project": m.project_id or "", f"memberships-{i}-volunteer": m.volunteer_id or "",
                     f"memberships-{i}-funder": m.funder_id or "",
                     f"memberships-{i}-organisation": m.organisation_id or ""})
    data["memberships-0-DELETE"] = "on"
    response = _superuser_client().post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Membership.objects.filter(pk=memberships[0].pk).exists()
    assert _get_me(token).status_code == 403


def test_another_office_role_given_to_a_coordinator_ends_the_token(world: Any) -> None:
    """The token was issued for a coordinator: made an organisation administrator too, the account
    gets a role the token was not issued with (review of issue 21's change)."""
    token = Token.objects.create(user=world.coordinator)
    response = _superuser_client().post("/admin/accounts/membership/add/", {
        "user": world.coordinator.pk, "role": Role.ORG_ADMIN, "organisation": world.project.organisation_id})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _get_me(token).status_code == 403


def test_the_superuser_flag_set_in_the_admin_ends_the_token(world: Any) -> None:
    token = Token.objects.create(user=world.volunteer_user)
    user = world.volunteer_user
    data: dict[str, Any] = {
        "email": user.email, "full_name": user.full_name, "language": user.language, "is_active": "on",
        "is_superuser": "on",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }
    response = _superuser_client().post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.is_superuser
    assert _get_me(token).status_code == 403
