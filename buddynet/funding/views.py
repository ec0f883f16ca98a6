"""Funding pages: the funder portal, the coordinator's grants, expenses, allowances and reports.

What a funder sees is made from published report numbers only (reports.py), so no page of the
portal can show a person. Objects come from the scoped selectors (404 outside one's scope).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from buddynet import spreadsheet
from buddynet.accounts.selectors import roles_of
from buddynet.errors import ServiceError
from buddynet.funding import reports, selectors, services
from buddynet.funding.models import (
    AllowanceCap,
    AllowanceKind,
    AllowancePayment,
    BudgetLine,
    DeclaredAllowance,
    Expense,
    Grant,
    ProgressReport,
)
from buddynet.people.models import Project, Volunteer
from buddynet.people.selectors import funder_get_for_user, funders_for_user, project_get_for_user
from buddynet.validators import plausible_date


# --- helpers -----------------------------------------------------------------------------------
def _period(request: HttpRequest) -> tuple[date, date]:
    """?start=&end= (ISO dates); by default the current calendar year up to today."""
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = date.fromisoformat(request.GET.get("end") or today.isoformat())
    except ValueError:
        raise Http404 from None
    if end < start:
        raise Http404
    return start, end


def _download(body: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _output(request: HttpRequest, numbers: dict[str, Any], fmt: str, *, name: str,
            extra: dict[str, Any]) -> HttpResponse:
    from buddynet.funding import render as out  # matplotlib/WeasyPrint only for report pages

    if fmt == "csv":
        return _download(out.csv_bytes(numbers), name=f"{name}.csv", content_type="text/csv; charset=utf-8")
    if fmt == "xlsx":
        return _download(out.xlsx_bytes(numbers), name=f"{name}.xlsx",
                         content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fmt == "pdf":
        return _download(out.pdf_bytes(numbers, frozen_at=extra.get("frozen_at")), name=f"{name}.pdf",
                         content_type="application/pdf")
    return render(request, "funding/report_page.html", out.context(numbers, **extra))


def _staff(request: HttpRequest) -> None:
    roles = roles_of(request.user)
    if not (roles.administrator or roles.is_coordinator):
        raise PermissionDenied


# --- funder portal -----------------------------------------------------------------------------
@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """A funder's start page: their projects with traffic lights, and their signed-off reports."""
    roles = roles_of(request.user)
    if not (roles.funder_ids or roles.administrator):
        if roles.is_coordinator:
            return redirect("funding:grants")
        raise PermissionDenied
    start, end = reports.whole_months(*_period(request))  # as the report itself counts them
    portfolios = [
        reports.portfolio_report(funder=funder, start=start, end=end)
        for funder in funders_for_user(user=request.user)
    ]
    frozen = selectors.reports_for_user(user=request.user).filter(status=ProgressReport.Status.FROZEN)
    from buddynet.funding.render import labelled

    return render(request, "funding/portal.html", {
        "portfolios": [labelled(p) for p in portfolios], "frozen_reports": frozen, "start": start, "end": end,
    })


@login_required
def portfolio(request: HttpRequest, funder_id: int, fmt: str = "html") -> HttpResponse:
    funder = funder_get_for_user(user=request.user, funder_id=funder_id)
    start, end = reports.whole_months(*_period(request))  # as the report itself counts them
    numbers = reports.portfolio_report(funder=funder, start=start, end=end)
    from buddynet.funding.render import sort_rows

    sort, descending = request.GET.get("sort", ""), request.GET.get("order") == "desc"
    numbers = sort_rows(numbers, sort, descending=descending)
    return _output(request, numbers, fmt, name=f"portfolio-{start}-{end}",
                   extra={"downloads": _links("funding:portfolio-as", [funder.pk], request), "start": start,
                          "end": end, "sortable": True, "sort": sort, "descending": descending})


def _links(name: str, args: list[Any], request: HttpRequest | None = None) -> list[dict[str, str]]:
    query = f"?{request.GET.urlencode()}" if request is not None and request.GET else ""
    return [{"label": label, "url": reverse(name, args=[*args, fmt]) + query}
            for fmt, label in (("pdf", "PDF"), ("csv", "CSV"), ("xlsx", "Excel (XLSX)"))]


# --- reports -----------------------------------------------------------------------------------
@login_required
def report(request: HttpRequest, report_id: int, fmt: str = "html") -> HttpResponse:
    obj = selectors.report_get_for_user(user=request.user, report_id=report_id)
    if fmt == "pdf" and obj.is_frozen:
        # The stored PDF, byte for byte what was signed off.
        return FileResponse(obj.pdf.open("rb"), as_attachment=True, filename=f"{obj.grant.reference}.pdf",
                            content_type="application/pdf")
    numbers = services.report_numbers(report=obj)
    may_sign = not obj.is_frozen and roles_of(request.user).coordinates(obj.grant.project_id)
    return _output(request, numbers, fmt, name=f"{obj.grant.reference}-{obj.period_start}-{obj.period_end}",
                   extra={"report_obj": obj, "frozen_at": obj.frozen_at, "may_sign": may_sign,
                          "downloads": _links("funding:report-as", [obj.pk])})


@login_required
@require_POST
def report_sign_off(request: HttpRequest, report_id: int) -> HttpResponse:
    obj = selectors.report_get_for_user(user=request.user, report_id=report_id)
    if not roles_of(request.user).coordinates(obj.grant.project_id):
        raise PermissionDenied
    try:
        services.report_sign_off(report=obj, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The report is signed off and frozen; the funder can now see it."))
    return redirect("funding:report", obj.pk)


# --- coordinator: grants and expenses ----------------------------------------------------------
@login_required
def grants(request: HttpRequest) -> HttpResponse:
    _staff(request)
    rows = selectors.grants_for_coordinator(user=request.user).annotate(spent=Sum("expenses__amount"))
    return render(request, "funding/grants.html", {"grants": rows.order_by("project__name", "-start_date")})


# An <input type="date"> only shows an ISO value; the localized "25/11/2026" would leave it empty.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ExpenseForm(forms.Form):
    budget_line = forms.ModelChoiceField(queryset=BudgetLine.objects.none(), label=gettext_lazy("Budget line"))
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE, validators=[plausible_date])
    amount = forms.DecimalField(label=gettext_lazy("Amount (EUR)"), min_value=Decimal("0.01"), max_digits=12,
                                decimal_places=2)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300)
    supplier = forms.CharField(label=gettext_lazy("Supplier"), max_length=200, required=False)
    receipt = forms.FileField(label=gettext_lazy("Receipt"), required=False)
    overspend_justification = forms.CharField(
        label=gettext_lazy("Justification if the budget line is overspent"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, grant: Grant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = grant.budget_lines.all()


class ReportForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("Period from"), widget=DATE, validators=[plausible_date])
    period_end = forms.DateField(label=gettext_lazy("Period up to"), widget=DATE, validators=[plausible_date])


def _apply_service_error(form: forms.Form, exc: ServiceError) -> None:
    message = exc.message
    if isinstance(message, dict):
        for field, text in message.items():
            form.add_error(field if field in form.fields else None, text if isinstance(text, list) else str(text))
    else:
        form.add_error(None, str(message))


@login_required
def grant(request: HttpRequest, grant_id: int) -> HttpResponse:
    _staff(request)
    obj = get_object_or_404(selectors.grants_for_coordinator(user=request.user), pk=grant_id)
    expense_form = ExpenseForm(grant=obj, prefix="expense")
    report_form = ReportForm(prefix="report", initial={"period_start": obj.start_date})
    if request.method == "POST":
        if "expense-date" in request.POST:
            expense_form = ExpenseForm(request.POST, request.FILES, grant=obj, prefix="expense")
            if expense_form.is_valid():
                try:
                    services.expense_record(grant=obj, by=request.user, **expense_form.cleaned_data)
                except ServiceError as exc:
                    _apply_service_error(expense_form, exc)
                else:
                    messages.success(request, _("The expense is booked."))
                    return redirect("funding:grant", obj.pk)
        else:
            report_form = ReportForm(request.POST, prefix="report")
            if report_form.is_valid():
                try:
                    new = services.report_create(grant=obj, by=request.user, **report_form.cleaned_data)
                except ServiceError as exc:
                    _apply_service_error(report_form, exc)
                else:
                    return redirect("funding:report", new.pk)
    today = timezone.localdate()
    m = reports.money_raw(grants=[obj], start=obj.start_date, end=min(today, obj.end_date))[obj.pk]
    money = reports.publish_money(m, start=obj.start_date, end=min(today, obj.end_date))
    from buddynet.funding.render import labelled

    return render(request, "funding/grant.html", {
        "grant": obj, "money": labelled({"kind": "grant", "money": money})["money"],
        "obligations": labelled({"obligations": reports.publish_obligations(m.obligations, today=today)})[
            "obligations"],
        "expenses": Expense.objects.filter(grant=obj).select_related("budget_line")[:200],
        "reports": obj.reports.all(), "expense_form": expense_form, "report_form": report_form,
    })


# --- coordinator: volunteer allowances ---------------------------------------------------------
class AllowanceForm(forms.Form):
    volunteer = forms.ModelChoiceField(queryset=Volunteer.objects.none(), label=gettext_lazy("Volunteer"))
    kind = forms.ChoiceField(choices=AllowanceKind.choices, label=gettext_lazy("Kind"))
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=DATE, validators=[plausible_date])
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=0, max_value=366, initial=0)
    amount = forms.DecimalField(label=gettext_lazy("Amount (EUR)"), min_value=Decimal("0.01"), max_digits=12,
                                decimal_places=2)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = Volunteer.objects.filter(project=project)


def allowance_rows(*, project: Project, year: int) -> list[dict[str, Any]]:
    """The yearly list the law asks for: per volunteer the days and amounts (a fixed number of queries)."""
    volunteers = list(Volunteer.objects.filter(project=project).order_by("last_name", "first_name", "pk"))
    ids = [v.pk for v in volunteers]
    paid: dict[tuple[int, str], dict[str, Any]] = {
        (r["volunteer_id"], r["kind"]): r
        for r in AllowancePayment.objects.filter(volunteer_id__in=ids, year=year)
        .values("volunteer_id", "kind").annotate(days=Sum("days"), amount=Sum("amount")).order_by()
    }
    declared = {
        r["volunteer_id"]: r
        for r in DeclaredAllowance.objects.filter(volunteer_id__in=ids, year=year)
        .values("volunteer_id").annotate(days=Sum("days"), amount=Sum("amount")).order_by()
    }
    known = selectors.volunteered_days(volunteer_ids=ids, year=year)
    rows = []
    for v in volunteers:
        flat = paid.get((v.pk, AllowanceKind.FLAT_RATE), {})
        real = paid.get((v.pk, AllowanceKind.REAL_COST), {})
        elsewhere = declared.get(v.pk, {})
        if not (flat or real or elsewhere or known.get(v.pk)):
            continue
        rows.append({
            "volunteer": v, "days_volunteered": known.get(v.pk),
            # SQLite sums decimals as floats: round back to cents.
            "flat_days": flat.get("days") or 0, "flat_amount": reports.money(flat.get("amount") or 0),
            "real_amount": reports.money(real.get("amount") or 0),
            "declared_days": elsewhere.get("days") or 0,
            "declared_amount": reports.money(elsewhere.get("amount") or 0),
        })
    return rows


@login_required
def allowances(request: HttpRequest, project_id: int | None = None) -> HttpResponse:
    _staff(request)
    if project_id is None:
        first = selectors.grants_for_coordinator(user=request.user).values_list("project_id", flat=True).first()
        roles = roles_of(request.user)
        first = first or next(iter(sorted(roles.coordinated_project_ids)), None)
        if first is None:
            raise Http404
        return redirect("funding:allowances", first)
    project = project_get_for_user(user=request.user, project_id=project_id)
    year = _year(request)
    form = AllowanceForm(project=project, initial={"paid_on": timezone.localdate()})
    if request.method == "POST":
        form = AllowanceForm(request.POST, project=project)
        if form.is_valid():
            try:
                result = services.allowance_payment_record(by=request.user, year=year, **form.cleaned_data)
            except ServiceError as exc:
                _apply_service_error(form, exc)
            else:
                messages.success(request, _("The payment is recorded."))
                if result.warning:
                    messages.warning(request, result.warning)
                return redirect(reverse("funding:allowances", args=[project.pk]) + f"?year={year}")
    return render(request, "funding/allowances.html", {
        "project": project, "year": year, "rows": allowance_rows(project=project, year=year), "form": form,
        "cap": AllowanceCap.objects.filter(year=year).first(),
        "years": list(AllowanceCap.objects.order_by("-year").values_list("year", flat=True)),
    })


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return year


@login_required
def allowances_csv(request: HttpRequest, project_id: int) -> HttpResponse:
    """The yearly list per volunteer (name, days, amounts) that Belgian law asks organisations to keep."""
    _staff(request)
    project = project_get_for_user(user=request.user, project_id=project_id)
    year = _year(request)
    header = [_("Volunteer"), _("Days volunteered"), _("Flat-rate days"), _("Flat-rate amount (EUR)"),
              _("Real costs (EUR)"), _("Days declared elsewhere"), _("Amount declared elsewhere (EUR)")]
    body = spreadsheet.csv_bytes(header, (
        [str(row["volunteer"]), row["days_volunteered"], row["flat_days"], Decimal(row["flat_amount"]),
         Decimal(row["real_amount"]), row["declared_days"], Decimal(row["declared_amount"])]
        for row in allowance_rows(project=project, year=year)))
    return _download(body, name=f"vrijwilligersvergoedingen-{project.pk}-{year}.csv",
                     content_type="text/csv; charset=utf-8")
