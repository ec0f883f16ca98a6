"""Pages of barrier signals (mounted at /signalen/): a project's signals grouped and moved along,
a coordinator recording one for a participant, and the signal report (page, PDF, XLSX).

Access, the same on every page: nobody signed in → the sign-in page; no coordinator or
administrator role → 403 (volunteers and funders: a funder gets the report's files from the
organisation, never these pages); an organisation administrator opens the report only, over its
organisations' projects; another project's signal or participant → 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buddynet.errors import ServiceError
from buddynet.features.signals import report as signal_report
from buddynet.features.signals import selectors, services
from buddynet.features.signals.forms import FilterForm, MoveForm, ReportForm, ShareForm, SignalForm
from buddynet.features.signals.models import NEXT_STATUSES, Signal, SignalStatus
from buddynet.records.accounts.models import User
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.duos.selectors import duos_for_user
from buddynet.records.people.selectors import participant_get_for_user, project_get_for_user
from buddynet.vocabulary import LifeDomain

View = Callable[..., HttpResponse]


def _me(request: HttpRequest) -> User:
    """The signed-in user (the views that write are coordinator_required, which logs in first)."""
    return cast(User, request.user)


def coordinator_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        roles = roles_of(request.user)
        if not (roles.is_coordinator or roles.administrator):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def report_maker_required(view: View) -> View:
    """Coordinators, administrators and organisation administrators (the report only)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        roles = roles_of(request.user)
        if not (roles.is_coordinator or roles.administrator or roles.is_org_admin):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _errors(error: ServiceError) -> list[str]:
    message = error.message
    if isinstance(message, dict):
        return [str(m) for v in message.values() for m in (v if isinstance(v, list) else [v])]
    return [str(message)]


SIGNALS_PAGE = 25
# Per grouping: the column that groups, and the order that keeps a group's signals together across
# the pages of the list (the newest first within a group).
GROUP_FIELDS = {"barrier_type": ("barrier_type_id", ("barrier_type__position", "barrier_type__code")),
                "municipality": ("municipality", ("municipality",)),
                "life_domain": ("life_domain", ("life_domain",)),
                "status": ("status", ("status",))}


class _Group(list[Signal]):
    """One group's signals on this page, and how many the group holds on all pages."""

    total = 0


@coordinator_required
def project_signals(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's signals, grouped by type, municipality, life domain or status, paged (the
    whole list grew with the project: 13 -> 83 kB at 10x people; each signal carries two forms);
    each with the next statuses it may move to and, for a description, whether it may be shared."""
    project = project_get_for_user(user=request.user, project_id=project_id)
    filters = FilterForm(request.GET or None)
    group_by, status = "barrier_type", ""
    if filters.is_valid():
        group_by = filters.cleaned_data["group_by"] or group_by
        status = filters.cleaned_data["status"]
    field, order = GROUP_FIELDS[group_by]
    qs = selectors.signals_filtered(user=request.user, project_ids=[project.pk], status=status)
    page = Paginator(qs.order_by(*order, "-date", "-id"), SIGNALS_PAGE).get_page(request.GET.get("page"))
    totals = dict(qs.order_by().values_list(field).annotate(n=Count("id")))
    domains, statuses = dict(LifeDomain.choices), dict(SignalStatus.choices)
    groups: dict[Any, tuple[str, _Group]] = {}

    def label_of(s: Signal) -> str:
        if group_by == "municipality":
            return s.municipality or "—"
        if group_by == "life_domain":
            return str(domains.get(s.life_domain, s.life_domain))
        if group_by == "status":
            return str(statuses.get(s.status, s.status))
        return s.barrier_type.name

    for s in page.object_list:
        # The statuses it may move to, for the page's select.
        setattr(s, "next_statuses", [(code, statuses[code]) for code in NEXT_STATUSES[s.status]])  # noqa: B010
        key = getattr(s, field)
        if key not in groups:
            groups[key] = (label_of(s), _Group())
            groups[key][1].total = totals.get(key, 0)
        groups[key][1].append(s)
    return render(request, "signals/project.html", {
        "project": project, "section": "signals", "filters": filters if filters.is_bound else FilterForm(),
        "groups": list(groups.values()), "count": page.paginator.count, "page": page,
        "passed_on": SignalStatus.PASSED_ON, "report_url": reverse("signals:report") + f"?project={project.pk}",
    })


@coordinator_required
def signal_new(request: HttpRequest, participant_id: int) -> HttpResponse:
    """A coordinator records a barrier for a participant (with their open duo, if any)."""
    person = participant_get_for_user(user=request.user, participant_id=participant_id)
    form = SignalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        duo = duos_for_user(user=request.user, role="coordinator").filter(
            participant=person).exclude(status="closed").first()
        try:
            with transaction.atomic():
                services.signal_record(participant=person, duo=duo, data=form.cleaned_data, by=_me(request))
        except ServiceError as exc:
            for text in _errors(exc):
                form.add_error(None, text)
        else:
            messages.success(request, _("The signal is saved."))
            return redirect("signals:project", project_id=person.project_id)
    return render(request, "signals/signal_new.html", {"person": person, "form": form},
                  status=400 if form.errors else 200)


@coordinator_required
@require_POST
def signal_move(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = selectors.signal_get_for_user(user=request.user, signal_id=signal_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.signal_move(signal=signal, status=form.cleaned_data["status"], by=_me(request),
                                 passed_on_to=form.cleaned_data["passed_on_to"])
        except ServiceError as exc:
            for text in _errors(exc):
                messages.error(request, text)
        else:
            messages.success(request, _("The status is changed."))
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect("signals:project", project_id=signal.project_id)


@coordinator_required
@require_POST
def signal_share(request: HttpRequest, signal_id: int) -> HttpResponse:
    """Rewrite the description (without names) and/or mark it shareable."""
    signal = selectors.signal_get_for_user(user=request.user, signal_id=signal_id)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                if "description" in request.POST:
                    signal = services.signal_describe(signal=signal, description=form.cleaned_data["description"],
                                                      by=_me(request))
                services.signal_share(signal=signal, shareable=form.cleaned_data["shareable"], by=_me(request))
        except ServiceError as exc:
            for text in _errors(exc):
                messages.error(request, text)
        else:
            messages.success(request, _("The signal is saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("signals:project", project_id=signal.project_id)


@report_maker_required
def report(request: HttpRequest) -> HttpResponse:
    """The signal report of a period (and a municipality) over the asker's projects (or one):
    shown here, and as PDF (PDF/A) or XLSX with ?format=pdf|xlsx."""
    projects = list(selectors.report_projects_for_user(user=request.user).order_by("name"))
    asked = request.GET.get("project", "")
    if asked.isdigit() and int(asked) not in {p.pk for p in projects}:
        raise Http404  # another organisation's (or another coordinator's) project
    today = timezone.localdate()
    initial = {"start": date(today.year, 1, 1), "end": today}
    form = ReportForm(request.GET if "start" in request.GET else None, projects=projects, initial=initial)
    numbers = None
    if form.is_bound and form.is_valid():
        c = form.cleaned_data
        chosen = [p for p in projects if c["project"] in (None, p.pk)]
        if c["project"] is not None and not chosen:
            form.add_error("project", _("Choose one of your projects."))
        else:
            signals = selectors.report_signals(user=request.user, project_ids=[p.pk for p in chosen])
            numbers = signal_report.signal_report(signals=signals, start=c["start"], end=c["end"],
                                                  municipality=c["municipality"].strip(),
                                                  projects=[p.name for p in chosen])
            fmt = request.GET.get("format")
            name = f"signalen-{c['start']:%Y%m%d}-{c['end']:%Y%m%d}"
            if fmt == "pdf":
                response = HttpResponse(signal_report.pdf_bytes(numbers), content_type="application/pdf")
                response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
                return response
            if fmt == "xlsx":
                response = HttpResponse(
                    signal_report.xlsx_bytes(numbers),
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
                return response
    context: dict[str, Any] = {"form": form, "numbers": None}
    if numbers is not None:
        context.update(signal_report.context(numbers), numbers=numbers, query=request.GET.urlencode())
    return render(request, "signals/report.html", context, status=400 if form.errors else 200)
