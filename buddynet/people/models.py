from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buddynet.vocabulary import Gender, GenderPreference, Mobility


class Organisation(models.Model):
    class Kind(models.TextChoices):
        OCMW = "ocmw", _("OCMW / lokaal bestuur")
        CAW = "caw", _("CAW")
        NONPROFIT = "nonprofit", _("vzw")
        OTHER = "other", _("Andere")

    name = models.CharField(_("naam"), max_length=200, unique=True)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices, default=Kind.NONPROFIT)
    enterprise_number = models.CharField(_("ondernemingsnummer"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A buddy project run by an organisation, with the settings that drive follow-up."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("naam"), max_length=200)
    start_date = models.DateField(_("startdatum"), null=True, blank=True)
    end_date = models.DateField(_("einddatum"), null=True, blank=True)
    contact_cadence_days = models.PositiveSmallIntegerField(
        _("verwachte contactfrequentie (dagen)"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Een duo spreekt minstens om de zoveel dagen af."),
    )
    quiet_alert_days = models.PositiveSmallIntegerField(
        _("dagen stilte voor een signaal"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    planned_duo_months = models.PositiveSmallIntegerField(
        _("geplande duur van een duo (maanden)"), default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    default_max_travel_km = models.PositiveSmallIntegerField(
        _("standaard maximale reisafstand (km)"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
    )
    matching_weights = models.JSONField(
        _("gewichten voor de matching"), default=dict, blank=True,
        help_text=_("Per criterium een gewicht; leeg = standaardgewichten van de matcher."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projecten")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unique_project_name"),
            models.CheckConstraint(
                name="project_dates_in_order",
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """What participants and volunteers share: identity, place, languages, time, interests."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, verbose_name=_("project"))
    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("familienaam"), max_length=100)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("geboortejaar"), null=True, blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4)
    municipality = models.CharField(_("gemeente"), max_length=100, blank=True)
    latitude = models.FloatField(_("breedtegraad"), null=True, blank=True)
    longitude = models.FloatField(_("lengtegraad"), null=True, blank=True)
    mobility = models.CharField(
        _("mobiliteit"), max_length=20, choices=Mobility.choices, default=Mobility.PUBLIC_TRANSPORT,
    )
    languages = models.JSONField(_("talen"), default=list, blank=True)
    interests = models.JSONField(_("interesses"), default=list, blank=True)
    availability = models.JSONField(
        _("beschikbaarheid"), default=list, blank=True,
        help_text=_('Lijst van dagdelen, bv. ["mon_evening", "sat_morning"].'),
    )
    gender_preference = models.CharField(
        _("voorkeur gender van de ander"), max_length=3, choices=GenderPreference.choices,
        default=GenderPreference.ANY,
    )
    preferred_age_min = models.PositiveSmallIntegerField(_("voorkeur leeftijd vanaf"), null=True, blank=True)
    preferred_age_max = models.PositiveSmallIntegerField(_("voorkeur leeftijd tot"), null=True, blank=True)
    notes = models.TextField(_("notities"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Participant(Person):
    class Status(models.TextChoices):
        INTAKE = "intake", _("In intake")
        WAITING = "waiting", _("Wacht op een buddy")
        MATCHED = "matched", _("Gekoppeld")
        CLOSED = "closed", _("Afgesloten")
        WITHDRAWN = "withdrawn", _("Haakte af")

    class ConsentScope(models.TextChoices):
        BASIC = "basic", _("Gegevens voor de begeleiding")
        NETWORK = "network", _("Gegevens + netwerkkaart")
        RESEARCH = "research", _("Gegevens + netwerkkaart + anonieme rapportering")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="participants", verbose_name=_("project"),
    )
    referred_by = models.CharField(_("doorverwezen door"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INTAKE)
    waiting_since = models.DateField(_("wacht sinds"), null=True, blank=True)
    needs = models.JSONField(
        _("noden per levensdomein"), default=dict, blank=True,
        help_text=_("Per levensdomein 0 (geen) tot 3 (groot)."),
    )
    interpreter_arranged = models.BooleanField(_("tolk geregeld"), default=False)
    consent_date = models.DateField(_("toestemming gegeven op"), null=True, blank=True)
    consent_scope = models.CharField(
        _("reikwijdte van de toestemming"), max_length=20, choices=ConsentScope.choices, blank=True,
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("toestemming genoteerd door"),
    )

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["project", "status"])]
        constraints = [
            # Consent is a whole record or nothing: date and scope go together.
            models.CheckConstraint(
                name="participant_consent_complete",
                condition=Q(consent_date__isnull=True, consent_scope="")
                | (Q(consent_date__isnull=False) & ~Q(consent_scope="")),
            ),
        ]

    @property
    def has_consent(self) -> bool:
        return self.consent_date is not None


class Volunteer(Person):
    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Kandidaat")
        SCREENING = "screening", _("In screening")
        ACTIVE = "active", _("Actief")
        PAUSED = "paused", _("Neemt pauze")
        STOPPED = "stopped", _("Gestopt")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("project"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.APPLICANT)
    intake_date = models.DateField(_("intakegesprek op"), null=True, blank=True)
    training_date = models.DateField(_("vorming gevolgd op"), null=True, blank=True)
    criminal_record_checked_on = models.DateField(
        _("uittreksel strafregister (model 2) gecontroleerd op"), null=True, blank=True,
    )
    capacity = models.PositiveSmallIntegerField(
        _("aantal duo's tegelijk"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    max_travel_km = models.PositiveSmallIntegerField(
        _("maximale reisafstand (km)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("Leeg = standaard van het project."),
    )
    strengths = models.JSONField(
        _("sterktes per levensdomein"), default=dict, blank=True,
        help_text=_("Per levensdomein 0 (geen) tot 3 (sterk)."),
    )
    waiting_since = models.DateField(_("beschikbaar sinds"), null=True, blank=True)

    class Meta:
        verbose_name = _("vrijwilliger")
        verbose_name_plural = _("vrijwilligers")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["project", "status"])]
        constraints = [
            models.CheckConstraint(
                name="volunteer_capacity_positive", condition=Q(capacity__gte=1),
            ),
        ]

    @property
    def screening_complete(self) -> bool:
        return None not in (self.intake_date, self.training_date, self.criminal_record_checked_on)
