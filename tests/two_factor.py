"""Test helpers for two-factor sign-in: the current code of a device, a verified test client."""

from __future__ import annotations

import time
from typing import Any

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code an authenticator app shows now for this device (django-otp's own TOTP).

    A code is accepted once per time step: when the device already used this step (two sign-ins
    of one user within 30 s), the next step's code is given, which the device's tolerance of one
    step still accepts."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    if device.last_t is not None and totp.t() <= device.last_t:
        totp.drift = device.drift + 1
    return f"{totp.token():0{device.digits}d}"


def confirmed_device(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def force_login_verified(client: Any, user: Any) -> TOTPDevice:
    """force_login, then confirm a real code through the two-factor page (enforcement on)."""
    client.force_login(user)
    device = confirmed_device(user)
    response = client.post(reverse("security:two-factor"), {"code": totp_code(device), "next": "/"})
    assert response.status_code == 302, response.content[:500]
    return device
