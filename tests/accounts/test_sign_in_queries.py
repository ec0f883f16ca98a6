"""A token request loads its token, user and their roles with one statement; the roles are those
roles_of() computes; refusals are as DRF's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from buddynet.accounts.models import Membership, Role, User
from buddynet.accounts.selectors import roles_of, token_with_user_and_roles, user_with_roles
from buddynet.accounts.services import membership_grant
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

CHECK_INS, HOME = "/api/v1/check-ins/", "/mijn/"
MEMBERSHIPS, USERS, TOKENS = Membership._meta.db_table, User._meta.db_table, Token._meta.db_table


def statements(client: Any, url: str, **extra: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    return response, [q["sql"] for q in ctx.captured_queries]


def loads_user_and_roles(sql: str) -> bool:
    return f'"{USERS}"' in sql and f'LEFT JOIN "{MEMBERSHIPS}"' in sql


# --- One statement per request --------------------------------------------------------------
def test_a_token_request_loads_token_user_and_roles_with_one_statement(world: World) -> None:
    token = Token.objects.create(user=world.volunteer_user)
    # The view's own statements: the same request by a user whose roles are already known.
    roles_of(world.volunteer_user)
    _response, own = statements(client_for(world.volunteer_user), CHECK_INS)

    response, sqls = statements(APIClient(), CHECK_INS, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200 and response.json()["count"] == 1
    assert len(sqls) == len(own) + 1
    assert f'FROM "{TOKENS}"' in sqls[0] and loads_user_and_roles(sqls[0])
    assert not any(MEMBERSHIPS in sql for sql in sqls[1:])


# --- The same roles as roles_of() ---------------------------------------------------------------
def people(w: World) -> dict[str, Any]:
    membership_grant(user=w.coordinator, role=Role.COORDINATOR, project=w.other_project)
    return {
        "volunteer": w.volunteer_user,
        "coordinator of two projects": w.coordinator,
        "funder": w.funder_user,
        "administrator": w.admin,
        "superuser without memberships": f.UserFactory(is_superuser=True, is_staff=True),
        "user without memberships": f.UserFactory(),
    }


@pytest.mark.parametrize("who", ["volunteer", "coordinator of two projects", "funder", "administrator",
                                 "superuser without memberships", "user without memberships"])
def test_the_user_and_roles_loaded_in_one_statement_are_what_the_orm_and_roles_of_give(
    world: World, who: str, django_assert_num_queries: Any,
) -> None:
    person = people(world)[who]
    token = Token.objects.create(user=person)
    expected_user = User.objects.get(pk=person.pk)
    expected_roles = roles_of(User.objects.get(pk=person.pk))
    values = [(getattr(expected_user, f.attname), type(getattr(expected_user, f.attname)))
              for f in User._meta.concrete_fields]

    with django_assert_num_queries(1):
        by_id = user_with_roles(str(person.pk))  # as the session stores it
    with django_assert_num_queries(1):
        by_token = token_with_user_and_roles(token.key)

    assert by_token is not None and (by_token.pk, by_token.user_id, by_token.created) == (
        token.pk, token.user_id, token.created)
    for loaded in (by_id, by_token.user):
        assert [(getattr(loaded, f.attname), type(getattr(loaded, f.attname)))
                for f in User._meta.concrete_fields] == values
        assert not loaded._state.adding and loaded._state.db == "default"
        with django_assert_num_queries(0):
            assert roles_of(loaded) == expected_roles
    if who == "coordinator of two projects":
        assert expected_roles.coordinated_project_ids == {world.project.pk, world.other_project.pk}


def test_no_user_or_token_is_none(world: World) -> None:
    assert user_with_roles(10**9) is None
    assert user_with_roles("not-a-number") is None
    assert token_with_user_and_roles("not-a-token") is None


# --- Refusals as before -----------------------------------------------------------------------
def test_an_inactive_users_token_and_an_unknown_token_are_refused_after_one_statement(world: World) -> None:
    token = Token.objects.create(user=world.volunteer_user)
    User.objects.filter(pk=world.volunteer_user.pk).update(is_active=False)

    inactive, inactive_sqls = statements(APIClient(), CHECK_INS, HTTP_AUTHORIZATION=f"Token {token.key}",
                                         HTTP_ACCEPT_LANGUAGE="en")
    unknown, unknown_sqls = statements(APIClient(), CHECK_INS, HTTP_AUTHORIZATION="Token not-a-token",
                                       HTTP_ACCEPT_LANGUAGE="en")

    # 403 rather than 401: SessionAuthentication comes first and names no WWW-Authenticate scheme
    # (tests/test_api_access.py).
    assert (inactive.status_code, inactive.json()) == (403, {"detail": "User inactive or deleted."})
    assert (unknown.status_code, unknown.json()) == (403, {"detail": "Invalid token."})
    for sqls in (inactive_sqls, unknown_sqls):
        assert len(sqls) == 1 and loads_user_and_roles(sqls[0])
