"""buddynet.accounts.session_store: Django's database sessions, read with one statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from buddynet.accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def _stored_by_django(**data: object) -> str:
    session = db.SessionStore()
    session.update(data)
    session.create()
    return str(session.session_key)


def test_it_is_the_session_engine() -> None:
    assert settings.SESSION_ENGINE == "buddynet.accounts.session_store"


def test_it_reads_what_djangos_store_wrote_with_one_statement() -> None:
    key = _stored_by_django(colour="groen", visits=3)

    with CaptureQueriesContext(connection) as ctx:
        data = SessionStore(session_key=key).load()

    assert data == {"colour": "groen", "visits": 3}
    assert len(ctx.captured_queries) == 1
    assert ctx.captured_queries[0]["sql"].startswith('SELECT "session_data" FROM "django_session"')


def test_django_reads_what_it_wrote() -> None:
    session = SessionStore()
    session["colour"] = "rood"
    session.save()

    assert db.SessionStore(session_key=session.session_key).load() == {"colour": "rood"}


@pytest.mark.parametrize("case", ["expired", "unknown", "tampered"])
def test_an_expired_unknown_or_tampered_session_reads_as_empty_like_djangos(case: str) -> None:
    key = _stored_by_django(colour="blauw")
    if case == "expired":
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    elif case == "unknown":
        key = key[::-1]
    else:
        Session.objects.filter(session_key=key).update(session_data="bm90LXNpZ25lZA:abc:def")

    ours, djangos = SessionStore(session_key=key), db.SessionStore(session_key=key)

    assert ours.load() == djangos.load() == {}
    if case != "tampered":  # a row that does not count is forgotten: saving makes a new key
        assert ours.session_key is None and djangos.session_key is None
