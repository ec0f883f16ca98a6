"""The two-factor step after the password: enrol an authenticator app, or confirm a code.

Enrolment: an unconfirmed TOTP device is made (and kept across reloads, so the QR code does not
change under the user's phone), shown as a QR code drawn on the server as inline SVG and as a
key to type; the first correct code confirms it, creates ten single-use backup codes (shown
once, on that response only) and verifies the session. Later sign-ins: a code from the app or a
backup code. Wrong codes are throttled by django-otp (each failure doubles the wait, per device).
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user
from django_otp import login as otp_login

from buddynet.security import services
from buddynet.security.two_factor import user_has_device


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure(),
    ):
        return candidate
    return "/"


def _with_next(name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _clean_code(raw: str) -> str:
    return "".join(raw.split()).replace("-", "").lower()


def _throttle_wait(user: object) -> int | None:
    """Seconds until a code may be tried again, when every device of the user is throttled."""
    waits: list[int] = []
    for device in devices_for_user(user, confirmed=True):
        allowed, data = device.verify_is_allowed()
        if allowed:
            return None
        locked_until = (data or {}).get("locked_until")
        if locked_until is not None:
            from django.utils import timezone

            waits.append(max(1, int((locked_until - timezone.now()).total_seconds()) + 1))
    return min(waits) if waits else None


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Confirm a code (or a backup code) for a user who has a device; else go to enrolment."""
    next_url = _next_url(request)
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url)
    if not user_has_device(user):
        return redirect(_with_next("security:two-factor-enrol", next_url))
    error = None
    status = 200
    if request.method == "POST":
        code = _clean_code(request.POST.get("code", ""))
        wait = _throttle_wait(user)
        if wait is not None:
            error = _("Too many wrong codes. Wait %(seconds)s seconds and try again.") % {"seconds": wait}
            status = 429
        elif not code:
            error = _("Enter the code from your authenticator app or a backup code.")
            status = 400
        else:
            device = services.two_factor_verify(user=user, code=code)  # type: ignore[arg-type]
            if device is not None:
                otp_login(request, device)
                # A new session key once the second factor is given, as at the password step:
                # a key seen before this point cannot ride into the verified session.
                request.session.cycle_key()
                return redirect(next_url)
            error = _("This code is not right. Check your authenticator app and try again.")
            status = 400
    return render(request, "security/two_factor.html", {"next": next_url, "error": error}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in of an office user: scan a QR code, confirm one code, get backup codes."""
    next_url = _next_url(request)
    user = request.user
    if user_has_device(user):
        return redirect(_with_next("security:two-factor", next_url))
    device = services.two_factor_pending_device(user=user)  # type: ignore[arg-type]
    error = None
    status = 200
    if request.method == "POST":
        code = _clean_code(request.POST.get("code", ""))
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            error = _("Too many wrong codes. Wait a moment and try again.")
            status = 429
        elif (codes := services.two_factor_enrol_confirm(device=device, code=code)) is not None:
            otp_login(request, device)
            request.session.cycle_key()  # as in two_factor() above
            # Shown on this response only: nothing keeps them for a later page.
            return render(request, "security/two_factor_backup_codes.html", {"codes": codes, "next": next_url})
        else:
            error = _("This code is not right. Check your authenticator app and try again.")
            status = 400
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, omitsize=False)
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {
        "next": next_url,
        "error": error,
        # segno writes the SVG from the key alone (no user input): safe to embed.
        "qr_svg": mark_safe(qr_svg),  # noqa: S308
        "key_groups": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
    }
    return render(request, "security/two_factor_enrol.html", context, status=status)


@login_required
@require_http_methods(["POST"])
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """A verified user replaces their backup codes (the old ones stop working); shown once."""
    if not request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_with_next("security:two-factor", "/"))
    codes = services.two_factor_backup_codes_replace(user=request.user)  # type: ignore[arg-type]
    return render(request, "security/two_factor_backup_codes.html", {"codes": codes, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def account_security(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own security page: their API token (made by an administrator) with
    when it expires and was last used, and a button that revokes it."""
    from django.contrib import messages
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("use").filter(user=request.user).first()  # type: ignore[misc]
    if request.method == "POST":
        if token is not None:
            services.api_token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Your API token is revoked; it no longer works."))
        return redirect("account:security")
    context: dict[str, object] = {"token": token}
    if token is not None:
        context.update({
            "expires_at": services.api_token_expires_at(token),
            "last_used_at": services.api_token_last_used_at(token),
        })
    return render(request, "security/account_security.html", context)
