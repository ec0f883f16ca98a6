"""Funding records: funders, grants with their budget lines, tranches, reporting obligations and
expenses; volunteer allowances under Belgian law; progress reports frozen when signed off.

Money is Decimal with two places everywhere (never float): the sums a funder checks must add up
to the cent.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from buddynet.crypto import EncryptedTextField

# The funder is a base record (people), like the project a grant is for; its table stays funding_funder.
from buddynet.records.people.models import Funder
from buddynet.validators import NameField, plausible_date

DEFAULT_GRANT_CAP = Decimal("50000.00")
DEFAULT_PERIOD_YEARS = 3
MONEY = {"max_digits": 12, "decimal_places": 2}


class Grant(models.Model):
    """Money a funder gives one project for a period (three years unless said otherwise)."""

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="grants", verbose_name=_("funder"))
    project = models.ForeignKey(
        "people.Project", on_delete=models.PROTECT, related_name="grants", verbose_name=_("project"),
    )
    reference = NameField(_("reference"), max_length=60, unique=True)
    amount = models.DecimalField(_("amount granted"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    start_date = models.DateField(_("start date"), validators=[plausible_date])
    end_date = models.DateField(_("end date"), validators=[plausible_date])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-start_date", "reference"]
        constraints = [
            models.CheckConstraint(name="grant_dates_in_order", condition=Q(end_date__gte=F("start_date"))),
            models.CheckConstraint(name="grant_amount_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return self.reference


class BudgetLineKind(models.TextChoices):
    PERSONNEL = "personnel", _("Personnel")
    OPERATING = "operating", _("Operating costs")
    VOLUNTEER_ALLOWANCES = "volunteer_allowances", _("Volunteer allowances")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class BudgetLine(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("grant"))
    kind = models.CharField(_("budget line"), max_length=30, choices=BudgetLineKind.choices)
    amount = models.DecimalField(_("budgeted amount"), validators=[MinValueValidator(Decimal("0"))], **MONEY)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["grant", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "kind"], name="one_budget_line_per_kind"),
            models.CheckConstraint(name="budget_line_amount_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.grant} · {self.get_kind_display()}"


class Tranche(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="tranches", verbose_name=_("grant"))
    due_on = models.DateField(_("due on"), validators=[plausible_date])
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    condition = models.CharField(
        _("condition"), max_length=200, blank=True,
        help_text=_('For example "after the yearly report is approved".'),
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True, validators=[plausible_date])

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["grant", "due_on", "id"]
        constraints = [models.CheckConstraint(name="tranche_amount_positive", condition=Q(amount__gt=0))]

    def __str__(self) -> str:
        return f"{self.grant} · {self.due_on}"


class ObligationKind(models.TextChoices):
    YEARLY_CONTENT = "yearly_content", _("Yearly content report")
    FINANCIAL = "financial", _("Financial report")
    FINAL = "final", _("Final report")


class ReportingObligation(models.Model):
    """A report the project owes the funder. The notifications engine reads these fields by name."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="obligations", verbose_name=_("grant"))
    kind = models.CharField(_("kind of report"), max_length=20, choices=ObligationKind.choices)
    due_on = models.DateField(_("due on"), validators=[plausible_date])
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True, validators=[plausible_date])
    approved_on = models.DateField(_("approved on"), null=True, blank=True, validators=[plausible_date])

    class Meta:
        verbose_name = _("reporting obligation")
        verbose_name_plural = _("reporting obligations")
        ordering = ["grant", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="obligation_approved_after_submitted",
                condition=Q(approved_on__isnull=True)
                | Q(submitted_on__isnull=False, approved_on__gte=F("submitted_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} · {self.get_kind_display()} · {self.due_on}"


class Expense(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("grant"))
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("budget line"),
    )
    date = models.DateField(_("date"), validators=[plausible_date])
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    description = NameField(_("description"), max_length=300)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    receipt = models.FileField(_("receipt"), upload_to="funding/receipts/%Y/", blank=True)
    # Free text (it may explain a cost by someone's situation): encrypted at rest (buddynet/privacy.py).
    overspend_justification = EncryptedTextField(
        _("justification for overspending the budget line"), blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["grant", "date"])]
        constraints = [models.CheckConstraint(name="expense_amount_positive", condition=Q(amount__gt=0))]

    def __str__(self) -> str:
        return f"{self.grant} · {self.date} · {self.amount}"


class AllowanceCap(models.Model):
    """The legal maxima of the flat-rate volunteer allowance for one calendar year (Belgium).

    Kept as data, seeded by a migration and editable by an administrator: the amounts are
    indexed every year."""

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    daily_cap = models.DecimalField(_("maximum per day"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    yearly_cap = models.DecimalField(_("maximum per year"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)

    class Meta:
        verbose_name = _("allowance cap")
        verbose_name_plural = _("allowance caps")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class AllowanceKind(models.TextChoices):
    FLAT_RATE = "flat_rate", _("Flat-rate allowance")
    REAL_COST = "real_cost", _("Real costs")


class AllowanceSettings(models.Model):
    """What one organisation decides about volunteer allowances, within the law (AllowanceCap).

    No row = nothing decided: the coordinator's payment form is not pre-filled, and only the legal
    caps apply. The flat rate per day is the form's default (days × rate), not a limit: the legal
    daily cap stays the limit of one payment. The organisation's own yearly maximum, when set, is a
    limit: a flat-rate payment that takes what this organisation paid a volunteer in one year over
    it is refused (funding.services.allowance_payment_record), like one over the legal caps."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, related_name="allowance_settings",
        verbose_name=_("organisation"),
    )
    default_kind = models.CharField(
        _("default allowance system"), max_length=20, choices=AllowanceKind.choices, default=AllowanceKind.FLAT_RATE,
    )
    daily_rate = models.DecimalField(
        _("flat rate per day"), null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))], **MONEY,
    )
    yearly_maximum = models.DecimalField(
        _("own yearly maximum per volunteer"), null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01"))], **MONEY,
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("allowance settings of an organisation")
        verbose_name_plural = _("allowance settings of organisations")
        constraints = [
            models.CheckConstraint(name="allowance_settings_flat_rate_has_rate",
                                   condition=~Q(default_kind="flat_rate") | Q(daily_rate__isnull=False)),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class AllowancePayment(models.Model):
    """What this organisation paid a volunteer: a flat rate for some days, or real costs."""

    volunteer = models.ForeignKey(
        "people.Volunteer", on_delete=models.PROTECT, related_name="allowance_payments", verbose_name=_("volunteer"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AllowanceKind.choices)
    paid_on = models.DateField(_("paid on"), validators=[plausible_date])
    year = models.PositiveSmallIntegerField(_("year the days were volunteered"))
    days = models.PositiveSmallIntegerField(_("days"), default=0)
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allowance payment")
        verbose_name_plural = _("allowance payments")
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["volunteer", "year"])]
        constraints = [
            models.CheckConstraint(name="allowance_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="flat_rate_has_days", condition=~Q(kind="flat_rate") | Q(days__gte=1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.year} · {self.amount}"


class DeclaredAllowance(models.Model):
    """A flat-rate allowance the volunteer declares to have received from another organisation.

    The legal caps apply per volunteer over all organisations, so these count too."""

    volunteer = models.ForeignKey(
        "people.Volunteer", on_delete=models.PROTECT, related_name="declared_allowances",
        verbose_name=_("volunteer"),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    organisation = models.CharField(_("other organisation"), max_length=200)
    days = models.PositiveSmallIntegerField(_("days"), default=0)
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0"))], **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allowance declared from elsewhere")
        verbose_name_plural = _("allowances declared from elsewhere")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.year} · {self.organisation}"


class ReportAnswer(models.TextChoices):
    APPROVED = "approved", _("Approved")
    COMPLETION_REQUESTED = "completion_requested", _("Completion requested")


class ProgressReport(models.Model):
    """A progress report of one grant over one period; frozen (numbers + PDF) at sign-off."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FROZEN = "frozen", _("Signed off")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="reports", verbose_name=_("grant"))
    period_start = models.DateField(_("period from"), validators=[plausible_date])
    period_end = models.DateField(_("period up to"), validators=[plausible_date])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    numbers = models.JSONField(_("numbers"), null=True, blank=True, editable=False)
    pdf = models.FileField(_("PDF"), upload_to="funding/reports/%Y/", blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False, verbose_name=_("signed off by"),
    )
    frozen_at = models.DateTimeField(_("signed off on"), null=True, blank=True, editable=False)
    # Versions: a funder's request for completion opens the next version; the frozen one stays as it is.
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version", editable=False,
        verbose_name=_("completes version"),
    )
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, editable=False)
    # The reporting obligation this report answers (the funding department follows its obligations):
    # the first sign-off marks it submitted, the funder's approval marks it approved
    # (services.report_sign_off, report_approve). Every version of one report answers the same one.
    obligation = models.ForeignKey(
        ReportingObligation, null=True, blank=True, on_delete=models.PROTECT, related_name="reports",
        verbose_name=_("answers the reporting obligation"),
    )
    # The funder's answer to a frozen version (outside what was frozen: the PDF and its hash stay).
    answer = models.CharField(_("answer"), max_length=24, choices=ReportAnswer.choices, blank=True, editable=False)
    answer_comment = EncryptedTextField(_("comment"), blank=True, editable=False)  # free text: encrypted
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False, verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(name="report_period_in_order", condition=Q(period_end__gte=F("period_start"))),
            models.CheckConstraint(
                name="frozen_report_is_complete",
                condition=~Q(status="frozen") | (Q(numbers__isnull=False) & Q(frozen_at__isnull=False) & ~Q(pdf="")),
            ),
            models.CheckConstraint(name="only_a_frozen_report_is_answered",
                                   condition=Q(answer="") | Q(status="frozen")),
        ]

    def __str__(self) -> str:
        return f"{self.grant} · {self.period_start} – {self.period_end}"

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.FROZEN

    @property
    def name(self) -> str:
        """What the coordinator types to confirm the sign-off: the grant's reference and the version."""
        return f"{self.grant.reference} v{self.version}"


class ReportNarrative(models.Model):
    """One saved text of a report's narrative sections. Rows are only ever added: each save keeps
    the earlier text, and the latest row of a frozen report is the text its PDF was made of."""

    SECTIONS = ("highlights", "difficulties", "deviations", "outlook")

    report = models.ForeignKey(
        ProgressReport, on_delete=models.PROTECT, related_name="narratives", verbose_name=_("progress report"),
    )
    # Free text a coordinator writes for the funder; it may describe someone's situation all the same:
    # encrypted at rest, like the justification of an expense.
    highlights = EncryptedTextField(_("highlights"), blank=True)
    difficulties = EncryptedTextField(_("difficulties"), blank=True)
    deviations = EncryptedTextField(_("deviations from the plan and why"), blank=True)
    outlook = EncryptedTextField(_("outlook"), blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    saved_at = models.DateTimeField(_("saved on"), auto_now_add=True)

    class Meta:
        verbose_name = _("report narrative")
        verbose_name_plural = _("report narratives")
        ordering = ["report", "-saved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.saved_at:%Y-%m-%d %H:%M}"

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.SECTIONS}


class ReportAnnex(models.Model):
    """A file (PDF, JPEG or PNG) that goes with one version of a report; listed in its PDF with its hash."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.PROTECT, related_name="annexes", verbose_name=_("progress report"),
    )
    file = models.FileField(_("file"), upload_to="funding/annexes/%Y/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("added on"), auto_now_add=True)

    class Meta:
        verbose_name = _("annex")
        verbose_name_plural = _("annexes")
        ordering = ["report", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class PortfolioJob(models.Model):
    """A funder's portfolio report over more than one project, made off the request by a Celery
    task (issue 20): the parameters it was asked with, its progress, and its result, kept for
    PORTFOLIO_RESULT_HOURS and shown only to the user who asked (selectors.portfolio_job_get_for_user)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, related_name="+", verbose_name=_("funder"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("requested by"))
    period_start = models.DateField(_("period from"), validators=[plausible_date])
    period_end = models.DateField(_("period up to"), validators=[plausible_date])
    fmt = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.HTML)
    sort = models.CharField(_("sorted by"), max_length=20, blank=True)
    descending = models.BooleanField(_("descending"), default=False)
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("computation started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    projects_total = models.PositiveIntegerField(_("projects"), default=0)
    projects_done = models.PositiveIntegerField(_("projects done"), default=0)
    # The rendered report: the HTML of the report's body, or the PDF/CSV/XLSX file.
    result = models.FileField(_("result"), upload_to="funding/portfolio/%Y/", blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("portfolio report job")
        verbose_name_plural = _("portfolio report jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "funder", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(name="portfolio_job_period_in_order",
                                   condition=Q(period_end__gte=F("period_start"))),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.funder_id} {self.period_start}–{self.period_end} {self.fmt} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
