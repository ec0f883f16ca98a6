"""Notes and other special-category text are encrypted at rest, readable after key rotation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from buddynet import crypto
from buddynet.records.duos.models import CheckIn, Goal
from buddynet.records.people.models import Participant
from netwerk import services as netwerk_services
from netwerk.models import NetworkMap
from tests import factories as f
from tests.conftest import client_for

HEALTH_NOTE = "Marieke slaapt slecht sinds de opname in het ziekenhuis"
CONCERN = "Haar zoon dreigt uit huis gezet te worden"
MAP_NOTE = "Sinds de scheiding geen contact meer met haar broer"


def _raw(model, field: str, pk: int) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def noted(world):
    check_in = world.check_in
    check_in.note = HEALTH_NOTE
    check_in.concern = True
    check_in.concern_note = CONCERN
    check_in.save()
    world.participant.notes = HEALTH_NOTE
    world.participant.save()
    world.network_map = netwerk_services.map_create(participant=world.participant, by=world.coordinator, note=MAP_NOTE)
    return world


def test_the_database_columns_hold_no_plaintext(noted):
    for model, field, pk, plain in [
        (CheckIn, "note", noted.check_in.pk, HEALTH_NOTE),
        (CheckIn, "concern_note", noted.check_in.pk, CONCERN),
        (Participant, "notes", noted.participant.pk, HEALTH_NOTE),
        (Goal, "description", noted.goal.pk, noted.goal.description),
        (NetworkMap, "note", noted.network_map.pk, MAP_NOTE),
    ]:
        stored = _raw(model, field, pk)
        assert stored.startswith("gAAAAA"), (model, field)
        assert plain not in stored and "ziekenhuis" not in stored and "scheiding" not in stored
        assert crypto.decrypt(stored) == plain
    assert NetworkMap.objects.get(pk=noted.network_map.pk).note == MAP_NOTE


def test_the_application_reads_the_plain_text(noted):
    assert CheckIn.objects.get(pk=noted.check_in.pk).note == HEALTH_NOTE
    response = client_for(noted.volunteer_user).get(f"/api/v1/check-ins/{noted.check_in.pk}/")
    assert response.status_code == 200
    assert response.json()["concern_note"] == CONCERN


def test_the_api_writes_encrypted(world):
    response = client_for(world.volunteer_user).post(
        "/api/v1/check-ins/",
        {"duo": world.duo.pk, "date": "2026-11-20", "duration_minutes": 60, "mode": "in_person",
         "note": HEALTH_NOTE},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert HEALTH_NOTE not in _raw(CheckIn, "note", response.json()["id"])


def test_an_empty_note_is_stored_empty_and_the_same_text_twice_differently(world):
    assert _raw(CheckIn, "concern_note", world.check_in.pk) == ""
    a = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, note="zelfde")
    b = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, note="zelfde")
    assert _raw(CheckIn, "note", a.pk) != _raw(CheckIn, "note", b.pk)  # random IV: no equality leak


@pytest.mark.django_db(transaction=True)  # VACUUM INTO runs outside a transaction only
def test_the_sqlite_database_file_holds_no_plaintext(noted, tmp_path: Path):
    if connection.vendor != "sqlite":
        pytest.skip("a file copy of the database is made with SQLite's VACUUM INTO; PostgreSQL is checked above")
    copy = tmp_path / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    data = copy.read_bytes()
    assert noted.participant.last_name.encode() in data  # the search works: unencrypted text is found
    assert b"ziekenhuis" not in data
    assert CONCERN.encode() not in data
    assert b"scheiding" not in data
    # and the copy is a real database holding the row, encrypted
    with sqlite3.connect(copy) as db:
        (stored,) = db.execute("SELECT note FROM duos_checkin WHERE id = ?", [noted.check_in.pk]).fetchone()
    assert crypto.decrypt(stored) == HEALTH_NOTE


def test_a_rotated_key_keeps_old_values_readable_and_the_command_moves_them_to_the_new_key(world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    check_in = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, note=HEALTH_NOTE)
    participant = f.ParticipantFactory(project=world.project, notes=CONCERN)
    network_map = netwerk_services.map_create(participant=participant, by=world.coordinator, note=MAP_NOTE)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert CheckIn.objects.get(pk=check_in.pk).note == HEALTH_NOTE
    assert Participant.objects.get(pk=participant.pk).notes == CONCERN
    with pytest.raises(InvalidToken):
        Fernet(new).decrypt(_raw(CheckIn, "note", check_in.pk).encode())

    call_command("rotate_field_encryption", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Fernet(new).decrypt(_raw(CheckIn, "note", check_in.pk).encode()).decode() == HEALTH_NOTE
    assert Fernet(new).decrypt(_raw(Participant, "notes", participant.pk).encode()).decode() == CONCERN
    assert Fernet(new).decrypt(_raw(NetworkMap, "note", network_map.pk).encode()).decode() == MAP_NOTE

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert CheckIn.objects.get(pk=check_in.pk).note == HEALTH_NOTE
    assert NetworkMap.objects.get(pk=network_map.pk).note == MAP_NOTE
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(crypto.DecryptionError):
        CheckIn.objects.get(pk=check_in.pk)


def test_without_explicit_keys_a_rotated_secret_key_reads_through_its_fallback(world, settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = "first secret " * 5
    check_in = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, note=HEALTH_NOTE)
    settings.SECRET_KEY = "second secret " * 5
    settings.SECRET_KEY_FALLBACKS = ["first secret " * 5]
    assert CheckIn.objects.get(pk=check_in.pk).note == HEALTH_NOTE
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(crypto.DecryptionError):
        CheckIn.objects.get(pk=check_in.pk)


def test_a_bad_key_in_the_environment_stops_the_start(monkeypatch):
    import subprocess
    import sys

    env = {"FIELD_ENCRYPTION_KEYS": "not-a-key", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='buddynet.settings'; "
         "django.setup()"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr
