from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buddynet.crypto import EncryptedTextField
from buddynet.validators import NameField, plausible_date
from buddynet.vocabulary import Gender, GenderPreference, Mobility

DEFAULT_GRANT_CAP = Decimal("50000.00")

# Characters that would break out of an e-mail display name (header injection, a forged address).
_SENDER_NAME_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>"@,;:\\]')


def validate_sender_name(value: str) -> None:
    if _SENDER_NAME_FORBIDDEN.search(value):
        raise ValidationError(
            _("A sender name is a plain name: no line breaks, quotes, backslashes or the characters < > @ , ; :")
        )


class Organisation(models.Model):
    class Kind(models.TextChoices):
        OCMW = "ocmw", _("OCMW / local government")
        CAW = "caw", _("CAW")
        NONPROFIT = "nonprofit", _("Non-profit (vzw)")
        OTHER = "other", _("Other")

    name = NameField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.NONPROFIT)
    enterprise_number = models.CharField(_("enterprise number"), max_length=20, blank=True)
    # Notification e-mail to this organisation's people says who it is from: "<sender name> via
    # buddynet" with buddynet's own address (DEFAULT_FROM_EMAIL: the domain whose SPF/DKIM the
    # mail server signs for), and answers go to the organisation's reply-to address.
    email_sender_name = models.CharField(
        _("e-mail sender name"), max_length=80, blank=True, validators=[validate_sender_name],
        help_text=_("Shown as “<name> via buddynet” in the From of notification e-mails. Empty: buddynet."),
    )
    email_reply_to = models.EmailField(
        _("e-mail reply-to address"), blank=True,
        help_text=_("Where answers to notification e-mails go. Empty: no reply-to."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A buddy project run by an organisation, with the settings that drive follow-up."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects",
        verbose_name=_("organisation"),
    )
    name = NameField(_("name"), max_length=200)
    start_date = models.DateField(_("start date"), null=True, blank=True, validators=[plausible_date])
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=[plausible_date])
    contact_cadence_days = models.PositiveSmallIntegerField(
        _("expected contact frequency (days)"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A duo meets at least once every so many days."),
    )
    quiet_alert_days = models.PositiveSmallIntegerField(
        _("days of silence before an alert"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    planned_duo_months = models.PositiveSmallIntegerField(
        _("planned length of a duo (months)"), default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    default_max_travel_km = models.PositiveSmallIntegerField(
        _("default maximum travel distance (km)"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
    )
    # GDPR storage limitation (issue 9): the nightly purge anonymises a participant this many
    # months after their last duo closed, and a volunteer this many months after they stopped
    # (buddynet/security/retention.py).
    retention_months = models.PositiveSmallIntegerField(
        _("keep personal data after the last duo closed or the volunteer stopped (months)"), default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    # Screening is a rule (issue 16): a criminal-record extract (model 2) older than this makes the
    # volunteer unmatchable and blocks new duos (buddynet/records/people/screening.py); the coordinator is
    # warned ahead of expiry and on the day (notifications/rules.py reads the same number).
    screening_valid_months = models.PositiveSmallIntegerField(
        _("criminal record extract (model 2) valid for (months)"), default=36,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    matching_weights = models.JSONField(
        _("matching weights"), default=dict, blank=True,
        help_text=_("One weight per criterion; empty = the matcher's default weights."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
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

    def clean(self) -> None:
        # The coordinators' "gone quiet" alert comes no earlier than the volunteer's reminder
        # (issue 16): every channel that saves a project (API, back office, the organisation
        # administrator's follow-up page) goes through full_clean.
        if (self.quiet_alert_days is not None and self.contact_cadence_days is not None
                and self.quiet_alert_days < self.contact_cadence_days):
            raise ValidationError({"quiet_alert_days": _(
                "At least the expected contact frequency (%(days)d days): the coordinators are alerted after the "
                "volunteer is reminded.") % {"days": self.contact_cadence_days}})


class Funder(models.Model):
    name = NameField(_("name"), max_length=200, unique=True)
    grant_cap = models.DecimalField(
        _("maximum amount of one grant"), default=DEFAULT_GRANT_CAP, validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("A grant of this funder may not be larger (the Flemish government: EUR 50,000)."),
        max_digits=12, decimal_places=2,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        # Moved here from funding (a base record: memberships point at it); the table keeps its name.
        db_table = "funding_funder"
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """What participants and volunteers share: identity, place, languages, time, interests."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, verbose_name=_("project"))
    first_name = NameField(_("first name"), max_length=100)
    last_name = NameField(_("last name"), max_length=100)
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"), null=True, blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    mobility = models.CharField(
        _("mobility"), max_length=20, choices=Mobility.choices, default=Mobility.PUBLIC_TRANSPORT,
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    availability = models.JSONField(
        _("availability"), default=list, blank=True,
        help_text=_('List of time slots, e.g. ["mon_evening", "sat_morning"].'),
    )
    gender_preference = models.CharField(
        _("preferred gender of the other person"), max_length=3, choices=GenderPreference.choices,
        default=GenderPreference.ANY,
    )
    preferred_age_min = models.PositiveSmallIntegerField(_("preferred age from"), null=True, blank=True)
    preferred_age_max = models.PositiveSmallIntegerField(_("preferred age up to"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)  # encrypted at rest: privacy.py
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Participant(Person):
    class Status(models.TextChoices):
        INTAKE = "intake", _("In intake")
        WAITING = "waiting", _("Waiting for a buddy")
        MATCHED = "matched", _("Matched")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Dropped out")

    class ConsentScope(models.TextChoices):
        BASIC = "basic", _("Data for the support")
        NETWORK = "network", _("Data + network map")
        RESEARCH = "research", _("Data + network map + anonymous reporting")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="participants", verbose_name=_("project"),
    )
    referred_by = models.CharField(_("referred by"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INTAKE)
    waiting_since = models.DateField(_("waiting since"), null=True, blank=True, validators=[plausible_date])
    needs = models.JSONField(
        _("needs per life domain"), default=dict, blank=True,
        help_text=_("Per life domain 0 (none) to 3 (high)."),
    )
    interpreter_arranged = models.BooleanField(_("interpreter arranged"), default=False)
    consent_date = models.DateField(_("consent given on"), null=True, blank=True, validators=[plausible_date])
    consent_scope = models.CharField(
        _("scope of the consent"), max_length=20, choices=ConsentScope.choices, blank=True,
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("consent recorded by"),
    )
    # Set when the record was anonymised (retention purge or erasure on request): no name,
    # contact detail or note is left; the codes that reports count stay.
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
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

    @property
    def consent_covers_network(self) -> bool:
        """A network map may be made or changed (netwerk/services.py)."""
        return self.consent_scope in NETWORK_SCOPES

    @property
    def consent_covers_reporting(self) -> bool:
        """The participant may be counted in funder reports and research exports."""
        return self.consent_scope in REPORTING_SCOPES


class NeedsMeasurement(models.Model):
    """The needs per life domain (0 none to 3 high) measured on a date: at intake, along the way
    (interim) and at closure (issue 18). Participant.needs is the latest measurement's copy, the
    one the matcher and the reports read in queries; the history shows the change."""

    class Occasion(models.TextChoices):
        INTAKE = "intake", _("Intake")
        INTERIM = "interim", _("Interim")
        CLOSURE = "closure", _("Closure")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="needs_measurements",
                                    verbose_name=_("participant"))
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices, default=Occasion.INTAKE)
    date = models.DateField(_("date"), validators=[plausible_date])
    needs = models.JSONField(_("needs per life domain"), default=dict, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("needs measurement")
        verbose_name_plural = _("needs measurements")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["participant", "date"])]

    def __str__(self) -> str:
        return f"{self.get_occasion_display()} {self.date}"


# The scopes are nested: each covers what the one before it covers, and more. The current
# scope on Participant is derived from the latest ConsentEvent (people/services.py consent_record).
SCOPE_ORDER: tuple[str, ...] = (
    Participant.ConsentScope.BASIC, Participant.ConsentScope.NETWORK, Participant.ConsentScope.RESEARCH,
)
NETWORK_SCOPES: frozenset[str] = frozenset({Participant.ConsentScope.NETWORK, Participant.ConsentScope.RESEARCH})
REPORTING_SCOPES: frozenset[str] = frozenset({Participant.ConsentScope.RESEARCH})


class ConsentEvent(models.Model):
    """One step in a participant's consent history: given, widened, narrowed or withdrawn.

    Rows are only ever added (people/services.py consent_record); the participant's
    consent_date / consent_scope / consent_recorded_by are the latest row, kept on the
    participant so that every query that filters on consent stays one join-free condition.
    """

    class Kind(models.TextChoices):
        GIVEN = "given", _("Given")
        WIDENED = "widened", _("Widened")
        NARROWED = "narrowed", _("Narrowed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class How(models.TextChoices):
        SIGNED_FORM = "signed_form", _("Signed form")
        SPOKEN = "spoken", _("Spoken, noted by the coordinator")
        SPOKEN_INTERPRETER = "spoken_interpreter", _("Spoken, with an interpreter")
        EMAIL = "email", _("In writing (e-mail or letter)")
        OTHER = "other", _("Other")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="consent_events", verbose_name=_("participant"),
    )
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    # Empty after a withdrawal of all consent.
    scope = models.CharField(
        _("scope after this step"), max_length=20, choices=Participant.ConsentScope.choices, blank=True,
    )
    on = models.DateField(_("date"), validators=[plausible_date])
    how = models.CharField(_("how"), max_length=30, choices=How.choices, default=How.SIGNED_FORM)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["participant", "on", "id"]
        constraints = [
            models.CheckConstraint(
                name="consent_event_scope_matches_kind",
                condition=(Q(kind="withdrawn") & Q(scope="")) | (~Q(kind="withdrawn") & ~Q(scope="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class Volunteer(Person):
    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        SCREENING = "screening", _("In screening")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Taking a break")
        STOPPED = "stopped", _("Stopped")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("project"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.APPLICANT)
    intake_date = models.DateField(_("intake interview on"), null=True, blank=True, validators=[plausible_date])
    training_date = models.DateField(_("training completed on"), null=True, blank=True, validators=[plausible_date])
    criminal_record_checked_on = models.DateField(
        _("criminal record extract (model 2) checked on"), null=True, blank=True, validators=[plausible_date]
    )
    capacity = models.PositiveSmallIntegerField(
        _("number of duos at a time"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    max_travel_km = models.PositiveSmallIntegerField(
        _("maximum travel distance (km)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("Empty = the project's default."),
    )
    strengths = models.JSONField(
        _("strengths per life domain"), default=dict, blank=True,
        help_text=_("Per life domain 0 (none) to 3 (strong)."),
    )
    waiting_since = models.DateField(_("available since"), null=True, blank=True, validators=[plausible_date])
    # The volunteer's own privacy step and the volunteer agreement (Belgian law on volunteering,
    # 3 July 2005: the organisation informs the volunteer in writing), recorded at intake.
    privacy_informed_on = models.DateField(
        _("privacy notice explained on"), null=True, blank=True,
        validators=[plausible_date]
    )
    agreement_signed_on = models.DateField(
        _("volunteer agreement signed on"), null=True, blank=True,
        validators=[plausible_date]
    )
    # As Participant.anonymised_at: set by the retention purge or an erasure on request.
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["project", "status"])]
        constraints = [
            models.CheckConstraint(
                name="volunteer_capacity_positive", condition=Q(capacity__gte=1),
            ),
        ]

    @property
    def screening_complete(self) -> bool:
        """Every screening step recorded (says nothing about expiry: see screening_valid)."""
        return None not in (self.intake_date, self.training_date, self.criminal_record_checked_on)

    @property
    def screening_valid(self) -> bool:
        """Complete and the extract not expired today: matchable, may get a new duo."""
        from buddynet.records.people.screening import screening_problems

        return not screening_problems(self)
