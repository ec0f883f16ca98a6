from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sesame.utils import get_query_string

from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.accounts.selectors import forget_roles, volunteer_only

log = logging.getLogger(__name__)


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


# Roles that see many people's records: they need the second factor and get office API tokens.
OFFICE_ROLES = frozenset({Role.ADMINISTRATOR, Role.ORG_ADMIN, Role.COORDINATOR, Role.FUNDER})


def _api_tokens_end(*, user: User) -> None:
    """Delete the user's API tokens (DRF authtoken; their last-use rows go with them).

    An API token speaks for the roles its owner had when an administrator issued it (issue 21 item
    1): sessions follow the current roles on every request (security/sessions.py, two_factor.py),
    but a token is checked by nobody once made. So a token never outlives a role it was issued
    with (any role taken away ends it) and never gains an office role it was not issued with (a
    volunteer's token would otherwise open the coordinator's API without a second factor); the
    administrator issues a new one for the new roles.
    """
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()


def _holds_role(user: User, role: str) -> bool:
    """The user holds `role` already (in any scope); a superuser is the administrator of everything."""
    return user.is_superuser or Membership.objects.filter(user=user, role=role).exists()


@transaction.atomic
def user_access_changed(*, user: User) -> None:
    """The back office changed the user's superuser or staff flag: a superuser is the platform
    administrator (roles_of), a role the user's tokens were not issued with, so they end too."""
    _api_tokens_end(user=user)
    forget_roles(user)


@transaction.atomic
def membership_grant(*, user: User, role: str, project: Any = None, volunteer: Any = None,
                     funder: Any = None, organisation: Any = None) -> Membership:
    membership = Membership(user=user, role=role, project=project, volunteer=volunteer, funder=funder,
                            organisation=organisation)
    membership.full_clean()
    # An office role the user does not hold yet ends their tokens (a coordinator given another
    # project keeps theirs; one made organisation administrator does not).
    if role in OFFICE_ROLES and not _holds_role(user, role):
        _api_tokens_end(user=user)
    membership.save()
    # Coordinators and administrators work in the admin too.
    if role in ("administrator", "coordinator") and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_roles(user)
    return membership


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any], password: str | None = None) -> User:
    """Change a user's fields (validated by the caller's serializer) and, when given, their
    password (checked against the password rules first)."""
    for name, value in data.items():
        setattr(user, name, value)
    fields = list(data)
    if password:
        validate_password(password, user)
        user.set_password(password)
        fields.append("password")
    user.save(update_fields=fields or None)
    return user


@transaction.atomic
def membership_update(*, membership: Membership) -> Membership:
    """Save a changed membership (the back office edits role and scope in place): a change of
    role or scope is a role taken away and another given, so the user's API tokens end. A
    volunteer role changed into another role, or pointed at another volunteer or user, is a
    volunteer role taken away: the phone's sessions end as in membership_revoke."""
    was = (Membership.objects.select_for_update().filter(pk=membership.pk)
           .values("role", "volunteer_id", "user_id").first())
    membership.full_clean()
    membership.save()
    if was and was["role"] == Role.VOLUNTEER and (
            (membership.role, membership.volunteer_id, membership.user_id)
            != (was["role"], was["volunteer_id"], was["user_id"])):
        count = sessions_delete(user=User.objects.get(pk=was["user_id"]))
        log.info("volunteer role of user %s changed; %d sessions ended", was["user_id"], count)
    user = membership.user
    if membership.role in (Role.ADMINISTRATOR, Role.COORDINATOR) and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    _api_tokens_end(user=user)
    forget_roles(user)
    return membership


def sessions_delete(*, user: User) -> int:
    """Delete the user's sessions in the database session store; returns how many.

    Sessions are keyed by a random id, not by user, so this reads every unexpired session. That is
    acceptable for a revocation or a deactivation (rare, and a few thousand rows at most here); it
    is not a request-time operation. Deactivation does not depend on it alone: an inactive user, or
    one whose password hash changed, is signed out by Django's own session check on the next request.
    """
    wanted = str(user.pk)
    stale = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
        if str(session.get_decoded().get("_auth_user_id")) == wanted
    ]
    Session.objects.filter(session_key__in=stale).delete()
    return len(stale)


@transaction.atomic
def membership_revoke(*, membership: Membership) -> None:
    """Take a role away: the user's API tokens end (_api_tokens_end). A volunteer role taken away
    ends their sessions too: a phone stays signed in for weeks on a volunteer's session, and one
    who keeps another role signs in again under it (with its second factor); whichever channel
    takes the role (the volunteer stopping, the API, the back office) goes through here."""
    user = membership.user
    role = membership.role
    membership.delete()
    _api_tokens_end(user=user)
    if role == Role.VOLUNTEER:
        count = sessions_delete(user=user)
        log.info("volunteer role of user %s revoked; %d sessions ended", user.pk, count)
    forget_roles(user)


@transaction.atomic
def account_deactivate(*, user: User, reason: str) -> None:
    """Close an account the same moment: inactive, password and open sign-in links void, every
    session and API token deleted. `reason` goes to the log (e.g. "volunteer stopped")."""
    user.is_active = False
    user.set_unusable_password()  # a new hash: sesame links and session hashes made with the old one fail
    user.save(update_fields=["is_active", "password"])
    _api_tokens_end(user=user)
    count = sessions_delete(user=user)
    forget_roles(user)
    log.info("account of user %s deactivated (%s); %d sessions ended", user.pk, reason, count)


def magic_link_send(*, email: str, login_url: str) -> bool:
    """E-mail a one-time sign-in link to the active, volunteer-only account with this address.
    True when one was sent. Nothing is sent for an unknown address or an office account, and the
    caller must answer the same either way (the page cannot tell who volunteers here); the rate
    limits per address and per client are the caller's, who sees the request."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not volunteer_only(user):
        return False
    link = login_url + get_query_string(user)
    minutes = settings.SESAME_MAX_AGE // 60
    send_mail(
        subject=_("Your link to sign in to buddynet"),
        message=_("Hello,\n\nTap this link to sign in to buddynet on this phone:\n\n%(link)s\n\n"
                  "The link works once, for %(minutes)d minutes. Did you not ask for it? Then you "
                  "can ignore this email.\n") % {"link": link, "minutes": minutes},
        from_email=None, recipient_list=[user.email],
    )
    log.info("magic sign-in link sent to user %s", user.pk)
    return True
