"""Django's database sessions (SESSION_ENGINE), read with one plain statement.

Every signed-in page and phone request reads its session first. Django's database store does
that through the ORM (a queryset, a compiled SELECT of three columns, a Session instance),
which on the check-in POST of a volunteer's phone cost a tenth of the request's CPU
(benchmarks/checkin_api.py). This store reads only the session data, with SQL built once per
database vendor; everything else (writing, expiry, `clearsessions`) is Django's own, on the
same table, so sessions made by either store are read by the other.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

_load_sql: dict[str, str] = {}  # per database vendor


def _load_sql_for(connection: Any, model: Any) -> str:
    sql = _load_sql.get(connection.vendor)
    if sql is None:
        qn, meta = connection.ops.quote_name, model._meta
        # Only quoted names from the model's meta are formatted in; key and time are parameters.
        sql = (f"SELECT {qn(meta.get_field('session_data').column)} FROM {qn(meta.db_table)} "  # noqa: S608
               f"WHERE {qn(meta.get_field('session_key').column)} = %s "
               f"AND {qn(meta.get_field('expire_date').column)} > %s")
        _load_sql[connection.vendor] = sql
    return sql


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        # What db.SessionStore.load answers: the decoded data of the unexpired row with this
        # key; none (and the key forgotten, so a new one is made on save) otherwise.
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_load_sql_for(connection, self.model), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])
