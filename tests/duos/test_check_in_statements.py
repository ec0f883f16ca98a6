"""What a new check-in costs the database on the two ways volunteers send one (the API with a
token, the phone page with a session), written the stock way: after authentication, the duo is
looked up once in the author's scope, then the row is inserted (with its audit entry) in a
savepoint, so that a resend's unique violation can answer the stored row
(benchmarks/checkin_api.py measures the same requests under load against a stock DRF view)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from buddynet.duos.models import CheckIn
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _kinds(send: Any) -> tuple[int, list[str]]:
    """The response's status and what each statement of the second request does."""
    send()  # warm: content types, translations
    with CaptureQueriesContext(connection) as ctx:
        response = send()
    kinds = []
    for q in ctx.captured_queries:
        sql = q["sql"]
        kind = next((name for name, marker in [
            ("savepoint", "SAVEPOINT"), ("release", "RELEASE SAVEPOINT"), ("session", 'FROM "django_session"'),
            ("token and user", 'FROM "authtoken_token" INNER JOIN "accounts_user"'),
            ("user", 'FROM "accounts_user"'), ("roles", 'FROM "accounts_membership"'),
            ("duo", 'FROM "duos_duo"'), ("check-in", 'INSERT INTO "duos_checkin"'),
            ("audit entry", 'INSERT INTO "auditlog_logentry"'),
        ] if sql.startswith(marker) or (marker.startswith("FROM") and sql.startswith("SELECT") and marker in sql)), sql)
        kinds.append(kind)
    return response.status_code, kinds


def test_the_api_looks_the_duo_up_once_in_the_authors_scope_then_inserts(world: World) -> None:
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.volunteer_user).key}")
    today = timezone.localdate().isoformat()

    def send() -> Any:
        return client.post("/api/v1/check-ins/", {
            "duo": world.duo.pk, "client_uuid": str(uuid.uuid4()), "date": today,
            "duration_minutes": 60, "mode": "in_person", "activities": ["talk"]}, format="json")

    status, kinds = _kinds(send)

    assert status == 201
    # The outer savepoint is the view's transaction (ScopedViewSet.dispatch); in the test's own
    # transaction it is a savepoint, in production BEGIN ... COMMIT.
    assert kinds == ["savepoint", "token and user", "roles", "savepoint", "duo", "check-in", "audit entry",
                     "release", "release"]


def test_the_phone_looks_the_duo_up_once_in_the_authors_scope_then_inserts(world: World) -> None:
    client = Client()
    client.force_login(world.volunteer_user)
    today = timezone.localdate().isoformat()

    def send() -> Any:
        return client.post("/mijn/contact/", {
            "duo": world.duo.pk, "client_uuid": str(uuid.uuid4()), "date": today,
            "duration": "60", "mode": "in_person", "activities": ["talk"]}, HTTP_ACCEPT="application/json")

    status, kinds = _kinds(send)

    assert status == 201
    assert kinds == ["session", "user", "roles", "savepoint", "savepoint", "duo", "check-in", "audit entry",
                     "release", "release"]
    assert CheckIn.objects.filter(duo=world.duo).count() == 3


def test_the_duo_look_up_is_scoped_to_the_author(world: World) -> None:
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.volunteer_user).key}")

    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/check-ins/", {
            "duo": world.other_duo.pk, "client_uuid": str(uuid.uuid4()), "date": timezone.localdate().isoformat(),
            "duration_minutes": 60, "mode": "in_person"}, format="json")

    assert response.status_code == 400 and set(response.json()) == {"duo"}
    duo_reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and '"duos_duo"' in q["sql"]]
    assert len(duo_reads) == 1
    assert f'"duos_duo"."volunteer_id" = {world.volunteer.pk}' in duo_reads[0]
    assert not CheckIn.objects.filter(duo=world.other_duo, author=world.volunteer_user).exists()
