"""Aftercare (nazorg): the contacts planned after a duo closes, and the project's rules for them.

A closing duo gets its aftercare planned by the project's AftercareSettings (default: a contact
1 and 3 months after the closure, and a closure network map when none was made). Each planned
item is reminded to the coordinators once, on its day, by the notification rules; the
coordinator logs the contact like a check-in. A re-opened duo cancels what is still planned.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buddynet.crypto import EncryptedTextField
from buddynet.records.duos.models import CheckInMode
from buddynet.validators import plausible_date
from buddynet.vocabulary import LifeDomain

DEFAULT_CONTACT_MONTHS = (1, 3)
DEFAULT_INTERIM_MAP_MONTHS = 6


def default_contact_months() -> list[int]:
    return list(DEFAULT_CONTACT_MONTHS)


def validate_contact_months(value: Any) -> None:
    if (not isinstance(value, list) or len(value) > 6
            or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 24 for v in value)
            or len(set(value)) != len(value)):
        raise ValidationError(_("Give at most 6 different numbers of months between 1 and 24, e.g. [1, 3]."))


class AftercareSettings(models.Model):
    """One project's aftercare rules. No row = the defaults."""

    project = models.OneToOneField(
        "people.Project", on_delete=models.CASCADE, related_name="aftercare_settings", verbose_name=_("project"),
    )
    contact_months = models.JSONField(
        _("aftercare contacts (months after closure)"), default=default_contact_months, blank=True,
        validators=[validate_contact_months],
    )
    closure_map = models.BooleanField(_("plan a closure network map when none was made"), default=True)
    interim_map_months = models.PositiveSmallIntegerField(
        _("remind an interim network map every (months)"), default=DEFAULT_INTERIM_MAP_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )

    class Meta:
        verbose_name = _("aftercare rules of a project")
        verbose_name_plural = _("aftercare rules of projects")

    def __str__(self) -> str:
        return str(self.project)


class ItemKind(models.TextChoices):
    CONTACT = "contact", _("Aftercare contact")
    CLOSURE_MAP = "closure_map", _("Closure network map")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class AftercareItem(models.Model):
    duo = models.ForeignKey("duos.Duo", on_delete=models.CASCADE, related_name="aftercare_items",
                            verbose_name=_("duo"))
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    due_on = models.DateField(_("due on"), validators=[plausible_date])
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    done_on = models.DateField(_("done on"), validators=[plausible_date], null=True, blank=True)
    mode = models.CharField(_("type of contact"), max_length=20, choices=CheckInMode.choices, blank=True)
    # Encrypted at rest (buddynet/privacy.py ENCRYPTED): how the participant is doing.
    note = EncryptedTextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("logged by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("aftercare item")
        verbose_name_plural = _("aftercare items")
        ordering = ["due_on", "id"]
        constraints = [
            # Closing twice (closed, re-opened, closed) plans again; never two planned of one kind on one day.
            models.UniqueConstraint(fields=["duo", "kind", "due_on"], condition=Q(status="planned"),
                                    name="aftercare_item_planned_once"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="aftercare_item_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"


# --- referrals (issue 18 item 3) ---------------------------------------------------------------
class ServiceKind(models.TextChoices):
    OCMW = "ocmw", _("OCMW/CPAS")
    CAW = "caw", _("CAW (general welfare work)")
    DEBT = "debt", _("Debt mediation")
    EMPLOYMENT = "employment", _("Employment services")
    HOUSING = "housing", _("Housing")
    OTHER = "other", _("Other")


class ReferralService(models.Model):
    """One service in a project's directory: where a participant can be referred to."""

    project = models.ForeignKey("people.Project", on_delete=models.CASCADE, related_name="referral_services",
                                verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind of service"), max_length=20, choices=ServiceKind.choices)
    municipality = models.CharField(_("municipality"), max_length=80, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["project_id", "kind", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name", "municipality"],
                                               name="referral_service_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality})" if self.municipality else self.name


class ReferralOutcome(models.TextChoices):
    STARTED = "started", _("Support started")
    WAITING = "waiting", _("On a waiting list")
    NOT_TAKEN_UP = "not_taken_up", _("Not taken up by the participant")
    REFUSED = "refused", _("Not accepted by the service")
    OTHER = "other", _("Other")


class Referral(models.Model):
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="referrals",
                                    verbose_name=_("participant"))
    service = models.ForeignKey(ReferralService, on_delete=models.PROTECT, related_name="referrals",
                                verbose_name=_("service"))
    date = models.DateField(_("date"), validators=[plausible_date])
    life_domain = models.CharField(_("life domain"), max_length=20, choices=LifeDomain.choices)
    # Encrypted at rest (buddynet/privacy.py ENCRYPTED): why, in the participant's situation.
    reason = EncryptedTextField(_("reason"), blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("referred by"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReferralOutcome.choices, blank=True)
    outcome_on = models.DateField(_("outcome known on"), validators=[plausible_date], null=True, blank=True)
    outcome_note = EncryptedTextField(_("about the outcome"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["outcome", "date"], name="referral_open")]

    def __str__(self) -> str:
        return f"{self.service} {self.date}"


# --- the participant's voice (issue 18 item 4) --------------------------------------------------
class Moment(models.TextChoices):
    INTAKE = "intake", _("At intake (expectations)")
    FIRST_MEETING = "first_meeting", _("After the first meeting")
    INTERIM = "interim", _("Along the way")
    CLOSURE = "closure", _("At closure")


class Respondent(models.TextChoices):
    PARTICIPANT = "participant", _("The participant")
    VOLUNTEER = "volunteer", _("The volunteer")


class Source(models.TextChoices):
    PHONE = "phone", _("On the phone")
    PAPER = "paper", _("From paper")


# The questions, each answered with one of five faces (1 = very sad … 5 = very happy) or skipped.
# "fit" is asked after the first meeting only, of both sides: a poor answer alerts the coordinator.
QUESTIONS = ("heard", "decide", "network", "recommend", "fit")
POOR = 2  # an answer of 1 or 2 faces is poor


def _face(label: Any) -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(label, null=True, blank=True,
                                            validators=[MinValueValidator(1), MaxValueValidator(5)])


class Evaluation(models.Model):
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="evaluations",
                                    verbose_name=_("participant"))
    duo = models.ForeignKey("duos.Duo", null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations",
                            verbose_name=_("duo"))
    moment = models.CharField(_("moment"), max_length=20, choices=Moment.choices)
    respondent = models.CharField(_("who answers"), max_length=20, choices=Respondent.choices,
                                  default=Respondent.PARTICIPANT)
    source = models.CharField(_("how"), max_length=10, choices=Source.choices, default=Source.PHONE)
    date = models.DateField(_("date"), validators=[plausible_date])
    heard = _face(_("I feel heard"))
    decide = _face(_("I decide for myself"))
    network = _face(_("I know more people I can count on"))
    recommend = _face(_("I would tell others to do this"))
    fit = _face(_("It clicks with my buddy"))
    # Encrypted at rest (buddynet/privacy.py ENCRYPTED): the participant's own words.
    own_words = EncryptedTextField(_("in my own words"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_moment_display()} {self.date}"

    @property
    def poor_fit(self) -> bool:
        return self.moment == Moment.FIRST_MEETING and self.fit is not None and self.fit <= POOR
