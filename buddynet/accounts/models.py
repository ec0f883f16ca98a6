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
    COORDINATOR = "coordinator", _("Coordinator")
    VOLUNTEER = "volunteer", _("Volunteer")
    FUNDER = "funder", _("Funder (read-only)")


class Membership(models.Model):
    """A role in a scope. The scope column that must be set depends on the role:

    administrator → none (all organisations), coordinator → project,
    volunteer → volunteer record, funder → funder.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role=Role.ADMINISTRATOR, project=None, volunteer=None, funder=None)
                    | Q(role=Role.COORDINATOR, project__isnull=False, volunteer=None, funder=None)
                    | Q(role=Role.VOLUNTEER, project=None, volunteer__isnull=False, funder=None)
                    | Q(role=Role.FUNDER, project=None, volunteer=None, funder__isnull=False)
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
        ]

    def __str__(self) -> str:
        scope = self.project or self.volunteer or self.funder or _("all organisations")
        return f"{self.user} · {self.get_role_display()} · {scope}"
