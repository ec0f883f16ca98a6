from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buddynet.validators import NameField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. E-mail is the login; roles come from memberships."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = NameField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=[("nl-be", "Nederlands"), ("en", "English")],
        default="nl-be",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("admin access"), default=False,
        help_text=_("May sign in to the admin pages (coordinators and administrators)."),
    )
    date_joined = models.DateTimeField(_("created on"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    VOLUNTEER = "volunteer", _("Volunteer")
    FUNDER = "funder", _("Funder (read-only)")


class Membership(models.Model):
    """A role in a scope. The scope column that must be set depends on the role:

    administrator → none (the platform), organisation administrator → organisation,
    coordinator → project, volunteer → volunteer record, funder → funder.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    project = models.ForeignKey(
        "people.Project", null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships", verbose_name=_("project"),
    )
    volunteer = models.OneToOneField(
        "people.Volunteer", null=True, blank=True, on_delete=models.CASCADE,
        related_name="membership", verbose_name=_("volunteer"),
    )
    funder = models.ForeignKey(
        "people.Funder", null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships", verbose_name=_("funder"),
    )
    organisation = models.ForeignKey(
        "people.Organisation", null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships", verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role=Role.ADMINISTRATOR, project=None, volunteer=None, funder=None, organisation=None)
                    | Q(role=Role.ORG_ADMIN, project=None, volunteer=None, funder=None, organisation__isnull=False)
                    | Q(role=Role.COORDINATOR, project__isnull=False, volunteer=None, funder=None, organisation=None)
                    | Q(role=Role.VOLUNTEER, project=None, volunteer__isnull=False, funder=None, organisation=None)
                    | Q(role=Role.FUNDER, project=None, volunteer=None, funder__isnull=False, organisation=None)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "project"], name="unique_coordinator_membership",
                condition=Q(role=Role.COORDINATOR),
            ),
            models.UniqueConstraint(
                fields=["user", "role"], name="unique_admin_membership",
                condition=Q(role=Role.ADMINISTRATOR),
            ),
            models.UniqueConstraint(
                fields=["user", "funder"], name="unique_funder_membership",
                condition=Q(role=Role.FUNDER),
            ),
            models.UniqueConstraint(
                fields=["user", "organisation"], name="unique_org_admin_membership",
                condition=Q(role=Role.ORG_ADMIN),
            ),
        ]

    def __str__(self) -> str:
        scope = self.project or self.volunteer or self.funder or self.organisation or _("all organisations")
        return f"{self.user} · {self.get_role_display()} · {scope}"


class Invitation(models.Model):
    """One sign-in link sent to a new account by the office (accounts/invitations.py): the first
    invitation and every resend is a row. The account's first sign-in is User.last_login; until
    it is set the office page shows "expected first sign-in"."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("invited by"),
    )
    sent_at = models.DateTimeField(_("sent on"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.sent_at:%Y-%m-%d}"


class SupportAccess(models.Model):
    """An organisation administrator lets the platform administrators read the organisation's
    participant records for a while (issue 16): logged, time-limited, with a reason. Without one,
    a platform administrator reads no participant of the organisation (people.selectors).
    Rows are never deleted by the application: ending one early sets revoked_at."""

    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.CASCADE, related_name="support_accesses",
        verbose_name=_("organisation"),
    )
    granted_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("granted by"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    granted_at = models.DateTimeField(_("granted on"), default=timezone.now)
    until = models.DateTimeField(_("until"))
    revoked_at = models.DateTimeField(_("ended on"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ended by"),
    )

    class Meta:
        verbose_name = _("support access")
        verbose_name_plural = _("support accesses")
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["organisation", "until"])]

    def __str__(self) -> str:
        return f"{self.organisation_id} · {self.until:%Y-%m-%d %H:%M}"
