"""Re-encrypt every encrypted field with the newest key (step 2 of a key rotation).

1. FIELD_ENCRYPTION_KEYS=<new>,<old>  (restart: new values are written with <new>, all are read)
2. manage.py rotate_field_encryption  (every stored value is re-encrypted with <new>)
3. FIELD_ENCRYPTION_KEYS=<new>        (restart: <old> is no longer needed anywhere)
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from buddynet import crypto, privacy


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field (buddynet/privacy.py ENCRYPTED) with the first of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        quote = connection.ops.quote_name
        total = 0
        for label, name in sorted(privacy.ENCRYPTED):
            model = apps.get_model(label)
            table = quote(model._meta.db_table)
            pk = quote(model._meta.pk.column)
            column = quote(model._meta.get_field(name).column)
            rotated = 0
            # One transaction per column: a crash leaves every value readable (old or new key).
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
                for row_id, value in cursor.fetchall():
                    # A plain value (before the data migration) gets encrypted too.
                    new = crypto.rotate(value) if crypto.is_token(value) else crypto.encrypt(value)
                    cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", [new, row_id])  # noqa: S608
                    rotated += 1
            total += rotated
            self.stdout.write(f"{label}.{name}: {rotated} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} values re-encrypted with the newest key"))
