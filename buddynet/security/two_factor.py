"""Two-factor sign-in for office roles (ASVS 5.0 V6.3.3, level 2): who must, and the gate.

Administrators, coordinators, funder viewers and anyone with admin access (is_staff) see many
people's records: after their password they must confirm a time-based code (TOTP, django-otp)
or a single-use backup code. Volunteers are not asked: they see one buddy, on their own phone,
and often sign in by magic link.

`TwoFactorMiddleware` (after django-otp's OTPMiddleware, which sets `request.user.is_verified()`)
keeps an office session that has not confirmed a code away from every page and API endpoint
with data: pages redirect to the two-factor step (enrolment when the user has no device yet),
the API answers 403 with a message. Whether a user must is decided on every request from the
user's *current* roles (loaded anyway for scoping; cached on the user for the request), never
from what was true at sign-in: a volunteer's phone session whose account is given an office role
is sent to the two-factor step on its next request instead of opening the office pages.

Token-authenticated API clients (DRF TokenAuthentication) are authenticated inside the view,
after this middleware: tokens are issued only by an administrator in the admin, for service
accounts (a token is a 40-character random secret held by a machine, not a password a person
types); see docs/security.md.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from buddynet.records.accounts.selectors import roles_of
from buddynet.records.accounts.types import Actor


def two_factor_required_for(user: Actor) -> bool:
    """True for administrators, organisation administrators, coordinators, funder viewers and staff;
    False for volunteers only."""
    if user is None or not user.is_authenticated:
        return False
    roles = roles_of(user)
    return bool(roles.administrator or roles.is_org_admin or roles.is_coordinator or roles.funder_ids
                or user.is_staff)


def user_has_device(user: Actor) -> bool:
    from django_otp import devices_for_user

    return any(True for _device in devices_for_user(user, confirmed=True))


def _paths_open_before_verification() -> tuple[str, ...]:
    """Paths an office user may reach with only a password: signing in and out, the two-factor
    step itself, the language switch, health checks, static files and the API description."""
    names = (
        "web:login", "web:logout", "admin:login", "admin:logout", "set_language", "healthz",
        "security:two-factor", "security:two-factor-enrol", "security:two-factor-backup-codes",
    )
    paths: list[str] = []
    for name in names:
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            continue
    return tuple(paths)


# Prefixes: everything under them is open (no personal data).
OPEN_PREFIXES = ("/api/schema/", "/api/docs/")


class TwoFactorMiddleware:
    """Office sessions that have not confirmed a second factor reach only the two-factor step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(settings, "BUDDYNET_TWO_FACTOR_REQUIRED", True):
            blocked = self._blocked(request)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _blocked(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and is_verified():
            return None
        if not two_factor_required_for(user):
            return None
        path = request.path
        if self._open is None:
            self._open = _paths_open_before_verification()
        static_url = str(getattr(settings, "STATIC_URL", "/static/") or "/static/")
        if path in self._open or path.startswith((static_url, *OPEN_PREFIXES)):
            return None
        if path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Two-factor authentication required: confirm a code from your authenticator "
                             "app at %(url)s before using the API.") % {"url": reverse("security:two-factor")}},
                status=403,
            )
        target = reverse("security:two-factor")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
