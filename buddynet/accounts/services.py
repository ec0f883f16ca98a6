from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from buddynet.accounts.models import Membership, User
from buddynet.accounts.selectors import forget_roles


@transaction.atomic
def user_create(*, email: str, password: str | None, full_name: str = "", language: str = "nl-be",
                is_staff: bool = False) -> User:
    user = User(email=email.lower(), full_name=full_name, language=language, is_staff=is_staff)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def membership_grant(*, user: User, role: str, project: Any = None, volunteer: Any = None,
                     funder: Any = None) -> Membership:
    membership = Membership(user=user, role=role, project=project, volunteer=volunteer, funder=funder)
    membership.full_clean()
    membership.save()
    # Coordinators and administrators work in the admin too.
    if role in ("administrator", "coordinator") and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_roles(user)
    return membership
