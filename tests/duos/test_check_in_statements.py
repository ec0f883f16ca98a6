"""What a new check-in costs the database on the two ways volunteers send one (the API with a
token, the phone page with a session): the duo is checked inside the INSERT, so no statement
before it reads the duo (benchmarks/checkin_api.py measures the same requests under load)."""

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

from buddynet.records.duos.models import CheckIn
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _statements_before_the_insert(send: Any) -> tuple[int, list[str]]:
    send()  # warm: content types, translations
    with CaptureQueriesContext(connection) as ctx:
        response = send()
    sqls = [q["sql"] for q in ctx.captured_queries]
    insert = next(i for i, sql in enumerate(sqls) if sql.startswith('INSERT INTO "duos_checkin"'))
    return response.status_code, sqls[:insert]


def test_the_api_reads_no_duo_before_inserting_the_check_in(world: World) -> None:
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.volunteer_user).key}")

    def send() -> Any:
        return client.post("/api/v1/check-ins/", {
            "duo": world.duo.pk, "client_uuid": str(uuid.uuid4()), "date": timezone.localdate().isoformat(),
            "duration_minutes": 60, "mode": "in_person", "activities": ["talk"]}, format="json")

    status, before = _statements_before_the_insert(send)

    assert status == 201
    assert [sql for sql in before if '"duos_duo"' in sql] == []


def test_the_phone_reads_no_duo_before_inserting_the_check_in(world: World) -> None:
    client = Client()
    client.force_login(world.volunteer_user)

    def send() -> Any:
        return client.post("/mijn/contact/", {
            "duo": world.duo.pk, "client_uuid": str(uuid.uuid4()), "date": timezone.localdate().isoformat(),
            "duration": "60", "mode": "in_person", "activities": ["talk"]}, HTTP_ACCEPT="application/json")

    status, before = _statements_before_the_insert(send)

    assert status == 201
    assert [sql for sql in before if '"duos_duo"' in sql] == []
    assert CheckIn.objects.filter(duo=world.duo).count() == 3
