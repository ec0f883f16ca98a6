from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buddynet.crypto import EncryptedCharField, EncryptedTextField
from buddynet.validators import EncryptedNameField, plausible_date
from buddynet.vocabulary import LifeDomain


class DuoStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    INTRODUCED = "introduced", _("Introduced")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES: tuple[str, ...] = (
    DuoStatus.PROPOSED, DuoStatus.INTRODUCED, DuoStatus.ACTIVE, DuoStatus.PAUSED,
)


class ClosureReason(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("Goals reached")
    PLANNED_END = "planned_end", _("Planned end of the programme")
    PARTICIPANT_STOPPED = "participant_stopped", _("Participant stops")
    VOLUNTEER_STOPPED = "volunteer_stopped", _("Volunteer stops")
    NO_CLICK = "no_click", _("No click")
    MOVED = "moved", _("Moved away")
    HEALTH = "health", _("Health")
    REFERRED = "referred", _("Referred to another service")
    CONFLICT = "conflict", _("Conflict or inappropriate behaviour")
    NOT_STARTED = "not_started", _("Introduction did not take place")
    OTHER = "other", _("Other")


class NextStep(models.TextChoices):
    REMATCH = "rematch", _("New match")
    REFERRAL = "referral", _("Referral to a service")
    END = "end", _("End of support")


class Duo(models.Model):
    """A volunteer paired with a participant, through its lifecycle.

    proposed → introduced → active ⇄ paused → closed; any open state may close.
    The transitions live in duos/services.py.
    """

    project = models.ForeignKey(
        "people.Project", on_delete=models.PROTECT, related_name="duos", verbose_name=_("project"),
    )
    volunteer = models.ForeignKey(
        "people.Volunteer", on_delete=models.PROTECT, related_name="duos",
        verbose_name=_("volunteer"),
    )
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="duos",
        verbose_name=_("participant"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DuoStatus.choices, default=DuoStatus.PROPOSED,
    )
    proposed_on = models.DateField(_("proposed on"), validators=[plausible_date])
    introduced_on = models.DateField(_("introduced on"), null=True, blank=True, validators=[plausible_date])
    started_on = models.DateField(_("started on"), null=True, blank=True, validators=[plausible_date])
    paused_on = models.DateField(_("paused since"), null=True, blank=True, validators=[plausible_date])
    # Free text about a person: encrypted at rest (buddynet/privacy.py ENCRYPTED).
    pause_reason = EncryptedCharField(_("reason for the pause"), max_length=200, blank=True)
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True, validators=[plausible_date])
    next_meeting_on = models.DateField(_("next meeting"), null=True, blank=True, validators=[plausible_date])
    closed_on = models.DateField(_("closed on"), null=True, blank=True, validators=[plausible_date])
    closure_reason = models.CharField(
        _("reason for closing"), max_length=30, choices=ClosureReason.choices, blank=True,
    )
    closure_note = EncryptedTextField(_("note on the closing"), blank=True)
    evaluation_volunteer = models.PositiveSmallIntegerField(
        _("evaluation by the volunteer (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    evaluation_participant = models.PositiveSmallIntegerField(
        _("evaluation by the participant (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    next_step = models.CharField(
        _("next step for the participant"), max_length=20, choices=NextStep.choices, blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("duo")
        verbose_name_plural = _("duos")
        ordering = ["-proposed_on", "-id"]
        indexes = [models.Index(fields=["project", "status"]), models.Index(fields=["volunteer", "status"])]
        constraints = [
            # A participant has at most one open duo: the database refuses a second one even
            # when two requests race past the service's own check.
            models.UniqueConstraint(
                fields=["participant"], condition=~Q(status=DuoStatus.CLOSED),
                name="one_open_duo_per_participant",
            ),
            models.CheckConstraint(
                name="closed_duo_has_reason_and_date",
                condition=~Q(status=DuoStatus.CLOSED)
                | (Q(closed_on__isnull=False) & ~Q(closure_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer.first_name} & {self.participant.first_name}"

    @property
    def is_open(self) -> bool:
        return self.status != DuoStatus.CLOSED


class Goal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    duo = models.ForeignKey(Duo, on_delete=models.CASCADE, related_name="goals", verbose_name=_("duo"))
    life_domain = models.CharField(_("life domain"), max_length=20, choices=LifeDomain.choices)
    description = EncryptedNameField(_("goal"), max_length=300)  # encrypted at rest, text cleaned
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description


class CheckInMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")
    MESSAGE = "message", _("Message")


class Activity(models.TextChoices):
    TALK = "talk", _("Chat / coffee")
    WALK = "walk", _("Walk")
    ERRANDS = "errands", _("Errands")
    PAPERWORK = "paperwork", _("Paperwork and admin")
    OUTING = "outing", _("Outing")
    APPOINTMENT = "appointment", _("Going to an appointment together")
    MEAL = "meal", _("Eating together")
    ACTIVITY = "activity", _("Leisure activity")
    OTHER = "other", _("Something else")


class CheckIn(models.Model):
    """A contact moment logged by a volunteer (or the coordinator) for a duo.

    `client_uuid` is made by the phone when the volunteer taps save; a phone that sends the
    same check-in twice (flaky network, offline queue) stores it once.
    """

    MAX_DURATION_MINUTES = 720

    duo = models.ForeignKey(Duo, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("duo"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="check_ins",
        verbose_name=_("author"),
    )
    client_uuid = models.UUIDField(_("client UUID"), unique=True, default=uuid.uuid4)
    date = models.DateField(_("date"), validators=[plausible_date])
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    mode = models.CharField(_("type of contact"), max_length=20, choices=CheckInMode.choices)
    activities = models.JSONField(_("what did you do"), default=list, blank=True)
    life_domains = models.JSONField(_("life domains"), default=list, blank=True)
    mood = models.PositiveSmallIntegerField(
        _("how did it go (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # The three notes are encrypted at rest (buddynet/privacy.py ENCRYPTED).
    note = EncryptedTextField(_("note"), blank=True)
    concern = models.BooleanField(_("I am worried"), default=False)
    concern_note = EncryptedTextField(_("concern for the coordinator"), blank=True)
    concern_handled_at = models.DateTimeField(_("concern handled on"), null=True, blank=True)
    concern_handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("concern handled by"),
    )
    concern_handled_note = EncryptedTextField(_("follow-up of the concern"), blank=True)
    new_contacts = models.JSONField(
        _("new contacts"), default=list, blank=True,
        help_text=_("People the participant got to know through the buddy: label, category, life domain."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["duo", "date"])]
        constraints = [
            models.CheckConstraint(
                name="check_in_duration_in_range",
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=720),
            ),
            models.CheckConstraint(
                name="check_in_mood_in_range",
                condition=Q(mood__isnull=True) | Q(mood__gte=1, mood__lte=5),
            ),
        ]

    def __str__(self) -> str:
        # No names from the duo: str() runs on every save (the audit log asks for it) and in
        # admin lists, where reading two people per row would cost two queries each.
        return _("Contact of %(date)s") % {"date": self.date}


class VolunteerDay(models.Model):
    """A day on which a volunteer volunteered, for the flat-rate allowance (forfaitaire
    vrijwilligersvergoeding). Only the days are stored here; amounts and the legal daily and
    yearly caps belong to funding, which reads these rows."""

    volunteer = models.ForeignKey(
        "people.Volunteer", on_delete=models.CASCADE, related_name="volunteer_days",
        verbose_name=_("volunteer"),
    )
    date = models.DateField(_("date"), validators=[plausible_date])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("day volunteered")
        verbose_name_plural = _("days volunteered")
        ordering = ["-date", "-id"]
        constraints = [
            # One row a day: marking a day twice (two taps, two tabs) cannot count it twice.
            models.UniqueConstraint(fields=["volunteer", "date"], name="one_volunteer_day_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.date}"
