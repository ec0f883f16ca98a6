"""Accounts made by the office: a volunteer's account from the coordinator's page (issue 16).

The answers this module gives (README, "Volunteer accounts"):

- Invite (`invitation_send`): creates the account (e-mail = the volunteer record's address, no
  password), the volunteer membership, and e-mails a sign-in link. The link has its own sesame
  scope ("invitation") and lasts INVITATION_MAX_AGE_DAYS; like every sesame link here it works
  once (the first sign-in sets last_login, which voids it). Until that first sign-in the
  volunteer's page shows "expected first sign-in"; `invitation_resend` sends a fresh link.
- No e-mail address on the record: refused (400, on the field "email").
- The volunteer already has an active account: refused (409); resend while they have not
  signed in yet, afterwards they ask for a link themselves on the phone's sign-in page.
- Duplicate e-mail address: one address is one account, and a volunteer account belongs to one
  volunteer record (Membership.volunteer is one-to-one, and the phone pages show one volunteer's
  duos). An address already used by any other account (an office account, or the same person
  volunteering in another organisation) is refused (409): the coordinator records another
  address for this volunteer. Nothing is linked across organisations silently.
- A stopped volunteer: refused (409). Stopping a volunteer (people.services.volunteer_save)
  calls `account_deactivate` (accounts/services.py) in the same transaction: the account is inactive, its password and
  open links void, its sessions deleted and its API tokens deleted. When the coordinator takes
  them back (status no longer "stopped") and invites again, the same account is reactivated (its
  history stays theirs) with a new link.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override
from sesame.utils import get_query_string

from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.accounts.models import Invitation, Membership, Role, User
from buddynet.records.accounts.selectors import forget_roles, roles_of
from buddynet.records.accounts.services import account_deactivate, membership_grant, membership_revoke

log = logging.getLogger(__name__)

# The sesame scope of an invitation link: a plain sign-in link (15 minutes) cannot be used on the
# invitation page, nor an invitation on the sign-in link page.
INVITATION_SCOPE = "invitation"
STOPPED = "stopped"  # people.models.Volunteer.Status.STOPPED


def invitation_max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


def _check_may_invite(*, volunteer: Any, by: User, org_admin_may: bool = False) -> None:
    roles = roles_of(by)
    # The organisation's administrator may resend a link from their volunteers' overview (issue 16).
    if not (roles.coordinates(volunteer.project_id) or (
            org_admin_may and volunteer.project.organisation_id in roles.administered_organisation_ids)):
        raise NotAllowed(_("Only a coordinator of this volunteer's project can invite them."))
    if volunteer.status == STOPPED:
        raise Conflict(_("This volunteer has stopped. Change their status first, then invite them again."))
    if getattr(volunteer, "anonymised_at", None) is not None:
        raise Conflict(_("This volunteer's record was anonymised."))


def _address_taken(email: str, *, but: User | None) -> bool:
    others = User.objects.filter(email__iexact=email)
    if but is not None:
        others = others.exclude(pk=but.pk)
    return others.exists()


def _send(*, user: User, volunteer: Any, by: User, login_url: str) -> Invitation:
    link = login_url + get_query_string(user, scope=INVITATION_SCOPE)
    with override(user.language):
        send_mail(
            subject=_("Welcome to buddynet: your sign-in link"),
            message=_(
                "Hello %(name)s,\n\n%(project)s has made you an account on buddynet, where you log "
                "your contact moments with your buddy on your phone.\n\nTap this link on your "
                "phone to sign in:\n\n%(link)s\n\nThe link works once, within %(days)d days. "
                "Afterwards you can always ask for a new sign-in link on the sign-in page.\n"
            ) % {"name": volunteer.first_name, "project": volunteer.project.name, "link": link,
                 "days": settings.INVITATION_MAX_AGE_DAYS},
            from_email=None, recipient_list=[user.email],
        )
    invitation = Invitation.objects.create(user=user, role=Role.VOLUNTEER, invited_by=by)
    log.info("invitation sent to user %s by user %s", user.pk, by.pk)
    return invitation


@transaction.atomic
def invitation_send(*, volunteer: Any, by: User, login_url: str) -> Invitation:
    """Give the volunteer an account and e-mail them a sign-in link (the rules: module docstring).

    `login_url` is the absolute URL of the invitation page; the link's token is appended.
    """
    _check_may_invite(volunteer=volunteer, by=by)
    membership = Membership.objects.select_related("user").filter(volunteer=volunteer).first()
    if membership is not None and membership.user.is_active:
        raise Conflict(_("This volunteer already has an account.") + " " + (
            _("Send the invitation again if they have not signed in yet.") if membership.user.last_login is None
            else _("They can ask for a sign-in link on the sign-in page.")))
    if not volunteer.email:
        raise InvalidInput({"email": _("Record the volunteer's e-mail address first: the invitation is sent there.")})
    email = volunteer.email.strip().lower()
    if membership is not None:
        user = membership.user
        # Taken back after a stop: the same account again, under the address on the record now.
        if user.email != email:
            if _address_taken(email, but=user):
                raise Conflict(_("This e-mail address is already used by another buddynet account. "
                                 "Record another address for this volunteer."))
            user.email = email
        user.is_active = True
        user.last_login = None  # "expected first sign-in" again, until they use the new link
        user.save(update_fields=["email", "is_active", "last_login"])
    else:
        if _address_taken(email, but=None):
            raise Conflict(_("This e-mail address is already used by another buddynet account. "
                             "Record another address for this volunteer."))
        user = User(email=email, full_name=f"{volunteer.first_name} {volunteer.last_name}".strip(),
                    language="nl-be")
        user.set_unusable_password()
        user.full_clean()
        user.save()
        Membership.objects.create(user=user, role=Role.VOLUNTEER, volunteer=volunteer)
    forget_roles(user)
    return _send(user=user, volunteer=volunteer, by=by, login_url=login_url)


@transaction.atomic
def invitation_resend(*, volunteer: Any, by: User, login_url: str) -> Invitation:
    """A fresh link for a volunteer who was invited but has not signed in yet (by a coordinator of
    their project or an administrator of its organisation)."""
    _check_may_invite(volunteer=volunteer, by=by, org_admin_may=True)
    membership = Membership.objects.select_related("user").filter(volunteer=volunteer).first()
    if membership is None or not membership.user.is_active:
        raise Conflict(_("This volunteer has no account yet: invite them first."))
    user = membership.user
    if user.last_login is not None:
        raise Conflict(_("This volunteer has already signed in. They can ask for a sign-in link on the sign-in page."))
    return _send(user=user, volunteer=volunteer, by=by, login_url=login_url)


@transaction.atomic
def volunteer_account_close(*, volunteer: Any) -> None:
    """The volunteer stopped: their account closes today. An account that also holds an office
    role (possible through the back office only) keeps those: it loses the volunteer membership
    and its sessions, so it signs in again under its other roles."""
    membership = Membership.objects.select_related("user").filter(volunteer=volunteer).first()
    if membership is None:
        return
    user = membership.user
    if Membership.objects.filter(user=user).exclude(pk=membership.pk).exists() or user.is_superuser:
        membership_revoke(membership=membership)  # ends its API tokens and its sessions
        return
    if user.is_active:
        account_deactivate(user=user, reason="volunteer stopped")


# --- Coordinators, invited by their organisation's administrator ------------------------------
def _check_org_admin(*, by: User, organisation_id: int) -> None:
    if organisation_id not in roles_of(by).administered_organisation_ids:
        raise NotAllowed(_("Only an administrator of this organisation can invite its coordinators."))


def enrolment_link(*, user: User, base_url: str) -> str:
    """Choose a password once (Django's password-reset token on the enrolment page: it stops working
    when the password is set, or after PASSWORD_RESET_TIMEOUT); the second factor is set up at the
    first sign-in after it (security/two_factor.py)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse("deployment:enrol", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    })
    return base_url.rstrip("/") + path


def _send_enrolment(*, user: User, project: Any, by: User, base_url: str) -> Invitation:
    with override(user.language):
        send_mail(
            subject=_("Welcome to buddynet: choose your password"),
            message=_(
                "Hello %(name)s,\n\n%(organisation)s has made you a coordinator of %(project)s on "
                "buddynet.\n\nChoose your password with this link:\n\n%(link)s\n\nThe link works once. "
                "When you sign in the first time, buddynet asks you to set up a second factor (an "
                "authenticator app on your phone).\n"
            ) % {"name": user.full_name or user.email, "organisation": project.organisation.name,
                 "project": project.name, "link": enrolment_link(user=user, base_url=base_url)},
            from_email=None, recipient_list=[user.email],
        )
    invitation = Invitation.objects.create(user=user, role=Role.COORDINATOR, invited_by=by)
    log.info("coordinator invitation sent to user %s by user %s", user.pk, by.pk)
    return invitation


@transaction.atomic
def coordinator_invite(*, project: Any, email: str, full_name: str, by: User, base_url: str) -> Membership:
    """Make someone a coordinator of a project of the caller's organisation.

    - A new address: an account without a password, the coordinator membership, and an e-mail with
      the enrolment link (choose a password; the second factor follows at the first sign-in).
    - The address of an account that already works only in this organisation (a coordinator of
      another of its projects, or one of its administrators): the membership is added; they are
      told by e-mail and sign in as before.
    - Already a coordinator of this project: 409. Any other account (a volunteer, another
      organisation's staff, a funder): 409, one address is one account, and nothing is linked
      across organisations.
    """
    _check_org_admin(by=by, organisation_id=project.organisation_id)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name.strip(), language="nl-be")
        user.set_unusable_password()
        user.full_clean()
        user.save()
        membership = membership_grant(user=user, role=Role.COORDINATOR, project=project)
        _send_enrolment(user=user, project=project, by=by, base_url=base_url)
        return membership
    rows = list(Membership.objects.filter(user=user).select_related("project"))
    if any(m.role == Role.COORDINATOR and m.project_id == project.pk for m in rows):
        raise Conflict(_("This person is already a coordinator of this project."))
    same_organisation = all(
        (m.role == Role.COORDINATOR and m.project is not None
         and m.project.organisation_id == project.organisation_id)
        or (m.role == Role.ORG_ADMIN and m.organisation_id == project.organisation_id)
        for m in rows
    )
    if not rows or not same_organisation or not user.is_active or user.is_superuser:
        raise Conflict(_("This e-mail address is already used by another buddynet account. "
                         "Use another address for this coordinator."))
    membership = membership_grant(user=user, role=Role.COORDINATOR, project=project)
    with override(user.language):
        send_mail(
            subject=_("buddynet: you coordinate %(project)s") % {"project": project.name},
            message=_("Hello,\n\nYou are now also a coordinator of %(project)s on buddynet. Sign in as "
                      "usual.\n") % {"project": project.name},
            from_email=None, recipient_list=[user.email],
        )
    return membership


@transaction.atomic
def coordinator_invitation_resend(*, user: User, organisation_id: int, by: User, base_url: str) -> Invitation:
    """A fresh enrolment link for a coordinator of the organisation who has not signed in yet."""
    _check_org_admin(by=by, organisation_id=organisation_id)
    membership = (Membership.objects.select_related("project__organisation")
                  .filter(user=user, role=Role.COORDINATOR, project__organisation_id=organisation_id).first())
    if membership is None:
        raise NotAllowed(_("This person is not a coordinator of your organisation."))
    if user.last_login is not None or user.has_usable_password():
        raise Conflict(_("This coordinator has already chosen a password."))
    return _send_enrolment(user=user, project=membership.project, by=by, base_url=base_url)


# --- Funder viewers, invited by the administrator of an organisation the funder funds ----------
def _check_funds_organisation(*, funder: Any, organisation_id: int, by: User) -> None:
    from buddynet.records.people.models import Project

    if organisation_id not in roles_of(by).administered_organisation_ids:
        raise NotAllowed(_("Only an administrator of this organisation can invite its funders' viewers."))
    # Grants live in features/funding (a base record imports no feature): read through the relation name.
    if not Project.objects.filter(organisation_id=organisation_id, grants__funder=funder).exists():
        raise NotAllowed(_("This funder funds none of your organisation's projects."))


def _send_funder_enrolment(*, user: User, funder: Any, organisation: Any, by: User, base_url: str) -> Invitation:
    with override(user.language):
        send_mail(
            subject=_("Welcome to buddynet: choose your password"),
            message=_(
                "Hello %(name)s,\n\n%(organisation)s has made you a viewer for %(funder)s on buddynet: "
                "you read the grants and reports of the projects %(funder)s funds.\n\nChoose your "
                "password with this link:\n\n%(link)s\n\nThe link works once. When you sign in the first "
                "time, buddynet asks you to set up a second factor (an authenticator app on your phone).\n"
            ) % {"name": user.full_name or user.email, "organisation": organisation.name, "funder": funder.name,
                 "link": enrolment_link(user=user, base_url=base_url)},
            from_email=None, recipient_list=[user.email],
        )
    invitation = Invitation.objects.create(user=user, role=Role.FUNDER, invited_by=by)
    log.info("funder viewer invitation sent to user %s by user %s", user.pk, by.pk)
    return invitation


@transaction.atomic
def funder_viewer_invite(*, funder: Any, organisation: Any, email: str, full_name: str, by: User,
                         base_url: str) -> Membership:
    """Give a funder that funds one of the caller's organisation's projects a new viewer account.

    A funder viewer is an office-like role (a second factor, security/two_factor.py), so they get
    the enrolment link (choose a password) like a coordinator. An address already in use by any
    account is refused (409): one address is one account, nothing is linked across organisations.
    """
    _check_funds_organisation(funder=funder, organisation_id=organisation.pk, by=by)
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if Membership.objects.filter(user=existing, role=Role.FUNDER, funder=funder).exists():
            raise Conflict(_("This person is already a viewer for this funder."))
        raise Conflict(_("This e-mail address is already used by another buddynet account. "
                         "Use another address for this viewer."))
    user = User(email=email, full_name=full_name.strip(), language="nl-be")
    user.set_unusable_password()
    user.full_clean()
    user.save()
    membership = Membership(user=user, role=Role.FUNDER, funder=funder)
    membership.full_clean()
    membership.save()
    forget_roles(user)
    _send_funder_enrolment(user=user, funder=funder, organisation=organisation, by=by, base_url=base_url)
    return membership


@transaction.atomic
def funder_viewer_invitation_resend(*, user: User, organisation: Any, by: User, base_url: str) -> Invitation:
    """A fresh enrolment link for a viewer of a funder of the organisation who has not chosen a password."""
    if organisation.pk not in roles_of(by).administered_organisation_ids:
        raise NotAllowed(_("Only an administrator of this organisation can invite its funders' viewers."))
    membership = (Membership.objects.select_related("funder")
                  .filter(user=user, role=Role.FUNDER, funder__grants__project__organisation_id=organisation.pk)
                  .first())
    if membership is None:
        raise NotAllowed(_("This person is not a viewer of a funder of your organisation."))
    if user.last_login is not None or user.has_usable_password():
        raise Conflict(_("This viewer has already chosen a password."))
    return _send_funder_enrolment(user=user, funder=membership.funder, organisation=organisation, by=by,
                                  base_url=base_url)
