"""Prints, as JSON, what a backup must carry over: the row count of every table, every encrypted
field's decrypted text, and the SHA-256 of every media file. Run inside an instance's environment
(`python -m tests.operations.snapshot`), before the backup and after the restore."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import django


def snapshot() -> dict[str, Any]:
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db import connection

    from buddynet.operations.services import media_names
    from buddynet.privacy import ENCRYPTED

    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (introspected names)
            counts[table] = cursor.fetchone()[0]
    decrypted: dict[str, str] = {}
    for label, field in sorted(ENCRYPTED):
        for pk, text in apps.get_model(label).objects.values_list("pk", field):
            if text:
                decrypted[f"{label}.{field}:{pk}"] = text
    media = {}
    for name in media_names(default_storage):
        with default_storage.open(name, "rb") as handle:
            media[name] = hashlib.sha256(handle.read()).hexdigest()
    return {"counts": counts, "decrypted": decrypted, "media": media}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buddynet.settings")
    django.setup()
    print(json.dumps(snapshot()))
