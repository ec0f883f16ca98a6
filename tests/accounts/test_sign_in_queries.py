"""A signed-in request goes through the framework's own parts (Django's database session store
and ModelBackend, django-sesame's backend, DRF's TokenAuthentication): what each costs before the
view, the refusals they answer, and the backends a sign-in stores. The one-statement replacements
that were here gained nothing measurable against the stock reference of
benchmarks/checkin_api.py (README, Benchmarks) and were removed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from buddynet.records.accounts.models import Membership, User
from buddynet.records.accounts.selectors import roles_of
from buddynet.security.models import ApiTokenUse
from buddynet.security.tokens import ExpiringTokenAuthentication
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

CHECK_INS, HOME = "/api/v1/check-ins/", "/mijn/"
MEMBERSHIPS, USERS, TOKENS = Membership._meta.db_table, User._meta.db_table, Token._meta.db_table
MODEL_BACKEND, SESAME_BACKEND = "django.contrib.auth.backends.ModelBackend", "sesame.backends.ModelBackend"


def statements(client: Any, url: str, **extra: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    return response, [q["sql"] for q in ctx.captured_queries]


def test_the_framework_parts_are_configured(settings: Any) -> None:
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AUTHENTICATION_BACKENDS[1:] == [MODEL_BACKEND, SESAME_BACKEND]
    # DRF's TokenAuthentication, subclassed only for the token's expiry and last use (issue 21).
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "rest_framework.authentication.SessionAuthentication", "buddynet.security.tokens.ExpiringTokenAuthentication"]
    assert issubclass(ExpiringTokenAuthentication, TokenAuthentication)
    assert not [m for m in settings.MIDDLEWARE if m.startswith("buddynet.records.accounts.")]


# --- Statements before the view -----------------------------------------------------------------
def test_a_token_request_loads_token_and_user_then_the_roles_once(world: World) -> None:
    token = Token.objects.create(user=world.volunteer_user)
    # Used a moment ago: its last use is not written again within API_TOKEN_LAST_USED_MINUTES.
    ApiTokenUse.objects.create(token=token, last_used_at=timezone.now())
    # The view's own statements: the same request by a user whose roles are already known.
    roles_of(world.volunteer_user)
    _response, own = statements(client_for(world.volunteer_user), CHECK_INS)

    response, sqls = statements(APIClient(), CHECK_INS, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200 and response.json()["count"] == 1
    assert len(sqls) == len(own) + 2
    assert f'FROM "{TOKENS}" INNER JOIN "{USERS}"' in sqls[0]  # DRF: the token with its user
    assert f'JOIN "{ApiTokenUse._meta.db_table}"' in sqls[0]  # and its last use, in the same query
    assert f'FROM "{MEMBERSHIPS}"' in sqls[1]  # roles_of, cached for the rest of the request
    assert not any(MEMBERSHIPS in sql for sql in sqls[2:])


def test_a_session_request_loads_session_user_and_roles_once_each(world: World) -> None:
    client = Client()
    client.force_login(world.volunteer_user)

    response, sqls = statements(client, HOME)

    assert response.status_code == 200
    assert 'FROM "django_session"' in sqls[0]
    assert f'FROM "{USERS}"' in sqls[1] and MEMBERSHIPS not in sqls[1]
    assert sum(f'FROM "{MEMBERSHIPS}"' in sql for sql in sqls) == 1
    # force_login stores the first backend with a get_user (the axes backend has none).
    assert client.session[BACKEND_SESSION_KEY] == MODEL_BACKEND


# --- Refusals -------------------------------------------------------------------------------------
def test_an_inactive_users_token_and_an_unknown_token_are_refused(world: World) -> None:
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
        assert len(sqls) == 1 and f'FROM "{TOKENS}"' in sqls[0]


def test_an_inactive_users_session_is_anonymous(world: World) -> None:
    client = Client()
    client.force_login(world.volunteer_user)
    User.objects.filter(pk=world.volunteer_user.pk).update(is_active=False)

    response = client.get(HOME)

    assert response.status_code == 302 and response["Location"].startswith("/aanmelden/")


def test_a_password_sign_in_and_a_magic_link_store_the_stock_backends(world: World) -> None:
    # benchmarks/checkin_api.py builds its signed-in sessions by hand with the path a password sign-in stores.
    by_password, by_link = Client(), Client()

    by_password.post("/aanmelden/", {"username": world.volunteer_user.email, "password": f.PASSWORD})
    by_link.post("/mijn/link/", {"email": world.volunteer_user.email})
    link = re.search(r"(/mijn/link/open/\?sesame=\S+)", mail.outbox[0].body).group(1)
    by_link.get(link)

    assert by_password.session[BACKEND_SESSION_KEY] == MODEL_BACKEND
    assert by_link.session[BACKEND_SESSION_KEY] == SESAME_BACKEND
    assert by_password.get(HOME).status_code == 200
    assert by_link.get(HOME).status_code == 200
