"""The coordinator's aftercare page: what is due (and overdue) after closed duos, with a form to
log each contact, and what was done. A volunteer, a funder or another project's coordinator sees
nothing: 404, as for an id that does not exist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from buddynet.errors import ServiceError
from buddynet.features.aftercare import selectors, services
from buddynet.features.aftercare.forms import (
    EvaluationForm,
    ImportForm,
    LogForm,
    OutcomeForm,
    ParticipantFindForm,
    ReferralForm,
    ServiceForm,
    SettingsForm,
)
from buddynet.features.aftercare.models import ItemStatus
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.duos.selectors import duo_get_for_user
from buddynet.records.people.selectors import (
    participant_get_for_user,
    project_get_for_user,
    projects_for_user,
)


def _require_office(request: HttpRequest) -> None:
    roles = roles_of(request.user)
    if not (roles.administrator or roles.is_coordinator):
        raise Http404


AFTERCARE_PAGE = 25


def _page(request: HttpRequest, *, failed: tuple[int, LogForm] | None = None, status: int = 200,
          participant: Any = None) -> HttpResponse:
    """The planned items, paged, the earliest first; the latest done ones (a participant's page
    holds all of theirs). Both were every item of every closed duo: 16 -> 131 kB at 10x people."""
    items_qs = selectors.items_for_user(user=request.user).exclude(status=ItemStatus.CANCELLED)
    if participant is not None:
        items_qs = items_qs.filter(duo__participant=participant)
    planned_qs = items_qs.filter(status=ItemStatus.PLANNED).order_by("due_on", "id")
    done_qs = items_qs.filter(status=ItemStatus.DONE).order_by("-done_on", "-id")
    page = None
    if participant is None:
        page = Paginator(planned_qs, AFTERCARE_PAGE).get_page(request.GET.get("page"))
        planned_items, done = list(page.object_list), list(done_qs[:AFTERCARE_PAGE])
    else:  # one participant's few items, all of them
        planned_items, done = list(planned_qs), list(done_qs)
    today = timezone.localdate()
    planned = []
    for item in planned_items:
        form = failed[1] if failed and failed[0] == item.pk else LogForm(
            initial={"on": min(today, max(item.due_on, item.duo.closed_on or item.due_on))},
            prefix=f"item-{item.pk}")
        planned.append({"item": item, "form": form, "overdue": item.due_on <= today})
    return render(request, "aftercare/index.html", {
        "planned": planned, "page": page, "done": done, "done_shown": AFTERCARE_PAGE, "participant": participant,
        "projects": projects_for_user(user=request.user).order_by("name"),
    }, status=status)


@login_required
@require_GET
def index(request: HttpRequest, participant_id: int | None = None) -> HttpResponse:
    """Every aftercare item of my projects, or one participant's (where a reminder links: 404
    for a participant outside the caller's projects)."""
    _require_office(request)
    participant = (participant_get_for_user(user=request.user, participant_id=participant_id)
                   if participant_id is not None else None)
    return _page(request, participant=participant)


@login_required
@require_POST
def item_log(request: HttpRequest, item_id: int) -> HttpResponse:
    _require_office(request)
    item = selectors.item_get_for_user(user=request.user, item_id=item_id)
    form = LogForm(request.POST, prefix=f"item-{item.pk}")
    if form.is_valid():
        try:
            services.aftercare_log(item=item, by=request.user, on=form.cleaned_data["on"],  # type: ignore[arg-type]
                                   mode=form.cleaned_data["mode"], note=form.cleaned_data["note"])
        except ServiceError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Aftercare logged."))
            return redirect(reverse("aftercare:participant", args=[item.duo.participant_id]) + f"#item-{item.pk}")
    # On the participant's page, where the item is in view whatever page of the list it is on.
    return _page(request, failed=(item.pk, form), status=400, participant=item.duo.participant)


# --- referrals (issue 18 item 3) ---------------------------------------------------------------
# A referral is made on the participant's own referral page, where the participant is fixed and
# the services are their project's directory. The overview finds that page with a posted search
# (a name never travels in the address, docs/security.md) that answers a few matches: a form that
# listed every participant grew with the project (35 -> 273 ms at 10x people per project).
REFERRALS_PAGE = 25


def _new_form(request: HttpRequest, participant: Any, data: Any = None) -> ReferralForm:
    directory = selectors.referral_services_of_project(user=request.user, project_id=participant.project_id)
    return ReferralForm(data, services=directory, initial={"date": timezone.localdate()})


def _referrals_page(request: HttpRequest, *, participant: Any = None, new: ReferralForm | None = None,
                    upload: ImportForm | None = None, find: ParticipantFindForm | None = None,
                    found: list[Any] | None = None, failed: tuple[int, OutcomeForm] | None = None,
                    status: int = 200) -> HttpResponse:
    referrals_qs = selectors.referrals_for_user(user=request.user)
    directory = selectors.referral_services_for_user(user=request.user)
    if participant is not None:
        referrals_qs = referrals_qs.filter(participant=participant)
        directory = directory.filter(project_id=participant.project_id)
    # Open ones first; the id last, so a page boundary never shows a row twice.
    page = Paginator(referrals_qs.order_by("outcome", "-date", "-id"), REFERRALS_PAGE).get_page(request.GET.get("page"))
    rows = []
    for r in page.object_list:
        form = failed[1] if failed and failed[0] == r.pk else OutcomeForm(
            initial={"on": timezone.localdate()}, prefix=f"referral-{r.pk}")
        rows.append({"referral": r, "form": form})
    context: dict[str, Any] = {"rows": rows, "page": page, "directory": directory, "participant": participant}
    if participant is not None:
        context["new"] = new or _new_form(request, participant)
    else:
        context.update(
            find=find or ParticipantFindForm(), found=(found or [])[:selectors.REFERRAL_CANDIDATES],
            searched=found is not None, more=found is not None and len(found) > selectors.REFERRAL_CANDIDATES,
            upload=upload or ImportForm(projects=projects_for_user(user=request.user)))
    return render(request, "aftercare/referrals.html", context, status=status)


def _errors_into(form: Any, exc: ServiceError) -> None:
    message: Any = exc.message
    detail: dict[Any, Any] = message if isinstance(message, dict) else {None: message}
    for name, error in detail.items():
        form.add_error(name if name in form.fields else None, error)


@login_required
@require_http_methods(["GET", "POST"])
def referrals(request: HttpRequest) -> HttpResponse:
    """GET: the referrals (paged) and the directory; POST: find the participant to refer (one
    match opens their referral page), or import a CSV of services."""
    _require_office(request)
    if request.method == "GET":
        return _referrals_page(request)
    if "find" in request.POST:
        find = ParticipantFindForm(request.POST)
        if not find.is_valid():
            return _referrals_page(request, find=find, status=400)
        found = selectors.referral_candidates(user=request.user, q=find.cleaned_data["find"])
        if len(found) == 1:
            return redirect(reverse("aftercare:participant-referrals", args=[found[0].pk]) + "#new-title")
        return _referrals_page(request, find=find, found=found)
    upload = ImportForm(request.POST, request.FILES or None, projects=projects_for_user(user=request.user))
    if upload.is_valid():
        d = upload.cleaned_data
        try:
            count = services.referral_services_import(project_id=d["project"].pk, by=request.user,  # type: ignore[arg-type]
                                                      data=d["file"].read(1_000_001))
        except ServiceError as exc:
            _errors_into(upload, exc)
        else:
            messages.success(request, _("%(count)s services imported.") % {"count": count})
            return redirect("aftercare:referrals")
    return _referrals_page(request, upload=upload, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def participant_referrals(request: HttpRequest, participant_id: int) -> HttpResponse:
    """One participant's referrals (where a reminder links: 404 outside the caller's projects);
    POST: a new referral of this participant to a service of their project."""
    _require_office(request)
    participant = participant_get_for_user(user=request.user, participant_id=participant_id)
    if request.method == "GET":
        return _referrals_page(request, participant=participant)
    new = _new_form(request, participant, request.POST)
    if new.is_valid():
        d = new.cleaned_data
        try:
            services.referral_record(participant=participant, service=d["service"], by=request.user,  # type: ignore[arg-type]
                                     on=d["date"], life_domain=d["life_domain"], reason=d["reason"])
        except ServiceError as exc:
            _errors_into(new, exc)
        else:
            messages.success(request, _("Referral recorded."))
            return redirect("aftercare:participant-referrals", participant_id=participant.pk)
    return _referrals_page(request, participant=participant, new=new, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def referral_service(request: HttpRequest, service_id: int | None = None) -> HttpResponse:
    """Add a service to a project's directory, or correct one (404 outside the caller's projects)."""
    _require_office(request)
    service = (selectors.referral_service_get_for_user(user=request.user, service_id=service_id)
               if service_id is not None else None)
    form = ServiceForm(request.POST if request.method == "POST" else None, instance=service,
                       projects=projects_for_user(user=request.user).order_by("name"))
    if request.method == "POST":
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "project"}
            project_id = service.project_id if service is not None else form.cleaned_data["project"].pk
            try:
                services.referral_service_save(project_id=project_id, by=request.user,  # type: ignore[arg-type]
                                               data=values, service=service)
            except ServiceError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("The service is saved."))
                return redirect(reverse("aftercare:referrals") + "#directory-title")
        return render(request, "aftercare/service.html", {"form": form, "service": service}, status=400)
    return render(request, "aftercare/service.html", {"form": form, "service": service})


@login_required
@require_POST
def referral_outcome(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The outcome of a referral; back on the participant's referral page, where it stays in view
    (in the overview it moves down among the referrals with an outcome)."""
    _require_office(request)
    referral = selectors.referral_get_for_user(user=request.user, referral_id=referral_id)
    form = OutcomeForm(request.POST, prefix=f"referral-{referral.pk}")
    if form.is_valid():
        try:
            services.referral_outcome_record(referral=referral, by=request.user,  # type: ignore[arg-type]
                                             outcome=form.cleaned_data["outcome"], on=form.cleaned_data["on"],
                                             note=form.cleaned_data["note"])
        except ServiceError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect(reverse("aftercare:participant-referrals", args=[referral.participant_id])
                            + f"#referral-{referral.pk}")
    return _referrals_page(request, participant=referral.participant, failed=(referral.pk, form), status=400)


# --- the participant's voice (issue 18 item 4) --------------------------------------------------
# The five faces as drawn mouths (SVG quadratic curves, sad to happy): no emoji font needed.
FACES = tuple(f"M11 23 Q16 {23 + bend} 21 23" for bend in (-5, -2.5, 0, 2.5, 5))


def _evaluation_target(request: HttpRequest, participant_id: int | None, duo_id: int | None) -> tuple[Any, Any]:
    """The participant (and duo) the user may record an evaluation for, else 404."""
    if duo_id is not None:
        duo = duo_get_for_user(user=request.user, duo_id=duo_id)
        participant = duo.participant
    else:
        duo = None
        participant = participant_get_for_user(user=request.user, participant_id=participant_id)
    if not services.evaluation_may_record(user=request.user, participant=participant, duo=duo):  # type: ignore[arg-type]
        raise Http404
    return participant, duo


@login_required
@require_http_methods(["GET", "POST"])
def evaluate(request: HttpRequest, participant_id: int | None = None, duo_id: int | None = None) -> HttpResponse:
    """The evaluation on a phone (the volunteer's or the coordinator's, the participant beside
    them) or typed in from paper by the coordinator."""
    participant, duo = _evaluation_target(request, participant_id, duo_id)
    initial = {"date": timezone.localdate(), "moment": "first_meeting" if duo is not None else "intake",
               "respondent": "participant", "source": "phone"}
    form = EvaluationForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.evaluation_record(participant=participant, duo=duo, by=request.user,  # type: ignore[arg-type]
                                           data=form.cleaned_data)
            except ServiceError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Thank you! The answers are saved."))
                return redirect(request.path)
        status = 400
    questions = [{"field": form[q], "faces": list(zip(form[q], FACES, strict=True))}
                 for q in ("heard", "decide", "network", "recommend", "fit")]
    return render(request, "aftercare/evaluate.html", {
        "form": form, "participant": participant, "duo": duo, "questions": questions,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    """A project's aftercare rules, for its coordinators (404 for anyone else)."""
    _require_office(request)
    project = project_get_for_user(user=request.user, project_id=project_id)
    rules = selectors.settings_of(project_id=project.pk)
    initial = {"contact_months": ", ".join(str(m) for m in rules.contact_months or ()),
               "closure_map": rules.closure_map, "interim_map_months": rules.interim_map_months}
    form = SettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.aftercare_settings_save(project_id=project.pk, by=request.user,  # type: ignore[arg-type]
                                                 data=form.cleaned_data)
            except ServiceError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("The aftercare rules are saved."))
                return redirect("aftercare:settings", project_id=project.pk)
        status = 400
    return render(request, "aftercare/settings.html", {"form": form, "project": project}, status=status)
