"""Writes of funding records and their rules: grant cap, budget, expense period and overspending,
the Belgian volunteer-allowance caps, and the sign-off that freezes a progress report.

Every service is atomic; rules that depend on other rows are checked after locking the row they
hang on (the grant for its money, the volunteer for their allowances), so two requests cannot
together pass a cap that each alone respects.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from buddynet import events
from buddynet.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from buddynet.features.funding import outputs, reports
from buddynet.features.funding.models import (
    DEFAULT_PERIOD_YEARS,
    AllowanceCap,
    AllowanceKind,
    AllowancePayment,
    AllowanceSettings,
    BudgetLine,
    DeclaredAllowance,
    Expense,
    Grant,
    PortfolioJob,
    ProgressReport,
    ReportAnnex,
    ReportAnswer,
    ReportingObligation,
    ReportNarrative,
    Tranche,
)
from buddynet.features.funding.receipts import receipt_check, receipt_extension
from buddynet.features.funding.selectors import allowance_cap_for, allowance_settings_of, volunteered_days
from buddynet.formats import money, short_date
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.people.models import Funder, Organisation, Volunteer
from buddynet.validators import plausible_date

if TYPE_CHECKING:
    from buddynet.records.accounts.models import User

logger = logging.getLogger(__name__)

# Warn the coordinator when a volunteer's flat-rate allowances reach this share of the yearly cap.
CAP_WARNING_SHARE = Decimal("0.80")


def default_end_date(start: date, years: int = DEFAULT_PERIOD_YEARS) -> date:
    """The last day of a period of `years` years from `start` (1 Jan 2025 → 31 Dec 2027)."""
    try:
        return start.replace(year=start.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


CENT = Decimal("0.01")


def _cents(value: Any) -> Decimal:
    # SQLite sums decimals in floating point (1680.4000000000001): round back to cents before comparing.
    return Decimal(value or 0).quantize(CENT)


def _sum(qs: Any, field: str = "amount") -> Decimal:
    return _cents(qs.aggregate(total=Sum(field))["total"])


# --- grants ------------------------------------------------------------------------------------
@transaction.atomic
def grant_save(*, grant: Grant | None, data: dict[str, Any]) -> Grant:
    grant = grant or Grant()
    for key, value in data.items():
        setattr(grant, key, value)
    # A grant period a funder can really give: never year 1 or 9999 (a start in 9999 without an
    # end made its default end overflow: a 500, issue 21 item 4).
    earliest, latest = date(2000, 1, 1), timezone.localdate().replace(month=1, day=1) + timedelta(days=366 * 10)
    for name in ("start_date", "end_date"):
        day = getattr(grant, name)
        if day is not None and not earliest <= day <= latest:
            raise InvalidInput({name: _("Give a date between %(earliest)s and %(latest)s.")
                                % {"earliest": short_date(earliest), "latest": short_date(latest)}})
    if grant.start_date and not grant.end_date:
        grant.end_date = default_end_date(grant.start_date)
    if grant.end_date < grant.start_date:
        raise InvalidInput({"end_date": _("The end date is before the start date.")})
    cap = grant.funder.grant_cap
    if grant.amount > cap:
        raise InvalidInput({"amount": _("A grant of this funder is at most %(cap)s.") % {"cap": money(cap)}})
    if grant.pk:
        Grant.objects.select_for_update().filter(pk=grant.pk).first()
        budgeted = _sum(BudgetLine.objects.filter(grant=grant))
        if grant.amount < budgeted:
            raise InvalidInput({"amount": _("The budget lines already add up to %(sum)s.") % {"sum": money(budgeted)}})
        if Expense.objects.filter(grant=grant).exclude(date__range=(grant.start_date, grant.end_date)).exists():
            raise InvalidInput({"end_date": _("Some expenses would fall outside the grant period.")})
    grant.save()
    return grant


@transaction.atomic
def budget_line_save(*, line: BudgetLine | None, data: dict[str, Any]) -> BudgetLine:
    line = line or BudgetLine()
    for key, value in data.items():
        setattr(line, key, value)
    grant = Grant.objects.select_for_update().get(pk=line.grant_id)
    others = _sum(BudgetLine.objects.filter(grant=grant).exclude(pk=line.pk))
    if others + line.amount > grant.amount:
        raise InvalidInput({"amount": _("The budget lines would add up to more than the grant (%(amount)s).")
                            % {"amount": money(grant.amount)}})
    if BudgetLine.objects.filter(grant=grant, kind=line.kind).exclude(pk=line.pk).exists():
        raise InvalidInput({"kind": _("This grant already has this budget line.")})
    line.save()
    return line


@transaction.atomic
def tranche_save(*, tranche: Tranche | None, data: dict[str, Any]) -> Tranche:
    tranche = tranche or Tranche()
    for key, value in data.items():
        setattr(tranche, key, value)
    grant = Grant.objects.select_for_update().get(pk=tranche.grant_id)
    others = _sum(Tranche.objects.filter(grant=grant).exclude(pk=tranche.pk))
    if others + tranche.amount > grant.amount:
        raise InvalidInput({"amount": _("The tranches would add up to more than the grant (%(amount)s).")
                            % {"amount": money(grant.amount)}})
    tranche.save()
    return tranche


# What a signed-off report says of the obligation it answers: its PDF names the kind and the due
# date, and its sign-off dated the submission (_obligation_submitted). The funder's approval
# dated approved_on (_obligation_approved).
_FROZEN_BY_SIGN_OFF: tuple[str, ...] = ("grant", "kind", "due_on", "submitted_on")
_FROZEN_BY_APPROVAL: tuple[str, ...] = ("approved_on",)


def obligation_change_check(*, obligation_id: int | None, new: dict[str, Any]) -> None:
    """Raise InvalidInput (per field) when `new` would change what a signed-off report answering
    this obligation froze: its grant, kind, due date and submission date; once a version is
    approved, the approval date too. Only fields named in `new` are compared, with the stored row.
    Forms call it to show the problem next to the field; obligation_save calls it again under the
    row lock."""
    if obligation_id is None or not new:
        return  # a new obligation, or nothing changed (the admin's unchanged inline rows)
    frozen = list(ProgressReport.objects.filter(obligation_id=obligation_id, status=ProgressReport.Status.FROZEN)
                  .select_related("grant").order_by("version", "id"))
    if not frozen:
        return
    stored: dict[str, Any] = dict(ReportingObligation.objects.filter(pk=obligation_id).values(
        "grant", "kind", "due_on", "submitted_on", "approved_on").get())
    locked = _FROZEN_BY_SIGN_OFF
    if any(report.answer == ReportAnswer.APPROVED for report in frozen):
        locked += _FROZEN_BY_APPROVAL
    errors: dict[str, str | Promise | list[str | Promise]] = {}
    for name in locked:
        if name not in new:
            continue
        value = new[name]
        if name == "grant" and value is not None and not isinstance(value, int):
            value = value.pk
        if value != stored[name]:
            errors[name] = _("The signed-off report %(report)s answers this reporting obligation, so this can no "
                             "longer change.") % {"report": frozen[0].name}
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def obligation_save(*, obligation: ReportingObligation | None, data: dict[str, Any]) -> ReportingObligation:
    """Create or change a reporting obligation; what a signed-off report froze stays
    (obligation_change_check). The caller may hand an instance a form already changed: the
    comparison is with the stored row."""
    obligation = obligation or ReportingObligation()
    for key, value in data.items():
        setattr(obligation, key, value)
    if obligation.pk is not None:
        ReportingObligation.objects.select_for_update().filter(pk=obligation.pk).first()
        obligation_change_check(obligation_id=obligation.pk, new={
            "grant": obligation.grant_id, "kind": obligation.kind, "due_on": obligation.due_on,
            "submitted_on": obligation.submitted_on, "approved_on": obligation.approved_on})
    if obligation.approved_on and not obligation.submitted_on:
        raise InvalidInput({"approved_on": _("A report is approved only after it was submitted.")})
    if obligation.approved_on and obligation.submitted_on and obligation.approved_on < obligation.submitted_on:
        raise InvalidInput({"approved_on": _("The approval cannot be before the submission.")})
    obligation.save()
    return obligation


@transaction.atomic
def obligation_delete(*, obligation: ReportingObligation) -> None:
    """Remove an obligation recorded by mistake; one a report answers stays (409)."""
    obligation = ReportingObligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.reports.exists():
        raise Conflict(_("A progress report answers this reporting obligation, so it cannot be removed."))
    obligation.delete()


# --- expenses ----------------------------------------------------------------------------------
@transaction.atomic
def expense_record(
    *, grant: Grant, budget_line: BudgetLine, date: date, amount: Decimal, description: str, supplier: str = "",
    receipt: Any = None, overspend_justification: str = "", by: User | None = None,
) -> Expense:
    """Book an expense on a budget line of a grant.

    It must fall inside the grant period; spending more than the line's budget is allowed only
    with a justification (the funder asks why)."""
    grant = Grant.objects.select_for_update().get(pk=grant.pk)  # serialises the line totals
    if budget_line.grant_id != grant.pk:
        raise InvalidInput({"budget_line": _("This budget line belongs to another grant.")})
    if not grant.start_date <= date <= grant.end_date:
        raise InvalidInput({"date": _("The date lies outside the grant period (%(start)s – %(end)s).")
                            % {"start": short_date(grant.start_date), "end": short_date(grant.end_date)}})
    if receipt:
        # Type (from its bytes) and size, for every channel; stored under a name of our own with
        # the checked type's extension (the uploader's file name is not kept on disk).
        receipt.name = "receipt" + receipt_extension(receipt_check(receipt))
    spent = _sum(Expense.objects.filter(budget_line=budget_line))
    if spent + amount > budget_line.amount and not overspend_justification.strip():
        raise InvalidInput({"overspend_justification": _(
            "This expense takes the budget line over its budget (%(budget)s, %(spent)s spent): "
            "explain why.") % {"budget": money(budget_line.amount), "spent": money(spent)}})
    return Expense.objects.create(
        grant=grant, budget_line=budget_line, date=date, amount=amount, description=description,
        supplier=supplier, receipt=receipt or "", overspend_justification=overspend_justification.strip(),
        created_by=by,
    )


@transaction.atomic
def expense_delete(*, expense: Expense) -> None:
    """Remove a booked expense (a mistake); the line totals follow, under the grant's lock as
    expense_record takes it."""
    Grant.objects.select_for_update().filter(pk=expense.grant_id).first()
    expense.delete()


# --- volunteer allowances ----------------------------------------------------------------------
@dataclass(frozen=True)
class AllowanceYear:
    """One volunteer's allowances in one year, over all organisations."""

    flat_days: int
    flat_amount: Decimal
    real_amount: Decimal
    declared_days: int
    declared_amount: Decimal

    @property
    def total_flat_amount(self) -> Decimal:
        return self.flat_amount + self.declared_amount

    @property
    def total_flat_days(self) -> int:
        return self.flat_days + self.declared_days


def allowance_year(*, volunteer_id: int, year: int) -> AllowanceYear:
    payments = AllowancePayment.objects.filter(volunteer_id=volunteer_id, year=year)
    flat = payments.filter(kind=AllowanceKind.FLAT_RATE).aggregate(days=Sum("days"), amount=Sum("amount"))
    declared = DeclaredAllowance.objects.filter(volunteer_id=volunteer_id, year=year).aggregate(
        days=Sum("days"), amount=Sum("amount"))
    return AllowanceYear(
        flat_days=flat["days"] or 0, flat_amount=_cents(flat["amount"]),
        real_amount=_sum(payments.filter(kind=AllowanceKind.REAL_COST)),
        declared_days=declared["days"] or 0, declared_amount=_cents(declared["amount"]),
    )


@dataclass(frozen=True)
class AllowanceResult:
    payment: AllowancePayment
    warning: str | None


@transaction.atomic
def allowance_payment_record(
    *, volunteer: Volunteer, kind: str, paid_on: date, year: int, amount: Decimal, days: int = 0,
    by: User | None = None,
) -> AllowanceResult:
    """Record an allowance paid to a volunteer, refusing what Belgian law does not allow:

    - flat rate and real costs exclude each other for one volunteer in one year;
    - a flat rate at most the daily cap per day, and over all organisations at most the yearly cap;
    - no more paid days than days volunteered (when the volunteer pages know them).
    Approaching the yearly cap (CAP_WARNING_SHARE) tells the coordinator (event + warning)."""
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)  # serialises the yearly totals
    so_far = allowance_year(volunteer_id=volunteer.pk, year=year)
    if kind == AllowanceKind.REAL_COST:
        if so_far.flat_amount:
            raise InvalidInput({"kind": _("This volunteer already received a flat-rate allowance in %(year)s; "
                                          "real costs cannot be paid in the same year.") % {"year": year}})
        payment = AllowancePayment.objects.create(volunteer=volunteer, kind=kind, paid_on=paid_on, year=year,
                                                  days=days, amount=amount, created_by=by)
        return AllowanceResult(payment, None)
    if so_far.real_amount:
        raise InvalidInput({"kind": _("This volunteer was paid real costs in %(year)s; a flat-rate allowance "
                                      "cannot be paid in the same year.") % {"year": year}})
    if days < 1:
        raise InvalidInput({"days": _("A flat-rate allowance is paid for at least one day.")})
    cap = AllowanceCap.objects.filter(year=year).first()
    if cap is None:
        raise InvalidInput({"year": _("No legal caps are known for %(year)s; an administrator adds them first.")
                            % {"year": year}})
    if amount > cap.daily_cap * days:
        raise InvalidInput({"amount": _("At most %(cap)s a day: %(max)s for %(days)d day(s).")
                            % {"cap": money(cap.daily_cap), "max": money(cap.daily_cap * days), "days": days}})
    if so_far.total_flat_amount + amount > cap.yearly_cap:
        raise InvalidInput({"amount": _(
            "This would take the volunteer over the yearly cap of %(cap)s (already %(sum)s this year, "
            "other organisations included).") % {"cap": money(cap.yearly_cap), "sum": money(so_far.total_flat_amount)}})
    own = allowance_settings_of(organisation_id=volunteer.project.organisation_id) if volunteer.project_id else None
    if own is not None and own.yearly_maximum is not None and so_far.flat_amount + amount > own.yearly_maximum:
        raise InvalidInput({"amount": _(
            "This would take the volunteer over the organisation's own yearly maximum of %(max)s (already %(sum)s "
            "paid by the organisation this year).") % {"max": money(own.yearly_maximum),
                                                         "sum": money(so_far.flat_amount)}})
    known = volunteered_days(volunteer_ids=[volunteer.pk], year=year)
    if volunteer.pk in known and so_far.flat_days + days > known[volunteer.pk]:
        raise InvalidInput({"days": _("The volunteer pages show %(known)d day(s) volunteered in %(year)s.")
                            % {"known": known[volunteer.pk], "year": year}})
    payment = AllowancePayment.objects.create(volunteer=volunteer, kind=kind, paid_on=paid_on, year=year,
                                              days=days, amount=amount, created_by=by)
    total_days, total = so_far.total_flat_days + days, so_far.total_flat_amount + amount
    warning = None
    if total >= cap.yearly_cap * CAP_WARNING_SHARE:
        warning = _("This volunteer has now received %(sum)s of the %(cap)s allowed in %(year)s.") % {
            "sum": money(total), "cap": money(cap.yearly_cap), "year": year}
        events.allowance_cap_approaching(volunteer, year, total_days, total)
    return AllowanceResult(payment, warning)


@transaction.atomic
def allowance_settings_save(
    *, organisation: Organisation, by: User, default_kind: str, daily_rate: Decimal | None,
    yearly_maximum: Decimal | None,
) -> AllowanceSettings:
    """An organisation's own allowance settings (issue 16), by its organisation administrator.

    The rules, against the legal caps of the current year (selectors.allowance_cap_for):
    - the default system is a flat rate or real costs; a flat-rate default needs its rate per day;
    - the rate per day is at most the legal daily cap;
    - the own yearly maximum, when given, is at most the legal yearly cap and at least one day's rate.
    Without any legal caps known, no rate or maximum can be checked, so none is accepted."""
    if organisation.pk not in roles_of(by).administered_organisation_ids:
        raise NotAllowed(_("Only an administrator of this organisation can change its allowance settings."))
    year = timezone.localdate().year
    cap = allowance_cap_for(year=year)
    errors: dict[str, Any] = {}
    if default_kind not in AllowanceKind.values:
        errors["default_kind"] = _("Choose a flat rate or real costs.")
    if daily_rate is None and default_kind == AllowanceKind.FLAT_RATE:
        errors["daily_rate"] = _("Give the flat rate per day: the flat rate is the default system.")
    for name, value in (("daily_rate", daily_rate), ("yearly_maximum", yearly_maximum)):
        if value is None or name in errors:
            continue
        if value <= 0:
            errors[name] = _("Give an amount above zero.")
        elif cap is None:
            errors[name] = _("No legal caps are known yet; the platform administrator adds them first.")
    if cap is not None:
        if "daily_rate" not in errors and daily_rate is not None and daily_rate > cap.daily_cap:
            errors["daily_rate"] = _("At most the legal daily cap of %(year)s: %(cap)s.") % {
                "year": cap.year, "cap": money(cap.daily_cap)}
        if "yearly_maximum" not in errors and yearly_maximum is not None:
            if yearly_maximum > cap.yearly_cap:
                errors["yearly_maximum"] = _("At most the legal yearly cap of %(year)s: %(cap)s.") % {
                    "year": cap.year, "cap": money(cap.yearly_cap)}
            elif daily_rate is not None and yearly_maximum < daily_rate:
                errors["yearly_maximum"] = _("At least the flat rate of one day (%(rate)s).") % {
                    "rate": money(daily_rate)}
    if errors:
        raise InvalidInput(errors)
    found = (AllowanceSettings.objects.select_for_update().filter(organisation=organisation).first()
             or AllowanceSettings(organisation=organisation))
    found.default_kind, found.daily_rate, found.yearly_maximum = default_kind, daily_rate, yearly_maximum
    found.updated_by = by
    found.full_clean()
    found.save()
    return found


@transaction.atomic
def declared_allowance_record(
    *, volunteer: Volunteer, year: int, organisation: str, amount: Decimal, days: int = 0,
) -> DeclaredAllowance:
    return DeclaredAllowance.objects.create(volunteer=volunteer, year=year, organisation=organisation,
                                            amount=amount, days=days)


# --- progress reports --------------------------------------------------------------------------
def obligations_open_for_report(*, grant: Grant) -> QuerySet[ReportingObligation]:
    """The grant's obligations a new report can answer: not approved yet, and not answered by another
    report already (its versions all answer the same one). Soonest due first."""
    return (ReportingObligation.objects.filter(grant=grant, approved_on=None)
            .exclude(reports__isnull=False).order_by("due_on", "id"))


@transaction.atomic
def report_create(*, grant: Grant, period_start: date, period_end: date, by: User | None = None,
                  obligation: ReportingObligation | None = None) -> ProgressReport:
    """A draft report of a grant over a period, answering one of its reporting obligations (or none:
    a report the funder did not ask for)."""
    if period_end < period_start:
        raise InvalidInput({"period_end": _("The end of the period is before its start.")})
    if period_start < grant.start_date or period_end > grant.end_date:
        raise InvalidInput({"period_start": _("The period must lie inside the grant period (%(start)s – %(end)s).")
                            % {"start": short_date(grant.start_date), "end": short_date(grant.end_date)}})
    if obligation is not None:
        # Locked, so two reports made at once cannot both answer it.
        obligation = ReportingObligation.objects.select_for_update().filter(pk=obligation.pk).first()
        if obligation is None or obligation.grant_id != grant.pk:
            raise InvalidInput({"obligation": _("This reporting obligation belongs to another grant.")})
        if obligation.approved_on is not None:
            raise InvalidInput({"obligation": _("This reporting obligation is already approved.")})
        if obligation.reports.exists():
            raise InvalidInput({"obligation": _("Another report already answers this reporting obligation.")})
    return ProgressReport.objects.create(grant=grant, period_start=period_start, period_end=period_end,
                                         obligation=obligation, created_by=by)


def report_numbers(*, report: ProgressReport) -> dict[str, Any]:
    """The frozen numbers of a signed-off report, or the live numbers of a draft."""
    if report.is_frozen:
        assert report.numbers is not None
        frozen: dict[str, Any] = report.numbers
        return frozen
    return reports.grant_report(grant=report.grant, start=report.period_start, end=report.period_end)


def _coordinator_check(report: ProgressReport, by: User | None, *, system_allowed: bool = False) -> None:
    """`by` coordinates the report's project (or administers). None is a program acting on its own
    (demo data, retention checks), allowed only where the caller says so: the sign-off."""
    if by is None and system_allowed:
        return
    if by is None or not roles_of(by).coordinates(report.grant.project_id):
        raise NotAllowed(_("Only a coordinator of this project can do this."))


def _funder_check(report: ProgressReport, by: User) -> None:
    roles = roles_of(by)
    if not (roles.administrator or report.grant.funder_id in roles.funder_ids):
        raise NotAllowed(_("Only the funder of this grant can answer this report."))


def _draft_locked(report: ProgressReport) -> ProgressReport:
    """The report locked for a change to its draft content; a frozen one refuses (409)."""
    found = ProgressReport.objects.select_for_update().select_related("grant").filter(pk=report.pk).first()
    if found is None:  # deleted meanwhile (report_draft_delete)
        raise Conflict(_("This draft was deleted."))
    if found.is_frozen:
        raise Conflict(_("This version is signed off and frozen; it can no longer change."))
    return found


def report_narrative(*, report: ProgressReport) -> ReportNarrative | None:
    """The narrative as last saved (for a frozen report: the text its PDF was made of)."""
    return report.narratives.order_by("-saved_at", "-id").first()


NARRATIVE_MAX_CHARS = 20_000  # per section: some pages of text, enough for a yearly report


@transaction.atomic
def report_narrative_save(*, report: ProgressReport, by: User, texts: dict[str, str]) -> ReportNarrative:
    """Save the narrative sections as a new draft revision (the earlier text is kept).

    Only the sections given change; the others carry over from the last revision. Saving the same
    text twice adds no revision."""
    report = _draft_locked(report)
    _coordinator_check(report, by)
    unknown = set(texts) - set(ReportNarrative.SECTIONS)
    if unknown:
        raise InvalidInput({name: _("Unknown section.") for name in sorted(unknown)})
    too_long: dict[str, Any] = {name: _("At most %(n)d characters.") % {"n": NARRATIVE_MAX_CHARS}
                for name, text in texts.items() if len(text) > NARRATIVE_MAX_CHARS}
    if too_long:
        raise InvalidInput(too_long)
    last = report_narrative(report=report)
    merged = {**(last.texts() if last else dict.fromkeys(ReportNarrative.SECTIONS, "")),
              **{name: text.replace("\r\n", "\n").strip() for name, text in texts.items()}}
    if last is not None and last.texts() == merged:
        return last
    return ReportNarrative.objects.create(report=report, saved_by=by, **merged)


ANNEX_MAX_BYTES = 10 * 1024 * 1024
# What the first bytes of a file say it is; the name and the browser's claimed type are not trusted.
ANNEX_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ANNEXES_PER_REPORT = 20


def annex_kind(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG recognised by its content; None otherwise."""
    for signature, content_type, extension in ANNEX_SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def _checked_image(body: bytes) -> bool:
    """An image that Pillow can fully decode (a PNG/JPEG header on garbage is refused)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(body)) as image:
            image.verify()
    except Exception:
        return False
    return True


def report_annex_add(*, report: ProgressReport, by: User, upload: Any) -> ReportAnnex:
    """Attach a PDF, JPEG or PNG (at most ANNEX_MAX_BYTES) to the draft version of a report."""
    size = getattr(upload, "size", None)
    if size is None or size > ANNEX_MAX_BYTES:
        raise InvalidInput({"file": _("An annex is at most %(mb)d MB.") % {"mb": ANNEX_MAX_BYTES // (1024 * 1024)}})
    if size == 0:
        raise InvalidInput({"file": _("The file is empty.")})
    upload.seek(0)
    body = upload.read(ANNEX_MAX_BYTES + 1)
    if len(body) > ANNEX_MAX_BYTES:
        raise InvalidInput({"file": _("An annex is at most %(mb)d MB.") % {"mb": ANNEX_MAX_BYTES // (1024 * 1024)}})
    kind = annex_kind(body[:16])
    if kind is None or (kind[0].startswith("image/") and not _checked_image(body)):
        raise InvalidInput({"file": _("An annex is a PDF, JPEG or PNG file.")})
    content_type, extension = kind
    stem = (str(getattr(upload, "name", "") or "").rsplit("/", 1)[-1].rsplit(".", 1)[0])[:150] or "bijlage"
    name = get_valid_filename(f"{stem}.{extension}") or f"bijlage.{extension}"
    with transaction.atomic():
        report = _draft_locked(report)
        _coordinator_check(report, by)
        if report.annexes.count() >= ANNEXES_PER_REPORT:
            raise InvalidInput({"file": _("A report has at most %(n)d annexes.") % {"n": ANNEXES_PER_REPORT}})
        annex = ReportAnnex(report=report, name=name, content_type=content_type, size=len(body),
                            sha256=hashlib.sha256(body).hexdigest(), uploaded_by=by)
        annex.file.save(name, ContentFile(body), save=False)
        annex.save()
    return annex


@transaction.atomic
def report_annex_remove(*, annex: ReportAnnex, by: User) -> None:
    """Remove an annex from a draft version. Its file goes too, once no version lists it any more
    (a version made after a request for completion lists the frozen version's files): an annex may
    show people (privacy.REGISTRY: SPECIAL), so no file is kept that nothing points at."""
    report = _draft_locked(annex.report)
    _coordinator_check(report, by)
    name, storage = annex.file.name, annex.file.storage
    annex.delete()
    transaction.on_commit(partial(_annex_file_delete_if_unlisted, name, storage))


def _annex_file_delete_if_unlisted(name: str, storage: Any) -> None:
    # Checked after commit, so a removal rolled back never deletes a file a row still lists.
    if name and not ReportAnnex.objects.filter(file=name).exists():
        storage.delete(name)


def report_draft_delete_check(*, report: ProgressReport, by: User | None) -> None:
    """Raise what report_draft_delete would refuse for `by` (the pages and the admin ask before
    they offer the delete; the service asks again under the row lock). Only a draft of a first
    version goes, by who may edit it (_coordinator_check, as the narrative and the annexes).

    A later version is never deleted: it exists because the funder asked to complete the version
    before it, which stays answered "completion requested"; without the new version nothing would
    answer that request, and no new one could be opened (the answer is given once, and the
    obligation stays taken by the frozen version)."""
    _coordinator_check(report, by)
    if report.is_frozen:
        raise Conflict(_("This version is signed off and frozen; it cannot be deleted."))
    if report.previous_id is not None or report.version > 1:
        raise Conflict(_("This draft is version %(n)d: it answers the funder's request for completion of "
                         "version %(previous)d, so it cannot be deleted. Complete it and sign it off.")
                       % {"n": report.version, "previous": report.version - 1})


def report_draft_deletable(*, report: ProgressReport, by: User | None) -> bool:
    try:
        report_draft_delete_check(report=report, by=by)
    except ServiceError:
        return False
    return True


@transaction.atomic
def report_draft_delete(*, report: ProgressReport, by: User | None) -> None:
    """Throw away a draft made by mistake, with its saved narratives and its annexes; the
    reporting obligation it answered is free again for a new report (report_create). The annexes'
    files go after commit, each once no version lists it any more (as report_annex_remove)."""
    locked = ProgressReport.objects.select_for_update().select_related("grant").filter(pk=report.pk).first()
    if locked is None:
        raise Conflict(_("This draft was already deleted."))
    report_draft_delete_check(report=locked, by=by)
    storage = ReportAnnex._meta.get_field("file").storage
    names = sorted(set(locked.annexes.values_list("file", flat=True)))
    # Narratives and annexes PROTECT their report: they go first, in this same transaction.
    locked.narratives.all().delete()
    locked.annexes.all().delete()
    locked.delete()
    for name in names:
        transaction.on_commit(partial(_annex_file_delete_if_unlisted, name, storage))


def _annex_rows(report: ProgressReport) -> list[dict[str, Any]]:
    return [{"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in report.annexes.order_by("uploaded_at", "id")]


def report_document_extra(*, report: ProgressReport) -> dict[str, Any]:
    """What the PDF shows besides the numbers (outputs.DOCUMENT_KEYS): the version, the narrative, the
    list of annexes and the reporting obligation it answers."""
    narrative = report_narrative(report=report)
    texts = narrative.texts() if narrative else None
    return {"version": report.version, "narrative": texts if texts and any(texts.values()) else None,
            "annexes": _annex_rows(report), "answers": _answers(report)}


def _answers(report: ProgressReport) -> dict[str, str] | None:
    """The reporting obligation the report answers, as its PDF and page name it."""
    obligation = report.obligation
    if obligation is None:
        return None
    return {"kind": obligation.kind, "label": str(obligation.get_kind_display()),
            "due_on": obligation.due_on.isoformat()}


@dataclass(frozen=True)
class SignOffSummary:
    """What a sign-off will freeze, shown to the coordinator before they confirm."""

    name: str
    period: tuple[date, date]
    version: int
    narrative_words: dict[str, int]
    annexes: list[dict[str, Any]]


def report_sign_off_summary(*, report: ProgressReport) -> SignOffSummary:
    narrative = report_narrative(report=report)
    texts = narrative.texts() if narrative else dict.fromkeys(ReportNarrative.SECTIONS, "")
    return SignOffSummary(name=report.name, period=(report.period_start, report.period_end), version=report.version,
                          narrative_words={k: len(v.split()) for k, v in texts.items()},
                          annexes=_annex_rows(report))


def report_sign_off(*, report: ProgressReport, by: User | None, confirmation: str | None = None) -> ProgressReport:
    """Freeze the report: its numbers and PDF are stored and never recomputed; the funder gets it.

    A person confirms by typing the report's name (`report.name`, e.g. "WVG-GENT-1 v1"): the API
    and the pages always pass what was typed; only programs that sign off by themselves (demo
    data, benchmarks) pass None. The PDF's SHA-256 is kept, so anyone can check the file later.

    The slow part (the numbers and the PDF, about a second) runs first, holding no lock and no
    transaction; only then is the report locked, checked again and frozen, so another request on
    the same report waits for a few writes, never for WeasyPrint. Of two sign-offs at once, the
    first to lock freezes, the other gets a Conflict."""
    report = ProgressReport.objects.select_related("grant", "grant__project", "grant__funder").get(pk=report.pk)
    if report.is_frozen:
        raise Conflict(_("This report was already signed off."))
    _coordinator_check(report, by, system_allowed=True)
    if confirmation is not None and " ".join(confirmation.split()).casefold() != report.name.casefold():
        raise InvalidInput({"confirmation": _("Type the name of the report, “%(name)s”, to confirm.")
                            % {"name": report.name}})
    now = timezone.now()
    numbers = reports.grant_report(grant=report.grant, start=report.period_start, end=report.period_end,
                                   today=timezone.localdate(now), submitting=report.obligation_id)
    extra = report_document_extra(report=report)
    pdf = outputs.output_file(numbers, "pdf", frozen_at=now, **extra)
    suffix = f"-v{report.version}" if report.version > 1 else ""
    name = get_valid_filename(f"{report.grant.reference}-{report.period_start}-{report.period_end}{suffix}.pdf")
    with transaction.atomic():
        found = ProgressReport.objects.select_for_update().select_related(
            "grant", "grant__project", "grant__funder").filter(pk=report.pk).first()
        if found is None:  # deleted while the PDF was printed (report_draft_delete)
            raise Conflict(_("This draft was deleted."))
        report = found
        if report.is_frozen:
            raise Conflict(_("This report was already signed off."))
        if report_document_extra(report=report) != extra:
            # The narrative or an annex changed while the PDF was printed: the PDF would not show it.
            raise Conflict(_("The report changed while it was being signed off; look at it again and confirm."))
        report.numbers = numbers
        report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        report.status = ProgressReport.Status.FROZEN
        report.signed_off_by = by
        report.frozen_at = now
        report.pdf.save(name, ContentFile(pdf), save=False)
        report.save()
        _obligation_submitted(report, on=timezone.localdate(now))
        events.report_frozen(report)
    return report


def _obligation_submitted(report: ProgressReport, *, on: date) -> None:
    """The sign-off submits the obligation the report answers: on its first sign-off (a version made
    after a request for completion keeps the date the report first went out)."""
    if report.obligation_id is None:
        return
    ReportingObligation.objects.select_for_update().filter(pk=report.obligation_id, submitted_on=None).update(
        submitted_on=on)


def _obligation_approved(report: ProgressReport, *, on: date) -> None:
    """The funder's approval approves the obligation the report answers. An obligation recorded by
    hand as submitted after today (a typing error) takes the report's own sign-off date, so the
    approval never lies before the submission."""
    if report.obligation_id is None:
        return
    obligation = ReportingObligation.objects.select_for_update().get(pk=report.obligation_id)
    assert report.frozen_at is not None
    if obligation.submitted_on is None or obligation.submitted_on > on:
        obligation.submitted_on = min(timezone.localdate(report.frozen_at), on)
    obligation.approved_on = on
    obligation.save(update_fields=["submitted_on", "approved_on"])


def _answer_locked(report: ProgressReport, by: User) -> ProgressReport:
    report = ProgressReport.objects.select_for_update().select_related(
        "grant", "grant__project", "grant__funder").get(pk=report.pk)
    _funder_check(report, by)
    if not report.is_frozen:
        raise Conflict(_("Only a signed-off report can be answered."))
    if report.answer:
        raise Conflict(_("This version was already answered."))
    return report


@transaction.atomic
def report_approve(*, report: ProgressReport, by: User, comment: str = "") -> ProgressReport:
    """The funder approves a signed-off version ("goedgekeurd"); the coordinators hear of it."""
    report = _answer_locked(report, by)
    report.answer = ReportAnswer.APPROVED
    report.answer_comment = comment.strip()
    report.answered_by = by
    report.answered_at = timezone.now()
    report.save(update_fields=["answer", "answer_comment", "answered_by", "answered_at"])
    _obligation_approved(report, on=timezone.localdate(report.answered_at))
    events.report_answered(report)
    return report


@transaction.atomic
def report_request_completion(*, report: ProgressReport, by: User, comment: str) -> ProgressReport:
    """The funder asks for completion ("vraag om aanvulling"): the frozen version stays as it is and a
    new draft version opens with its narrative and annexes, for the coordinator to complete and sign
    off again. Returns the new version; the coordinators hear of it."""
    if not comment.strip():
        raise InvalidInput({"comment": _("Say what should be completed.")})
    report = _answer_locked(report, by)
    report.answer = ReportAnswer.COMPLETION_REQUESTED
    report.answer_comment = comment.strip()
    report.answered_by = by
    report.answered_at = timezone.now()
    report.save(update_fields=["answer", "answer_comment", "answered_by", "answered_at"])
    new = ProgressReport.objects.create(grant=report.grant, period_start=report.period_start,
                                        period_end=report.period_end, version=report.version + 1, previous=report,
                                        obligation_id=report.obligation_id, created_by=by)
    narrative = report_narrative(report=report)
    if narrative is not None:
        ReportNarrative.objects.create(report=new, saved_by=narrative.saved_by, **narrative.texts())
    ReportAnnex.objects.bulk_create(
        ReportAnnex(report=new, file=a.file.name, name=a.name, content_type=a.content_type, size=a.size,
                    sha256=a.sha256, uploaded_by=a.uploaded_by)
        for a in report.annexes.order_by("uploaded_at", "id"))
    events.report_answered(report)
    return new


# --- the portfolio report off the request (issue 20) -------------------------------------------
# A funder's portfolio over more than one project is made by a Celery task (tasks.py), like a
# large match run: the request writes a queued row and hands its id to the broker after commit;
# the task claims the row (queued → running), reports its progress on it, and stores the result
# for PORTFOLIO_RESULT_HOURS. A broker that is down loses nothing: the row stays queued and the
# sweep (every 5 minutes, buddynet/schedules.py) enqueues it again, as notifications' outbox does.
PORTFOLIO_STAGES: dict[str, tuple[int, int]] = {
    # stage: (percent at its start, percent at its end)
    "numbers": (0, 20),  # the grouped queries over all projects
    "projects": (20, 50),  # one row per project: money, lights, comparison
    "render": (50, 95),  # the HTML or the file
    "store": (95, 100),
}
# Progress is written at this many checkpoints of the projects, whatever their number, so the
# task needs the same number of queries for 3 projects as for 150 (a checkpoint that several
# projects share, below this many projects, is written once for each: a fixed count).
PORTFOLIO_CHECKPOINTS = 10
# A queued job older than this was not handed to the broker (down) or its message was lost.
PORTFOLIO_SWEEP_GRACE = timedelta(seconds=60)
# A running job older than this lost its worker (killed past the task's hard time limit, 600 s).
PORTFOLIO_LOST_AFTER = timedelta(minutes=15)
# At most this many jobs of one user in the making at once; each may render a 150-project PDF.
PORTFOLIO_MAX_OPEN = 4


def _portfolio_keep() -> timedelta:
    from django.conf import settings

    return timedelta(hours=int(getattr(settings, "PORTFOLIO_RESULT_HOURS", 24)))


def portfolio_project_count(*, funder: Funder) -> int:
    """How many projects the funder's portfolio holds (one: made on the request, as before)."""
    return Grant.objects.filter(funder=funder).values("project_id").distinct().count()


@transaction.atomic
def portfolio_job_request(*, funder: Funder, by: User, start: date, end: date, fmt: str = "html",
                          sort: str = "", descending: bool = False, language: str = "nl-be") -> PortfolioJob:
    """The job that makes this portfolio report for `by`: the one they asked for today with the same
    parameters while it is kept (queued, running or done), else a new queued one, enqueued after
    commit. Raises NotAllowed for a funder `by` may not see, Conflict with too many in the making."""
    from buddynet.records.people.selectors import funders_for_user

    if not funders_for_user(user=by).filter(pk=funder.pk).exists():
        raise NotAllowed(_("You cannot see this funder's portfolio."))
    if fmt not in PortfolioJob.Format.values:
        raise InvalidInput({"fmt": _("Unknown format.")})
    for name, day in (("start", start), ("end", end)):  # the period's plausible window (PortfolioJob's validators)
        try:
            plausible_date(day)
        except ValidationError as exc:
            errors: dict[str, Any] = {name: exc.messages}
            raise InvalidInput(errors) from None
    start, end = reports.whole_months(start, end)
    now = timezone.now()
    mine = PortfolioJob.objects.filter(requested_by=by)
    same = mine.filter(
        funder=funder, period_start=start, period_end=end, fmt=fmt, sort=sort, descending=descending,
        language=language, expires_at__gt=now, created_at__date=timezone.localdate(),
        status__in=(PortfolioJob.Status.QUEUED, PortfolioJob.Status.RUNNING, PortfolioJob.Status.DONE),
    ).order_by("-created_at", "-id").first()
    if same is not None:
        return same
    if mine.filter(status__in=(PortfolioJob.Status.QUEUED, PortfolioJob.Status.RUNNING),
                   created_at__gte=now - PORTFOLIO_LOST_AFTER).count() >= PORTFOLIO_MAX_OPEN:
        raise Conflict(_("Several portfolio reports are still being made for you; wait until one is ready."))
    job = PortfolioJob.objects.create(
        funder=funder, requested_by=by, period_start=start, period_end=end, fmt=fmt, sort=sort,
        descending=descending, language=language, expires_at=now + _portfolio_keep(),
    )
    transaction.on_commit(partial(portfolio_job_enqueue, [job.pk]), robust=True)
    return job


def portfolio_job_retry(*, job: PortfolioJob, by: User) -> PortfolioJob:
    """A failed job asked again: a new job with the same parameters (the failed one stays, with its error)."""
    if job.requested_by_id != getattr(by, "pk", None):
        raise NotAllowed(_("Only who asked for this report can ask again."))
    if job.status != PortfolioJob.Status.FAILED:
        raise Conflict(_("This report did not fail."))
    return portfolio_job_request(funder=job.funder, by=by, start=job.period_start, end=job.period_end, fmt=job.fmt,
                                 sort=job.sort, descending=job.descending, language=job.language)


def portfolio_job_enqueue(ids: list[int]) -> int:
    """Hand jobs to the broker. Never raises: a broker that is down leaves them queued for the sweep,
    and the request that asked is not held up (one quick try, no retries)."""
    from buddynet.features.funding import tasks  # tasks import this module

    sent = 0
    for pk in ids:
        try:
            tasks.portfolio_job_execute.apply_async((pk,), retry=False)
        except Exception as exc:
            logger.warning("broker unavailable, %d portfolio job(s) left to the sweep: %s", len(ids) - sent, exc)
            return sent
        sent += 1
    return sent


class _JobProgress:
    """Writes a job's stage and progress: once per stage, and at PORTFOLIO_CHECKPOINTS checkpoints
    of the projects (a fixed number of UPDATEs whatever the size of the portfolio)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.checkpoints: list[int] = []
        self.done = self.total = 0

    def stage(self, name: str, **fields: Any) -> None:
        PortfolioJob.objects.filter(pk=self.job_id).update(stage=name, progress=PORTFOLIO_STAGES[name][0], **fields)

    def project(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if done == 0:
            # ceil(k * total / K): the project after which the k-th checkpoint is written.
            self.checkpoints = [-(-k * total // PORTFOLIO_CHECKPOINTS) for k in range(1, PORTFOLIO_CHECKPOINTS + 1)]
            self.stage("projects", projects_total=total, projects_done=0)
            return
        lo, hi = PORTFOLIO_STAGES["projects"]
        for _checkpoint in range(self.checkpoints.count(done)):
            PortfolioJob.objects.filter(pk=self.job_id).update(
                projects_done=done, progress=lo + (hi - lo) * done // max(total, 1))


def portfolio_job_output(*, job: PortfolioJob, numbers: dict[str, Any]) -> tuple[bytes, str]:
    """The report in the job's format, in the job's language: (bytes, file name). HTML is the
    report's body as the portfolio page shows it (the page around it is made per request)."""
    from django.template.loader import render_to_string
    from django.urls import reverse

    from buddynet.features.funding import render as out  # matplotlib/WeasyPrint: only where reports are made

    numbers = out.sort_rows(numbers, job.sort, descending=job.descending)
    name = f"portfolio-{job.period_start}-{job.period_end}"
    if job.fmt in outputs.FILE_FORMATS:
        return outputs.output_file(numbers, job.fmt), f"{name}.{job.fmt}"
    body = render_to_string("funding/_report_body.html", out.context(
        numbers, sortable=True, sort=job.sort, descending=job.descending,
        sort_base=reverse("funding:portfolio", args=[job.funder_id])))
    return body.encode(), f"{name}.html"


def portfolio_job_execute(*, job_id: int, today: date | None = None) -> PortfolioJob | None:
    """Make a queued job's report and store it. Safe to call twice: the first caller claims the
    job, any other returns None. A failure is kept on the job (the page says so and offers to ask again)."""
    from django.utils import translation

    now = timezone.now()
    claimed = PortfolioJob.objects.filter(pk=job_id, status=PortfolioJob.Status.QUEUED, expires_at__gt=now).update(
        status=PortfolioJob.Status.RUNNING, started_at=now, stage="numbers", progress=0)
    if claimed != 1:
        return None
    job = PortfolioJob.objects.select_related("funder").get(pk=job_id)
    progress = _JobProgress(job.pk)
    try:
        with translation.override(job.language):
            numbers = reports.portfolio_report(funder=job.funder, start=job.period_start, end=job.period_end,
                                               today=today, progress=progress.project)
            progress.stage("render")
            body, name = portfolio_job_output(job=job, numbers=numbers)
        progress.stage("store")
        job.result.save(name, ContentFile(body), save=False)
        job.status = PortfolioJob.Status.DONE
    except Exception as exc:
        logger.exception("portfolio job %s failed", job_id)
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        job.status = PortfolioJob.Status.FAILED
    job.progress, job.stage, job.finished_at = 100, "", timezone.now()
    job.projects_done, job.projects_total = progress.done, progress.total
    job.save(update_fields=["status", "progress", "stage", "finished_at", "result", "error",
                            "projects_total", "projects_done"])
    return job


def portfolio_jobs_sweep() -> dict[str, int]:
    """Every 5 minutes: delete the results past their time, fail the jobs whose worker was lost
    (so the page offers to ask again instead of waiting forever), and enqueue again the queued
    jobs the broker never got."""
    now = timezone.now()
    expired = list(PortfolioJob.objects.filter(expires_at__lte=now).only("pk", "result"))
    for job in expired:
        if job.result:
            job.result.delete(save=False)
    PortfolioJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    lost = PortfolioJob.objects.filter(status=PortfolioJob.Status.RUNNING,
                                       started_at__lte=now - PORTFOLIO_LOST_AFTER).update(
        status=PortfolioJob.Status.FAILED, finished_at=now, stage="",
        error=f"Lost: not finished within {PORTFOLIO_LOST_AFTER.total_seconds() // 60:.0f} minutes.")
    waiting = list(PortfolioJob.objects.filter(status=PortfolioJob.Status.QUEUED, expires_at__gt=now,
                                               created_at__lte=now - PORTFOLIO_SWEEP_GRACE)
                   .order_by("created_at", "id").values_list("pk", flat=True))
    return {"deleted": len(expired), "lost": lost, "enqueued": portfolio_job_enqueue(waiting)}
