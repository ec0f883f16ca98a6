"""The migrations that encrypt the notes keep the data: plain rows become encrypted rows with the
same text, and migrating back gives the plain text again."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from buddynet import crypto

BEFORE = [("people", "0001_initial"), ("duos", "0001_initial")]
ENCRYPTING = [("people", "0002_encrypt_notes"), ("duos", "0002_encrypt_notes")]


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_notes_are_encrypted_in_place_and_back():
    executor = _migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        project = old.get_model("people", "Project").objects.create(
            name="P", organisation=old.get_model("people", "Organisation").objects.create(name="O"),
        )
        participant = old.get_model("people", "Participant").objects.create(
            project=project, first_name="Marieke", last_name="Peeters", postcode="9000", notes="diabetes",
        )
        volunteer = old.get_model("people", "Volunteer").objects.create(
            project=project, first_name="Bert", last_name="Janssens", postcode="9000",
        )
        duo = old.get_model("duos", "Duo").objects.create(
            project=project, participant=participant, volunteer=volunteer, proposed_on=datetime.date(2026, 1, 5),
            pause_reason="opname psychiatrie",
        )
        user = old.get_model("accounts", "User").objects.create(email="bob@example.be")
        check_in = old.get_model("duos", "CheckIn").objects.create(
            duo=duo, author=user, date=datetime.date(2026, 1, 12), duration_minutes=60, mode="phone",
            note="ging goed", concern_note="schulden",
        )

        _migrate(ENCRYPTING)
        for table, column, pk, plain in [
            ("people_participant", "notes", participant.pk, "diabetes"),
            ("duos_duo", "pause_reason", duo.pk, "opname psychiatrie"),
            ("duos_checkin", "note", check_in.pk, "ging goed"),
            ("duos_checkin", "concern_note", check_in.pk, "schulden"),
        ]:
            stored = _raw(table, column, pk)
            assert crypto.is_token(stored) and plain not in stored
            assert crypto.decrypt(stored) == plain
        assert _raw("duos_checkin", "concern_handled_note", check_in.pk) == ""
        # Running the data step again changes nothing (it skips what is encrypted already).
        forward, _ = crypto.encrypt_existing_rows({"duos.CheckIn": ["note"]})
        before = _raw("duos_checkin", "note", check_in.pk)
        with connection.schema_editor() as editor:
            forward(executor.loader.project_state(ENCRYPTING).apps, editor)
        assert _raw("duos_checkin", "note", check_in.pk) == before

        _migrate(BEFORE)
        assert _raw("people_participant", "notes", participant.pk) == "diabetes"
        assert _raw("duos_checkin", "concern_note", check_in.pk) == "schulden"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_network_map_notes_are_encrypted_in_place_and_back():
    from tests import factories as f

    before, encrypting = [("netwerk", "0001_initial")], [("netwerk", "0002_encrypt_note")]
    participant = f.ParticipantFactory()
    executor = _migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        network_map = old.get_model("netwerk", "NetworkMap").objects.create(
            participant_id=participant.pk, date=datetime.date(2026, 1, 5), note="geen contact meer met haar broer",
        )
        empty = old.get_model("netwerk", "NetworkMap").objects.create(
            participant_id=participant.pk, date=datetime.date(2026, 2, 5),
        )
        assert _raw("netwerk_networkmap", "note", network_map.pk) == "geen contact meer met haar broer"

        _migrate(encrypting)
        stored = _raw("netwerk_networkmap", "note", network_map.pk)
        assert crypto.is_token(stored) and "broer" not in stored
        assert crypto.decrypt(stored) == "geen contact meer met haar broer"
        assert _raw("netwerk_networkmap", "note", empty.pk) == ""

        _migrate(before)
        assert _raw("netwerk_networkmap", "note", network_map.pk) == "geen contact meer met haar broer"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
