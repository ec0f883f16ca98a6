"""Writing outbox rows: many at once, duplicates skipped, in one SQL statement.

The rules sweep may produce thousands of rows on a first run and none on the next; Django's
bulk_create splits rows into batches (999 parameters a statement on SQLite), so the number of
queries would grow with the number of duos. Here all rows travel as ONE JSON parameter and the
database unpacks them (SQLite json_each, PostgreSQL jsonb_to_recordset): one INSERT ... ON
CONFLICT DO NOTHING ... RETURNING, whatever the count, which also tells us which rows are new
(those need a delivery task) and which were already there (the de-duplication key).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from notifications.models import Notification

TABLE = Notification._meta.db_table


@dataclass(frozen=True)
class Row:
    recipient_id: int
    kind: str
    channel: str
    language: str
    subject: str
    body: str
    link: str
    content_type_id: int | None
    object_id: int | None
    dedup_key: str
    attachment: str
    digest: bool
    created_at: datetime
    sent_at: datetime | None


# Column → SQL type for PostgreSQL's jsonb_to_recordset (SQLite needs none).
COLUMNS: dict[str, str] = {
    "recipient_id": "bigint", "kind": "text", "channel": "text", "language": "text", "subject": "text",
    "body": "text", "link": "text", "content_type_id": "integer", "object_id": "bigint", "dedup_key": "text",
    "attachment": "text", "digest": "boolean", "created_at": "timestamptz", "sent_at": "timestamptz",
}


@dataclass(frozen=True)
class Inserted:
    id: int
    channel: str
    digest: bool


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        adapted = connection.ops.adapt_datetimefield_value(value)
        # SQLite: Django's own text format ("2026-11-25 14:00:00.000000", UTC); PostgreSQL: ISO 8601.
        return adapted if isinstance(adapted, str) else value.isoformat()
    return value


def insert(rows: list[Row]) -> list[Inserted]:
    """Insert `rows`, skipping any whose (recipient, channel, dedup_key) exists. Returns the new ones."""
    if not rows:
        return []
    payload = json.dumps([{k: _json_value(v) for k, v in asdict(row).items()} for row in rows])
    names = ", ".join(COLUMNS)
    # attempts and last_error have Python-side defaults only: give them explicitly.
    if connection.vendor == "postgresql":
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in COLUMNS.items())
        sql = (
            f"INSERT INTO {TABLE} ({names}, attempts, last_error) "  # noqa: S608 - names are constants
            f"SELECT {names}, 0, '' FROM jsonb_to_recordset(%s::jsonb) AS r({columns}) "
            "ON CONFLICT DO NOTHING RETURNING id, channel, digest"
        )
    elif connection.vendor == "sqlite":
        extracts = ", ".join(f"json_extract(value, '$.{name}')" for name in COLUMNS)
        # "WHERE true": without it SQLite reads ON CONFLICT as a join's ON clause.
        sql = (
            f"INSERT INTO {TABLE} ({names}, attempts, last_error) "  # noqa: S608 - names are constants
            f"SELECT {extracts}, 0, '' FROM json_each(%s) WHERE true "
            "ON CONFLICT DO NOTHING RETURNING id, channel, digest"
        )
    else:  # pragma: no cover - buddynet runs on SQLite and PostgreSQL only
        return _insert_one_by_one(rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])
        return [Inserted(int(pk), channel, bool(digest)) for pk, channel, digest in cursor.fetchall()]


def _insert_one_by_one(rows: list[Row]) -> list[Inserted]:  # pragma: no cover
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                obj = Notification.objects.create(**asdict(row))
        except IntegrityError:
            continue
        created.append(Inserted(obj.pk, obj.channel, obj.digest))
    return created
