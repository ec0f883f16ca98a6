"""Brute-force lockout with django-axes: how sign-in attempts are counted and refused.

Settings (buddynet/settings.py): AXES_FAILURE_LIMIT failures for one account lock it for
AXES_COOLOFF_TIME; a successful sign-in resets the count.

A second rule against password spraying (one guess for each of many accounts, issue 21 item 8):
AXES_IP_FAILURE_LIMIT failed sign-ins from one client address across all accounts within
AXES_COOLOFF_TIME refuse every sign-in from that address until the oldest of them is older than the
cool-off. The failures are axes' own AccessAttempt rows (they keep the address of each account's
attempts), so nothing else is stored. The limit is far above the per-account one, because an
office behind one NAT address shares it. The address is the one the audit log uses
(AXES_CLIENT_IP_CALLABLE = audit.client_address): REMOTE_ADDR, or X-Forwarded-For only with
AUDIT_TRUST_X_FORWARDED_FOR behind a proxy that overwrites it, so a client cannot escape the
count by sending that header.
"""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_client_ip_address, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class RequestAxesBackend(AxesStandaloneBackend):
    """axes' backend, applied to every authenticate() call that carries a request.

    Every sign-in over HTTP passes the request: our sign-in page (/aanmelden/), the admin's
    login and DRF's session/basic authentication all call authenticate(request, ...). Calls
    without one come from code, not from a visitor: Django's test Client.login(), the shell,
    management commands. axes' own backend raises on those; returning None here lets the next
    backend (ModelBackend) answer instead, so `client.login(...)` keeps working in tests. A lockout
    cannot be bypassed this way: no URL reaches authenticate() without a request.
    """

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)  # per account; raises when locked
        if ip_address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT:
            request.axes_locked_out = True  # type: ignore[attr-defined]  # AxesMiddleware answers the lockout page
            raise AxesBackendPermissionDenied("too many failed sign-ins from this address")
        return None


def ip_address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's client address, over all accounts, within the cool-off."""
    address = get_client_ip_address(request)
    if not address:
        return 0
    from django.utils import timezone

    since = timezone.now() - get_cool_off(request)
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start"))["n"]
    return int(total or 0)


def normalised_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail address an attempt is counted against, as stored: stripped and lower-case.

    Without this, "Bob@x.be", "BOB@x.be", ... would each get their own failure count, and an
    attacker could guess far past the limit by varying the case of one address.
    """
    raw = None
    if credentials:
        raw = credentials.get("username") or credentials.get("email")
    if raw is None and request is not None:
        raw = request.POST.get("username") if hasattr(request, "POST") else None
    if raw is None:
        return None
    # axes stores it in a varchar(255): a longer "address" (no real one is) would be a 500.
    return str(raw).strip().lower()[:255]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """429 with a page in the visitor's language that says how long to wait (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "security/locked_out.html", context, status=429)
