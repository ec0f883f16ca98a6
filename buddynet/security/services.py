"""Writes of the two-factor devices (django-otp): enrolment, confirming a code, backup codes.

The views of buddynet/security/views.py parse the request, call one of these and render; a
management command or the admin that resets a user's second factor calls the same. Verifying a
code is a write too: django-otp records the time step used and the failures (its throttle).
"""

from __future__ import annotations

from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from buddynet.records.accounts.models import User

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
