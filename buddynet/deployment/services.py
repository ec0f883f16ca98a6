"""Writes about this installation: setting a database up for production with its first administrator."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from buddynet.demo import data as demo
from buddynet.deployment.models import ProductionMarker
from buddynet.errors import ServiceError
from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.accounts.services import membership_grant, user_create


class FirstAdminRefused(ServiceError):
    """The database cannot get a first administrator (demo data in it, or an administrator already)."""


@dataclass(frozen=True)
class FirstAdmin:
    user: User
    link: str  # absolute one-time enrolment link: set a password, then the second factor


def enrolment_link(*, user: User) -> str:
    """A link that lets `user` choose a password once: Django's password-reset token, which stops
    working when the password is set (the token covers the password hash and last sign-in) or after
    PASSWORD_RESET_TIMEOUT (3 days). The second factor is set up at the first sign-in after it."""
    path = reverse("deployment:enrol", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    })
    return f"{str(settings.NOTIFICATIONS_BASE_URL).rstrip('/')}{path}"


@transaction.atomic
def first_admin_create(*, email: str, full_name: str = "") -> FirstAdmin:
    """Mark the database as production and create its first administrator, without a password.

    Run again for the same address while that administrator has not chosen a password yet, it
    gives a fresh link (the first may have expired). It refuses a database with demo users (their
    password is published) and one that already has another administrator (add more in the admin).
    """
    email = email.strip().lower()
    if demo.demo_users().exists():
        raise FirstAdminRefused(
            f"This database holds the demo (users @{demo.DOMAIN}, whose password is published): remove it "
            "first with `manage.py demo --remove`, or use an empty database."
        )
    existing = User.objects.filter(email=email).first()
    others = Membership.objects.filter(role=Role.ADMINISTRATOR).exclude(user__email=email)
    if others.exists() or User.objects.filter(is_superuser=True).exclude(email=email).exists():
        raise FirstAdminRefused(
            "This database already has an administrator: sign in as them and add others in the admin."
        )
    ProductionMarker.objects.get_or_create(pk=1)
    if existing is not None:
        if existing.has_usable_password():
            raise FirstAdminRefused(
                f"{email} is already set up with a password: sign in, or use the admin to reset it."
            )
        user = existing
    else:
        user = user_create(email=email, password=None, full_name=full_name)
    if not Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).exists():
        membership_grant(user=user, role=Role.ADMINISTRATOR)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True, is_active=True)
    user.refresh_from_db()
    return FirstAdmin(user=user, link=enrolment_link(user=user))
