from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buddynet.vocabulary import LifeDomain


class DuoStatus(models.TextChoices):
    PROPOSED = "proposed", _("Voorgesteld")
    INTRODUCED = "introduced", _("Kennismaking gebeurd")
    ACTIVE = "active", _("Actief")
    PAUSED = "paused", _("Gepauzeerd")
    CLOSED = "closed", _("Afgesloten")


OPEN_STATUSES: tuple[str, ...] = (
    DuoStatus.PROPOSED, DuoStatus.INTRODUCED, DuoStatus.ACTIVE, DuoStatus.PAUSED,
)


class ClosureReason(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("Doelen bereikt")
    PLANNED_END = "planned_end", _("Geplande einde van het traject")
    PARTICIPANT_STOPPED = "participant_stopped", _("Deelnemer stopt")
    VOLUNTEER_STOPPED = "volunteer_stopped", _("Vrijwilliger stopt")
    NO_CLICK = "no_click", _("Geen klik")
    MOVED = "moved", _("Verhuisd")
    HEALTH = "health", _("Gezondheid")
    REFERRED = "referred", _("Doorverwezen naar een andere dienst")
    CONFLICT = "conflict", _("Conflict of grensoverschrijdend gedrag")
    NOT_STARTED = "not_started", _("Kennismaking ging niet door")
    OTHER = "other", _("Andere")


class NextStep(models.TextChoices):
    REMATCH = "rematch", _("Nieuwe koppeling")
    REFERRAL = "referral", _("Doorverwijzing naar een dienst")
    END = "end", _("Einde van de begeleiding")


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
        verbose_name=_("vrijwilliger"),
    )
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="duos",
        verbose_name=_("deelnemer"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DuoStatus.choices, default=DuoStatus.PROPOSED,
    )
    proposed_on = models.DateField(_("voorgesteld op"))
    introduced_on = models.DateField(_("kennismaking op"), null=True, blank=True)
    started_on = models.DateField(_("gestart op"), null=True, blank=True)
    paused_on = models.DateField(_("gepauzeerd sinds"), null=True, blank=True)
    pause_reason = models.CharField(_("reden pauze"), max_length=200, blank=True)
    planned_end_on = models.DateField(_("gepland einde"), null=True, blank=True)
    next_meeting_on = models.DateField(_("volgende afspraak"), null=True, blank=True)
    closed_on = models.DateField(_("afgesloten op"), null=True, blank=True)
    closure_reason = models.CharField(
        _("reden van afsluiting"), max_length=30, choices=ClosureReason.choices, blank=True,
    )
    closure_note = models.TextField(_("toelichting bij de afsluiting"), blank=True)
    evaluation_volunteer = models.PositiveSmallIntegerField(
        _("evaluatie door de vrijwilliger (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    evaluation_participant = models.PositiveSmallIntegerField(
        _("evaluatie door de deelnemer (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    next_step = models.CharField(
        _("wat daarna voor de deelnemer"), max_length=20, choices=NextStep.choices, blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("duo")
        verbose_name_plural = _("duo's")
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
        OPEN = "open", _("Lopend")
        ACHIEVED = "achieved", _("Bereikt")
        DROPPED = "dropped", _("Losgelaten")

    duo = models.ForeignKey(Duo, on_delete=models.CASCADE, related_name="goals", verbose_name=_("duo"))
    life_domain = models.CharField(_("levensdomein"), max_length=20, choices=LifeDomain.choices)
    description = models.CharField(_("doel"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description


class CheckInMode(models.TextChoices):
    IN_PERSON = "in_person", _("Face to face")
    PHONE = "phone", _("Telefoon")
    VIDEO = "video", _("Videogesprek")
    MESSAGE = "message", _("Bericht")


class Activity(models.TextChoices):
    TALK = "talk", _("Babbel / koffie")
    WALK = "walk", _("Wandeling")
    ERRANDS = "errands", _("Boodschappen")
    PAPERWORK = "paperwork", _("Papieren en administratie")
    OUTING = "outing", _("Uitstap")
    APPOINTMENT = "appointment", _("Samen naar een afspraak")
    MEAL = "meal", _("Samen eten")
    ACTIVITY = "activity", _("Vrijetijdsactiviteit")
    OTHER = "other", _("Iets anders")


class CheckIn(models.Model):
    """A contact moment logged by a volunteer (or the coordinator) for a duo.

    `client_uuid` is made by the phone when the volunteer taps save; a phone that sends the
    same check-in twice (flaky network, offline queue) stores it once.
    """

    MAX_DURATION_MINUTES = 720

    duo = models.ForeignKey(Duo, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("duo"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="check_ins",
        verbose_name=_("auteur"),
    )
    client_uuid = models.UUIDField(_("client-UUID"), unique=True, default=uuid.uuid4)
    date = models.DateField(_("datum"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duur (minuten)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    mode = models.CharField(_("soort contact"), max_length=20, choices=CheckInMode.choices)
    activities = models.JSONField(_("wat deden jullie"), default=list, blank=True)
    life_domains = models.JSONField(_("levensdomeinen"), default=list, blank=True)
    mood = models.PositiveSmallIntegerField(
        _("hoe ging het (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    note = models.TextField(_("notitie"), blank=True)
    concern = models.BooleanField(_("ik maak me zorgen"), default=False)
    concern_note = models.TextField(_("zorg voor de coördinator"), blank=True)
    concern_handled_at = models.DateTimeField(_("zorg opgevolgd op"), null=True, blank=True)
    concern_handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    concern_handled_note = models.TextField(_("opvolging van de zorg"), blank=True)
    new_contacts = models.JSONField(
        _("nieuwe contacten"), default=list, blank=True,
        help_text=_("Mensen die de deelnemer via de buddy leerde kennen: label, categorie, levensdomein."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contactmoment")
        verbose_name_plural = _("contactmomenten")
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
        return f"{self.duo} · {self.date}"
