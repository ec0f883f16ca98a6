"""Funding pages: the funder portal, the coordinator's grants, expenses, allowances and reports.

What a funder sees is made from published report numbers only (reports.py), so no page of the
portal can show a person. Objects come from the scoped selectors (404 outside one's scope).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buddynet import spreadsheet
from buddynet.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from buddynet.features.funding import outputs, reports, selectors, services
from buddynet.features.funding.models import (
    AllowanceCap,
    AllowanceKind,
    AllowancePayment,
    BudgetLine,
    DeclaredAllowance,
    Grant,
    PortfolioJob,
    ProgressReport,
    ReportingObligation,
)
from buddynet.features.funding.receipts import receipt_response
from buddynet.formats import short_date
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.people.models import Project, Volunteer
from buddynet.records.people.selectors import funder_get_for_user, funders_for_user, project_get_for_user
from buddynet.validators import plausible_date


# --- helpers -----------------------------------------------------------------------------------
def _period(request: HttpRequest) -> tuple[date, date]:
    """?start=&end= (ISO dates); by default the current calendar year up to today."""
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = date.fromisoformat(request.GET.get("end") or today.isoformat())
        plausible_date(start)  # year 1 or 9999 is no period (and overflowed whole_months: a 500)
        plausible_date(end)
    except (ValueError, ValidationError):
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
    """The report page (html), or the report as a file of one of outputs.FILE_FORMATS."""
    if fmt in outputs.FILE_FORMATS:
        document = {k: extra[k] for k in outputs.DOCUMENT_KEYS if k in extra}
        body = outputs.output_file(numbers, fmt, frozen_at=extra.get("frozen_at"), **document)
        return _download(body, name=f"{name}.{fmt}", content_type=outputs.content_type(fmt))
    from buddynet.features.funding import render as out  # matplotlib/WeasyPrint only for report pages

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
    from buddynet.features.funding.render import labelled

    return render(request, "funding/portal.html", {
        "portfolios": [labelled(p) for p in portfolios], "frozen_reports": frozen, "start": start, "end": end,
    })


@login_required
def portfolio(request: HttpRequest, funder_id: int, fmt: str = "html") -> HttpResponse:
    """One project: the report made on the request. More: made by a Celery task (issue 20); this
    asks for it (or finds the one asked for already) and sends the user to its progress page."""
    funder = funder_get_for_user(user=request.user, funder_id=funder_id)
    start, end = reports.whole_months(*_period(request))  # as the report itself counts them
    from buddynet.features.funding.render import SORT_KEYS, sort_rows

    sort, descending = request.GET.get("sort", ""), request.GET.get("order") == "desc"
    if services.portfolio_project_count(funder=funder) > 1:
        try:
            job = services.portfolio_job_request(
                funder=funder, by=request.user, start=start, end=end, fmt=fmt,
                sort=sort if sort in SORT_KEYS else "", descending=descending,
                language=get_language() or settings.LANGUAGE_CODE)
        except (Conflict, InvalidInput) as exc:
            messages.error(request, _service_text(exc))
            return redirect("funding:portal")
        return redirect("funding:portfolio-job", job.pk)
    numbers = reports.portfolio_report(funder=funder, start=start, end=end)
    numbers = sort_rows(numbers, sort, descending=descending)
    return _output(request, numbers, fmt, name=f"portfolio-{start}-{end}",
                   extra={"downloads": _links("funding:portfolio-as", [funder.pk], request), "start": start,
                          "end": end, "sortable": True, "sort": sort, "descending": descending})


def _links(name: str, args: list[Any], request: HttpRequest | None = None, *, query: str = "") -> list[dict[str, str]]:
    """The report's download links, one per file format, with the page's query (period, order)."""
    query = query or (request.GET.urlencode() if request is not None else "")
    return outputs.download_links(lambda fmt: reverse(name, args=[*args, fmt]) + (f"?{query}" if query else ""))


# --- the portfolio report made by a task -------------------------------------------------------
def _job_query(job: PortfolioJob) -> str:
    """The query string that asks for this job's report again (period and order)."""
    query = QueryDict(mutable=True)
    query.update({"start": job.period_start.isoformat(), "end": job.period_end.isoformat()})
    if job.sort:
        query["sort"] = job.sort
        if job.descending:
            query["order"] = "desc"
    return query.urlencode()


def _job_state(job: PortfolioJob) -> dict[str, Any]:
    """What the progress page and its polling say about a job: the same words for both."""
    steps = list(services.PORTFOLIO_STAGES)
    labels = {
        "numbers": _("reading the figures of all projects"),
        "projects": _("working through the projects"),
        "render": _("making the PDF") if job.fmt == PortfolioJob.Format.PDF else _("laying out the report"),
        "store": _("saving the result"),
    }
    if job.status == PortfolioJob.Status.QUEUED:
        text = _("Waiting for a free worker…")
    elif job.status == PortfolioJob.Status.RUNNING and job.stage in labels:
        text = _("Step %(step)s of %(steps)s: %(stage)s.") % {
            "step": steps.index(job.stage) + 1, "steps": len(steps), "stage": labels[job.stage]}
        if job.projects_total:
            text += " " + ngettext("%(done)s of %(total)s project done.", "%(done)s of %(total)s projects done.",
                                   job.projects_total) % {"done": job.projects_done, "total": job.projects_total}
    elif job.status == PortfolioJob.Status.DONE:
        text = _("The report is ready.")
    else:
        text = _("Making the report failed.")
    return {"status": job.status, "progress": job.progress, "stage": job.stage, "text": text,
            "projects_done": job.projects_done, "projects_total": job.projects_total, "finished": job.finished}


@login_required
def portfolio_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A portfolio report made by a task: its progress while it is made, then the report (HTML)
    or its download; a failure with the offer to ask again. Only for the user who asked."""
    job = selectors.portfolio_job_get_for_user(user=request.user, job_id=job_id)
    query = _job_query(job)
    page: dict[str, Any] = {
        "job": job, "state": _job_state(job), "funder": job.funder, "start": job.period_start, "end": job.period_end,
        "downloads": _links("funding:portfolio-as", [job.funder_id], query=query),
    }
    if job.status == PortfolioJob.Status.DONE and job.fmt == PortfolioJob.Format.HTML:
        with job.result.open("rb") as handle:
            page["body"] = mark_safe(handle.read().decode())  # noqa: S308 - rendered by our own template
    response = render(request, "funding/portfolio_job.html", page)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def portfolio_job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """The job's state as JSON, for the progress page's polling."""
    job = selectors.portfolio_job_get_for_user(user=request.user, job_id=job_id)
    response = JsonResponse(_job_state(job))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def portfolio_job_download(request: HttpRequest, job_id: int) -> FileResponse:
    """The finished PDF, CSV or XLSX, as a download, never cached."""
    job = selectors.portfolio_job_get_for_user(user=request.user, job_id=job_id)
    if job.status != PortfolioJob.Status.DONE or job.fmt == PortfolioJob.Format.HTML or not job.result:
        raise Http404
    response = FileResponse(job.result.open("rb"), as_attachment=True, content_type=outputs.content_type(job.fmt),
                            filename=f"portfolio-{job.period_start}-{job.period_end}.{job.fmt}")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def portfolio_job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.portfolio_job_get_for_user(user=request.user, job_id=job_id)
    try:
        new = services.portfolio_job_retry(job=job, by=request.user)
    except ServiceError as exc:
        messages.error(request, _service_text(exc))
        return redirect("funding:portfolio-job", job.pk)
    return redirect("funding:portfolio-job", new.pk)


# --- reports -----------------------------------------------------------------------------------
def _report_name(obj: ProgressReport) -> str:
    suffix = f"-v{obj.version}" if obj.version > 1 else ""
    return f"{obj.grant.reference}-{obj.period_start}-{obj.period_end}{suffix}"


class NarrativeForm(forms.Form):
    """The four narrative sections; the browser checks the spelling in Dutch (nl-BE)."""

    highlights = forms.CharField(label=gettext_lazy("Highlights"), required=False,
                                 max_length=services.NARRATIVE_MAX_CHARS, strip=False)
    difficulties = forms.CharField(label=gettext_lazy("Difficulties"), required=False,
                                   max_length=services.NARRATIVE_MAX_CHARS, strip=False)
    deviations = forms.CharField(label=gettext_lazy("Deviations from the plan and why"), required=False,
                                 max_length=services.NARRATIVE_MAX_CHARS, strip=False)
    outlook = forms.CharField(label=gettext_lazy("Outlook"), required=False,
                              max_length=services.NARRATIVE_MAX_CHARS, strip=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "true", "lang": "nl-BE",
                                                 "aria-describedby": "narrative-help"})


class AnnexForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Annex (PDF, JPEG or PNG, at most 10 MB)"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))


class SignOffForm(forms.Form):
    confirmation = forms.CharField(label=gettext_lazy("Type the name of the report to confirm"), max_length=200)


class AnswerForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true", "lang": "nl-BE"}))


def _versions(obj: ProgressReport, user: Actor) -> list[ProgressReport]:
    """Every version of this report the user may see, oldest first (a chain of `previous`)."""
    chain = [obj]
    while chain[0].previous_id is not None:
        chain.insert(0, chain[0].previous)  # type: ignore[arg-type]
    node = obj
    while True:
        try:
            node = node.next_version
        except ProgressReport.DoesNotExist:
            break
        chain.append(node)
    visible = set(selectors.reports_for_user(user=user).filter(pk__in=[r.pk for r in chain])
                  .values_list("pk", flat=True))
    return [r for r in chain if r.pk in visible]


@login_required
def report(request: HttpRequest, report_id: int, fmt: str = "html") -> HttpResponse:
    obj = selectors.report_get_for_user(user=request.user, report_id=report_id)
    if fmt == "pdf" and obj.is_frozen:
        # The stored PDF, byte for byte what was signed off.
        return FileResponse(obj.pdf.open("rb"), as_attachment=True, filename=f"{_report_name(obj)}.pdf",
                            content_type=outputs.content_type("pdf"))
    numbers = services.report_numbers(report=obj)
    extra = services.report_document_extra(report=obj)
    roles = roles_of(request.user)
    may_write = not obj.is_frozen and roles.coordinates(obj.grant.project_id)
    may_answer = (obj.is_frozen and not obj.answer
                  and (roles.administrator or obj.grant.funder_id in roles.funder_ids))
    may_delete = may_write and services.report_draft_deletable(report=obj, by=request.user)
    page: dict[str, Any] = {"report_obj": obj, "frozen_at": obj.frozen_at, "may_sign": may_write,
                            "may_delete": may_delete,
                            "may_answer": may_answer, "downloads": _links("funding:report-as", [obj.pk]),
                            "versions": _versions(obj, request.user),
                            "annex_rows": list(obj.annexes.order_by("uploaded_at", "id")), **extra}
    if fmt == "html" and may_write:
        last = services.report_narrative(report=obj)
        page["narrative_form"] = NarrativeForm(initial=last.texts() if last else None)
        page["annex_form"] = AnnexForm()
    if fmt == "html" and may_answer:
        page["answer_form"] = AnswerForm()
    return _output(request, numbers, fmt, name=_report_name(obj), extra=page)


def _own_draft(request: HttpRequest, report_id: int) -> ProgressReport:
    obj = selectors.report_get_for_user(user=request.user, report_id=report_id)
    if not roles_of(request.user).coordinates(obj.grant.project_id):
        raise PermissionDenied
    return obj


@login_required
def report_preview(request: HttpRequest, report_id: int) -> HttpResponse:
    """The whole PDF as it would be frozen now, shown in the browser (inline), never cached."""
    obj = _own_draft(request, report_id)
    if obj.is_frozen:
        return redirect("funding:report-pdf", obj.pk)
    body = outputs.output_file(services.report_numbers(report=obj), "pdf",
                               **services.report_document_extra(report=obj))
    response = HttpResponse(body, content_type=outputs.content_type("pdf"))
    response["Content-Disposition"] = f'inline; filename="{_report_name(obj)}-voorbeeld.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def report_narrative(request: HttpRequest, report_id: int) -> HttpResponse:
    obj = _own_draft(request, report_id)
    form = NarrativeForm(request.POST)
    if form.is_valid():
        try:
            services.report_narrative_save(report=obj, by=request.user, texts=form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, _service_text(exc))
        else:
            messages.success(request, _("The narrative is saved as a draft."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("funding:report", args=[obj.pk]) + "#narrative")


def _service_text(exc: ServiceError) -> str:
    message = exc.message
    if isinstance(message, dict):
        return " ".join(str(v) if not isinstance(v, list) else " ".join(map(str, v)) for v in message.values())
    return str(message)


@login_required
@require_POST
def report_annex_add(request: HttpRequest, report_id: int) -> HttpResponse:
    obj = _own_draft(request, report_id)
    form = AnnexForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_annex_add(report=obj, by=request.user, upload=form.cleaned_data["file"])
        except ServiceError as exc:
            messages.error(request, _service_text(exc))
        else:
            messages.success(request, _("The annex is added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("funding:report", args=[obj.pk]) + "#annexes")


@login_required
@require_POST
def report_annex_remove(request: HttpRequest, report_id: int, annex_id: int) -> HttpResponse:
    obj = _own_draft(request, report_id)
    annex = get_object_or_404(obj.annexes.all(), pk=annex_id)
    try:
        services.report_annex_remove(annex=annex, by=request.user)
    except ServiceError as exc:
        messages.error(request, _service_text(exc))
    else:
        messages.success(request, _("The annex is removed."))
    return redirect(reverse("funding:report", args=[obj.pk]) + "#annexes")


@login_required
def report_annex(request: HttpRequest, report_id: int, annex_id: int) -> HttpResponse:
    """An annex as it was stored: as a download, of the type its content showed, never cached."""
    obj = selectors.report_get_for_user(user=request.user, report_id=report_id)
    annex = get_object_or_404(obj.annexes.all(), pk=annex_id)
    response = FileResponse(annex.file.open("rb"), as_attachment=True, filename=annex.name,
                            content_type=annex.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def report_sign_off(request: HttpRequest, report_id: int) -> HttpResponse:
    """GET: what will be frozen, a link to the preview and the confirmation (the report's name typed).
    POST: sign off."""
    obj = _own_draft(request, report_id)
    if obj.is_frozen:
        messages.error(request, _("This report was already signed off."))
        return redirect("funding:report", obj.pk)
    form = SignOffForm()
    if request.method == "POST":
        form = SignOffForm(request.POST)
        if form.is_valid():
            try:
                services.report_sign_off(report=obj, by=request.user, confirmation=form.cleaned_data["confirmation"])
            except ServiceError as exc:
                _apply_service_error(form, exc)
            else:
                messages.success(request, _("The report is signed off and frozen; the funder can now see it."))
                return redirect("funding:report", obj.pk)
    summary = services.report_sign_off_summary(report=obj)
    sections = [(NarrativeForm.base_fields[k].label, n) for k, n in summary.narrative_words.items()]
    return render(request, "funding/report_sign_off.html", {
        "report_obj": obj, "summary": summary, "sections": sections, "form": form,
    })


@login_required
def report_delete(request: HttpRequest, report_id: int) -> HttpResponse:
    """GET: what goes with the draft, and the confirmation (a form, no script needed). POST: delete it
    (services.report_draft_delete refuses a signed-off or later version); back to the grant."""
    obj = _own_draft(request, report_id)
    try:
        services.report_draft_delete_check(report=obj, by=request.user)
        if request.method == "POST":
            services.report_draft_delete(report=obj, by=request.user)
            messages.success(request, _("The draft %(name)s is deleted.") % {"name": obj.name})
            return redirect(reverse("funding:grant", args=[obj.grant_id]) + "#reports")
    except ServiceError as exc:
        messages.error(request, _service_text(exc))
        return redirect("funding:report", obj.pk)
    narrative = services.report_narrative(report=obj)
    return render(request, "funding/report_delete.html", {
        "report_obj": obj, "annexes": list(obj.annexes.order_by("uploaded_at", "id")),
        "narrative_saves": obj.narratives.count(), "narrative_saved_at": narrative.saved_at if narrative else None,
    })


@login_required
@require_POST
def report_answer(request: HttpRequest, report_id: int) -> HttpResponse:
    """The funder's answer: "approve" or "complete" (with what should be completed)."""
    obj = selectors.report_get_for_user(user=request.user, report_id=report_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("funding:report", obj.pk)
    comment = form.cleaned_data["comment"]
    try:
        if request.POST.get("answer") == "complete":
            services.report_request_completion(report=obj, by=request.user, comment=comment)
            messages.success(request, _("Your request is sent; the project works on a new version."))
        elif request.POST.get("answer") == "approve":
            services.report_approve(report=obj, by=request.user, comment=comment)
            messages.success(request, _("The report is approved; the project is told."))
        else:
            raise Http404
    except ServiceError as exc:
        if isinstance(exc, NotAllowed):
            raise PermissionDenied from exc
        messages.error(request, _service_text(exc))
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


EXPENSES_PER_PAGE = 50


class ExpenseFilter(forms.Form):
    """The expense list's filter (GET): a budget line and a period."""

    line = forms.ModelChoiceField(queryset=BudgetLine.objects.none(), required=False,
                                  label=gettext_lazy("Budget line"), empty_label=gettext_lazy("All"))
    start = forms.DateField(validators=[plausible_date], label=gettext_lazy("From"), required=False, widget=DATE)
    end = forms.DateField(validators=[plausible_date], label=gettext_lazy("Up to"), required=False, widget=DATE)

    def __init__(self, *args: Any, grant: Grant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = grant.budget_lines.all()
        self.fields["line"].label_from_instance = lambda line: line.get_kind_display()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The end lies before the start."))
        return cleaned


class ReportForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("Period from"), widget=DATE, validators=[plausible_date])
    period_end = forms.DateField(label=gettext_lazy("Period up to"), widget=DATE, validators=[plausible_date])
    obligation = forms.ModelChoiceField(
        queryset=ReportingObligation.objects.none(), required=False, label=gettext_lazy("Answers the obligation"),
        empty_label=gettext_lazy("None: a report the funder did not ask for"),
        help_text=gettext_lazy("Signing the report off marks this obligation submitted; the funder's approval "
                               "marks it approved."))

    def __init__(self, *args: Any, grant: Grant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["obligation"]
        field.queryset = services.obligations_open_for_report(grant=grant)
        field.label_from_instance = lambda o: _("%(kind)s, due %(due)s") % {
            "kind": o.get_kind_display(), "due": short_date(o.due_on)}
        if not self.is_bound:
            self.initial.setdefault("obligation", field.queryset.first())  # the soonest due


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
    report_form = ReportForm(prefix="report", initial={"period_start": obj.start_date}, grant=obj)
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
            report_form = ReportForm(request.POST, prefix="report", grant=obj)
            if report_form.is_valid():
                try:
                    new = services.report_create(grant=obj, by=request.user, **report_form.cleaned_data)
                except ServiceError as exc:
                    _apply_service_error(report_form, exc)
                else:
                    return redirect("funding:report", new.pk)
    expense_filter = ExpenseFilter(request.GET or None, grant=obj)
    expenses = selectors.expenses_for_user(user=request.user).filter(grant=obj)
    if expense_filter.is_valid():
        chosen = expense_filter.cleaned_data
        if chosen.get("line"):
            expenses = expenses.filter(budget_line=chosen["line"])
        if chosen.get("start"):
            expenses = expenses.filter(date__gte=chosen["start"])
        if chosen.get("end"):
            expenses = expenses.filter(date__lte=chosen["end"])
    # Paged in the database (LIMIT/OFFSET on the (grant, date) index): a grant of three years
    # holds hundreds of expenses, and one page of all of them took up to 1.1 s (issue 17).
    paginator = Paginator(expenses.order_by("-date", "-id"), EXPENSES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    today = timezone.localdate()
    m = reports.money_raw(grants=[obj], start=obj.start_date, end=min(today, obj.end_date))[obj.pk]
    money = reports.publish_money(m, start=obj.start_date, end=min(today, obj.end_date))
    from buddynet.features.funding.render import labelled

    return render(request, "funding/grant.html", {
        "grant": obj, "money": labelled({"kind": "grant", "money": money})["money"],
        "obligations": labelled({"obligations": reports.publish_obligations(m.obligations, today=today)})[
            "obligations"],
        "expenses": page, "expense_filter": expense_filter, "filter_query": keep.urlencode(),
        "expense_total": expenses.aggregate(total=Sum("amount"))["total"] or Decimal("0"),
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "reports": obj.reports.all(), "expense_form": expense_form, "report_form": report_form,
    })


@login_required
def receipt(request: HttpRequest, expense_id: int) -> FileResponse:
    """An expense's receipt, to the coordinators of its project (and administrators); 404 to anyone
    else, as for an expense that does not exist. Served as the type its bytes were checked to be
    (receipts.py), as a download, never cached (it may show a name or an address)."""
    expense = selectors.receipt_expense_for_user(user=request.user, expense_id=expense_id)
    if expense is None:
        raise Http404
    return receipt_response(expense)


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
    rows = allowance_rows(project=project, year=year)
    form = AllowanceForm(project=project, initial=_allowance_initial(request, project, year, rows))
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
        "project": project, "year": year, "rows": rows, "form": form,
        "cap": AllowanceCap.objects.filter(year=year).first(),
        "own": selectors.allowance_settings_of(organisation_id=project.organisation_id),
        "years": list(AllowanceCap.objects.order_by("-year").values_list("year", flat=True)),
    })


def _unpaid_days(row: dict[str, Any]) -> int:
    """Days volunteered that no flat rate paid yet (at least 1: the form's smallest payment)."""
    return max((row["days_volunteered"] or 0) - row["flat_days"], 1)


def _allowance_initial(request: HttpRequest, project: Project, year: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The payment form pre-filled from the organisation's allowance settings (issue 16): its
    default system and days × its rate; with ?volunteer=<id> (the table's "Fill in" link) that
    volunteer and their days volunteered but not yet paid. The payment service still decides."""
    initial: dict[str, Any] = {"paid_on": timezone.localdate()}
    days = 1
    row = next((r for r in rows if str(r["volunteer"].pk) == request.GET.get("volunteer")), None)
    if row is not None:
        initial["volunteer"] = row["volunteer"].pk
        days = _unpaid_days(row)
    initial.update(selectors.allowance_prefill(organisation_id=project.organisation_id, year=year, days=days))
    return initial


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
