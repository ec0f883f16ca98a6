"""Sessions signed in before the one-statement backends keep working.

A session stores the dotted path of the backend that signed it in, and Django signs out a
session whose path is no longer in AUTHENTICATION_BACKENDS. Sessions signed in before
buddynet/accounts/backends.py name Django's and django-sesame's ModelBackend; a volunteer's lasts
up to VOLUNTEER_SESSION_DAYS, and volunteers (many of them elderly, on a phone) must not be sent
to the sign-in page by an upgrade.

Chosen over a data migration that rewrites the stored django_session rows: the migration runs
before the new code starts, so a sign-in made in between by a process still running the old
code would store an old path after the rewrite and be signed out; this middleware renames such
a path whenever it arrives, whatever the session engine, without decoding every stored session
at deploy time. Keeping the old paths in AUTHENTICATION_BACKENDS instead would check a wrong
password twice. The cost is one dictionary look-up per request (the session is loaded anyway to
find the user) and one session write per old session, once. It can be removed once the last
session signed in before it has expired (VOLUNTEER_SESSION_DAYS after the release). Unlike a
reversible migration, nothing renames the paths back: going back to the old code would sign out
the sessions renamed in between.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse

from buddynet.accounts.backends import RENAMED_BACKENDS


class RenamedBackendMiddleware:
    """Between SessionMiddleware and AuthenticationMiddleware: a session naming an old backend
    path is given the new one before auth.get_user reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        # No cookie, no session to load: skip the look-up (it would be empty anyway).
        if session.session_key is not None:
            renamed = RENAMED_BACKENDS.get(session.get(BACKEND_SESSION_KEY))
            if renamed is not None:
                session[BACKEND_SESSION_KEY] = renamed
        return self.get_response(request)
