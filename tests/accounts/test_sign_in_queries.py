"""A signed-in request loads its user and their roles with one statement, by token and by session;
the roles are those roles_of() computes; refusals and sessions from before the change still hold."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from buddynet.accounts.backends import MODEL_BACKEND, SESAME_BACKEND
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


def test_a_session_request_loads_user_and_roles_with_one_statement_after_the_session(world: World) -> None:
    client = Client()
    client.force_login(world.volunteer_user)

    response, sqls = statements(client, HOME)

    assert response.status_code == 200
    assert "django_session" in sqls[0]
    assert loads_user_and_roles(sqls[1])
    assert not any(MEMBERSHIPS in sql for sql in sqls[2:])
    # force_login stores the first backend with a get_user (the axes backend has none).
    assert client.session[BACKEND_SESSION_KEY] == MODEL_BACKEND


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


def test_an_inactive_users_session_is_anonymous(world: World) -> None:
    client = Client()
    client.force_login(world.volunteer_user)
    User.objects.filter(pk=world.volunteer_user.pk).update(is_active=False)

    response, sqls = statements(client, HOME)

    assert response.status_code == 302 and response["Location"].startswith("/aanmelden/")
    assert loads_user_and_roles(sqls[1])


# --- Sessions signed in before the change -------------------------------------------------------
@pytest.mark.parametrize(("old", "new"), [
    ("django.contrib.auth.backends.ModelBackend", MODEL_BACKEND),
    ("sesame.backends.ModelBackend", SESAME_BACKEND),
])
def test_a_session_naming_an_old_backend_stays_signed_in_and_is_renamed_once(
    world: World, settings: Any, old: str, new: str,
) -> None:
    assert old not in settings.AUTHENTICATION_BACKENDS  # else a wrong password would be checked twice
    user = world.volunteer_user
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = old
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key

    first = client.get(HOME)
    _again, sqls = statements(client, HOME)

    assert first.status_code == 200 and _again.status_code == 200
    assert SessionStore(session_key=session.session_key).load()[BACKEND_SESSION_KEY] == new
    assert not any("UPDATE" in sql and "django_session" in sql for sql in sqls)  # renamed once


def test_a_password_sign_in_and_a_magic_link_store_the_new_backends(world: World) -> None:
    # benchmarks/checkin_api.py builds its signed-in sessions by hand with MODEL_BACKEND.
    by_password, by_link = Client(), Client()

    by_password.post("/aanmelden/", {"username": world.volunteer_user.email, "password": f.PASSWORD})
    by_link.post("/mijn/link/", {"email": world.volunteer_user.email})
    link = re.search(r"(/mijn/link/open/\?sesame=\S+)", mail.outbox[0].body).group(1)
    by_link.get(link)

    assert by_password.session[BACKEND_SESSION_KEY] == MODEL_BACKEND
    assert by_link.session[BACKEND_SESSION_KEY] == SESAME_BACKEND
    assert by_link.get(HOME).status_code == 200
