"""Writes of the two-factor devices (django-otp): enrolment, confirming a code, backup codes;
and of office API tokens (DRF's authtoken): when one was last used, revoking one.

The views of buddynet/security/views.py parse the request, call one of these and render; a
management command or the admin that resets a user's second factor calls the same. Verifying a
code is a write too: django-otp records the time step used and the failures (its throttle).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.accounts.selectors import roles_of
from buddynet.security.models import ApiTokenUse

BACKUP_CODE_COUNT = 10


def two_factor_pending_device(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator device, made once and kept across reloads, so the QR
    code does not change under the user's phone."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def _new_backup_codes(user: User) -> list[str]:
    backup = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=c) for c in codes])
    return codes


@transaction.atomic
def two_factor_enrol_confirm(*, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending device with the first correct code: the device becomes the user's
    second factor and ten single-use backup codes are made. Returns the backup codes (to show
    once), or None when the code is not right (nothing confirmed)."""
    if not code or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_backup_codes(device.user)


def two_factor_verify(*, user: User, code: str) -> Device | None:
    """The confirmed device (authenticator or backup codes) that accepts `code`, or None."""
    for candidate in devices_for_user(user, confirmed=True):
        if candidate.verify_token(code):
            return candidate
    return None


@transaction.atomic
def two_factor_backup_codes_replace(*, user: User) -> list[str]:
    """New backup codes for a user; the old ones stop working. Returns them (to show once)."""
    StaticDevice.objects.filter(user=user).delete()
    return _new_backup_codes(user)


def api_token_expires_at(token: Token) -> datetime:
    """A token works until its creation plus API_TOKEN_DAYS; a new one is made in the admin."""
    expires_at: datetime = token.created + timedelta(days=settings.API_TOKEN_DAYS)
    return expires_at


def api_token_last_used_at(token: Token) -> datetime | None:
    try:
        last_used_at: datetime = token.use.last_used_at
        return last_used_at
    except ApiTokenUse.DoesNotExist:
        return None


def api_token_touch(*, token: Token, now: datetime) -> None:
    """Remember that the token was used now — at most once per API_TOKEN_LAST_USED_MINUTES, so
    the authentication of a busy client writes one row every few minutes, not on every request.
    The caller loads the token with select_related("use") so this costs no extra read."""
    last = api_token_last_used_at(token)
    if last is not None and now - last < timedelta(minutes=settings.API_TOKEN_LAST_USED_MINUTES):
        return
    if last is None:
        ApiTokenUse.objects.update_or_create(token=token, defaults={"last_used_at": now})
    else:
        ApiTokenUse.objects.filter(token=token).update(last_used_at=now)


def _may_revoke_token(*, token: Token, by: User) -> bool:
    """The token's owner, the global administrator, and an administrator of an organisation the
    owner coordinates a project of (issue 16's organisation administrator)."""
    if by.pk == token.user_id:
        return True
    roles = roles_of(by)
    if roles.administrator:
        return True
    return bool(roles.administered_organisation_ids) and Membership.objects.filter(
        user_id=token.user_id, role=Role.COORDINATOR,
        project__organisation_id__in=roles.administered_organisation_ids).exists()


def api_token_revoke(*, token: Token, by: User) -> None:
    """Revoke (delete) an API token: the next request that shows it answers 401."""
    if not _may_revoke_token(token=token, by=by):
        raise PermissionDenied("may not revoke this token")
    # By key: the admin passes a TokenProxy, whose `pk` is the user's id (DRF maps its admin by user).
    Token.objects.filter(key=token.key).delete()
