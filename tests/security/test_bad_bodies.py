"""Issue 21 items 4, 7, 8: bodies and sign-in names that used to give a 500 or an HTML page
answer a 4xx in the API's JSON format; every response carries a Permissions-Policy."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from buddynet.records.accounts.models import User
from buddynet.records.duos.models import Goal

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_five_thousand_nested_brackets_are_a_400_not_a_recursion_error(world):
    before = Goal.objects.count()
    response = _api(world.coordinator).generic("POST", "/api/v1/goals/", "[" * 5000,
                                               content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested too deeply" in response.json()["detail"]
    assert Goal.objects.count() == before


@pytest.mark.parametrize("body", ['{"a\\u0000b": 1}', '{"description": "x\\u0000y"}', '[["\\u0000"]]'])
def test_a_nul_character_anywhere_in_a_body_is_a_400(world, body):
    before = Goal.objects.count()
    response = _api(world.coordinator).generic("POST", "/api/v1/goals/", body, content_type="application/json")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert Goal.objects.count() == before


def test_a_nul_in_a_matching_weights_key_never_reaches_the_database(world):
    response = _api(world.coordinator).generic(
        "PATCH", f"/api/v1/projects/{world.project.pk}/", '{"matching_weights": {"dist\\u0000ance": 1}}',
        content_type="application/json")
    assert response.status_code == 400
    world.project.refresh_from_db()
    assert not any("\x00" in key for key in (world.project.matching_weights or {}))


def test_a_ten_megabyte_body_is_a_json_413(world):
    response = _api(world.coordinator).generic("POST", "/api/v1/goals/", "x" * (10 * 1024 * 1024),
                                               content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "too large" in response.json()["detail"]


def test_the_413_is_in_dutch_by_default(world):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(world.coordinator)
    response = client.generic("POST", "/api/v1/goals/", "x" * (3 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert "te groot" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/aanmelden/", "/admin/login/"])
def test_a_sign_in_name_over_255_characters_is_refused_not_a_500(world, url):
    client = Client(raise_request_exception=False)
    response = client.post(url, {"username": "a" * 300 + "@example.be", "password": "wrong"})
    assert response.status_code == 200  # the sign-in form again, with its message
    assert not User.objects.filter(email__startswith="a" * 300).exists()


@pytest.mark.parametrize("url", ["/aanmelden/", "/api/v1/duos/", "/healthz"])
def test_every_response_has_a_permissions_policy(url):
    response = Client().get(url)
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("language, message", [("nl-BE", "De inhoud moet een JSON-object zijn, geen null."),
                                               ("en", "The body must be a JSON object, not null.")])
def test_a_patch_with_a_null_body_is_a_400_in_the_users_language(world, language, message):
    from tests.test_api_bad_input import obligation

    row = obligation(world)
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(world.admin)
    response = client.generic("PATCH", f"/api/v1/funding/obligations/{row.pk}/", "null",
                              content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == message
    before = (row.kind, row.due_on)
    row.refresh_from_db()
    assert (row.kind, row.due_on) == before
