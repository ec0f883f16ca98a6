"""Session timeouts per role (ASVS V7.3): an idle timeout and an absolute lifetime.

Two policies, both set in settings.BUDDYNET_SESSION_POLICY (from the environment):
- "office": administrators, coordinators, funders and anyone with admin access. They see many
  people's records, often on shared office computers: a short idle timeout (30 min by default)
  and a working day at most (12 h).
- "volunteer": someone whose only role is volunteer, on their own phone, who logs a contact
  moment every week or two and sees only their own buddy: a long session (30 days idle, 90 days
  at most), so the check-in page opens without a password every time.
Anyone with both a volunteer and another role gets the stricter office policy.

The policy follows the user's *current* roles on every request (roles_of, loaded anyway for
scoping and cached on the user for the request), not what was true at sign-in: when a volunteer's
account is given an office role, its long phone session is judged by the office limits on its
next request (signed out if older than a working day or idle longer than 30 minutes) and the
two-factor middleware asks for the second factor before any office page (two_factor.py). The
policy kept in the session only records which limits the expiry was last set for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from buddynet.records.accounts.selectors import volunteer_only

if TYPE_CHECKING:
    from buddynet.records.accounts.models import User
    from buddynet.records.accounts.types import Actor

POLICY_KEY = "_buddynet_session_policy"
STARTED_KEY = "_buddynet_session_started"
SEEN_KEY = "_buddynet_session_seen"
# Set by the volunteer sign-in when "keep me signed in" is unticked: the cookie then ends with
# the browser, while the idle and absolute limits below still apply on the server.
BROWSER_ONLY_KEY = "_buddynet_session_browser_only"
# The last-seen time is written at most once a minute, so browsing does not save the session on
# every request; idle time is therefore measured to within a minute.
SEEN_GRANULARITY_SECONDS = 60

OFFICE = "office"
VOLUNTEER = "volunteer"


def session_policy_for(user: Actor) -> str:
    return VOLUNTEER if volunteer_only(user) else OFFICE


def limits_for(policy: str) -> tuple[int, int]:
    """(idle seconds, absolute seconds) of a policy."""
    idle, absolute = settings.BUDDYNET_SESSION_POLICY[policy]
    return int(idle), int(absolute)


def start_session_policy(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session") or not settings.BUDDYNET_SESSION_POLICY:
        return
    now = int(time.time())
    policy = session_policy_for(user)
    request.session[POLICY_KEY] = policy
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now
    request.session.set_expiry(0 if request.session.get(BROWSER_ONLY_KEY) else limits_for(policy)[0])


class SessionTimeoutMiddleware:
    """Signs out a session that was idle too long or lived too long; slides the idle window.

    Must come after AuthenticationMiddleware. A signed-out request continues as anonymous, so
    pages redirect to the sign-in page (login_required) and the API answers 401/403.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        # An empty policy switches the middleware off (Django's SESSION_COOKIE_AGE applies).
        if settings.BUDDYNET_SESSION_POLICY and user is not None and user.is_authenticated:
            self._apply(request, user)
        return self.get_response(request)

    def _apply(self, request: HttpRequest, user: User) -> None:
        session = request.session
        now = int(time.time())
        policy = session_policy_for(user)
        changed = session.get(POLICY_KEY) != policy
        if changed:
            session[POLICY_KEY] = policy
        idle, absolute = limits_for(policy)
        started = session.setdefault(STARTED_KEY, now)
        seen = session.get(SEEN_KEY)
        if (seen is not None and now - seen > idle) or now - started > absolute:
            logout(request)
            return
        if changed or seen is None or now - seen >= SEEN_GRANULARITY_SECONDS:
            session[SEEN_KEY] = now
            # The database row and the cookie expire with the idle timeout as well, so a
            # session nobody comes back to is gone even without this middleware running.
            session.set_expiry(0 if session.get(BROWSER_ONLY_KEY) else idle)
