"""The coordinator's pages. Thin: read through scoped selectors, write through the services.

Access, the same on every page (tests/web/test_coordinator_access.py walks every URL):
- nobody signed in → the sign-in page;
- signed in without a coordinator (or administrator) role → 403;
- a coordinator asking for another project's object → 404, as if it did not exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from formtools.wizard.views import SessionWizardView

from buddynet import vocabulary as v
from buddynet.errors import ServiceError
from buddynet.records.accounts.models import User
from buddynet.records.accounts.selectors import roles_of, volunteer_account
from buddynet.records.accounts.types import Actor
from buddynet.records.duos import services as duo_services
from buddynet.records.duos.models import OPEN_STATUSES, CheckIn, Duo, DuoStatus
from buddynet.records.duos.selectors import (
    check_in_get_for_user,
    check_ins_for_user,
    duo_get_for_user,
    duos_for_user,
    goal_get_for_user,
    volunteer_days_for_user,
)
from buddynet.records.people import services as people_services
from buddynet.records.people.models import Participant, Project, Volunteer
from buddynet.records.people.screening import screening_problems
from buddynet.records.people.selectors import (
    needs_history,
    participant_get_for_user,
    participants_for_user,
    project_get_for_user,
    projects_for_user,
    volunteer_get_for_user,
    volunteers_for_user,
)
from buddynet.security.audit import participant_reads
from buddynet.web import coordinator_forms as cf
from buddynet.web.coordinator import pictures
from buddynet.web.coordinator.today import missing_screening, today_for
from buddynet.web.list_filters import list_filter
from buddynet.web.volunteer_forms import contacts_shown
from netwerk.selectors import map_change, map_measures, maps_of_participant
from netwerk.services import network_consent_problem

View = Callable[..., HttpResponse]
# The coordinator's lists come in numbered pages of this many rows, sliced in the database
# (issue 20): a page costs the same at 20 and at 2,000 people, whatever the filter.
LIST_PAGE = 50


def _page(request: HttpRequest, qs: Any) -> Any:
    # The id last, so rows with the same name fall on one page only.
    ordering = [*(qs.query.order_by or qs.model._meta.ordering), "pk"]
    return Paginator(qs.order_by(*ordering), LIST_PAGE).get_page(request.GET.get("page"))


# --- access -----------------------------------------------------------------------------
def coordinator_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        roles = roles_of(request.user)
        if not (roles.is_coordinator or roles.administrator):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _me(request: HttpRequest) -> User:
    """The signed-in user (every view here is coordinator_required, which logs in first)."""
    return cast(User, request.user)


def _project(request: HttpRequest, project_id: int) -> Project:
    return project_get_for_user(user=request.user, project_id=project_id)


def _participant(request: HttpRequest, participant_id: int) -> Participant:
    participant = participant_get_for_user(user=request.user, participant_id=participant_id)
    if not roles_of(request.user).coordinates(participant.project_id):
        raise Http404
    return participant


def _volunteer(request: HttpRequest, volunteer_id: int) -> Volunteer:
    volunteer = volunteer_get_for_user(user=request.user, volunteer_id=volunteer_id)
    if not roles_of(request.user).coordinates(volunteer.project_id):
        raise Http404
    return volunteer


def _duo(request: HttpRequest, duo_id: int) -> Duo:
    return duo_get_for_user(user=request.user, duo_id=duo_id, role="coordinator")


def _base_context(request: HttpRequest, project: Project, section: str) -> dict[str, Any]:
    return {
        "project": project,
        "projects": list(projects_for_user(user=request.user)) if not roles_of(request.user).administrator
        else list(projects_for_user(user=request.user)[:50]),
        "section": section,
        # The pages of the feature apps a coordinator works in: the project's matching review
        # and the funding pages (grants, expenses, allowances, reports).
        "matching_url": reverse("matching:project", args=[project.pk]),
        "funding_url": reverse("funding:portal"),
    }


def _service_error_text(error: ServiceError) -> list[str]:
    message = error.message
    if isinstance(message, dict):
        out: list[str] = []
        for value in message.values():
            out.extend(str(m) for m in (value if isinstance(value, list) else [value]))
        return out
    return [str(message)]


def _add_service_error(form: forms.Form, error: ServiceError, fields: dict[str, str] | None = None) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    message = error.message
    if isinstance(message, dict):
        for name, value in message.items():
            target = (fields or {}).get(name, name)
            form.add_error(target if target in form.fields else None, value if isinstance(value, list) else [value])
    else:
        form.add_error(None, str(message))


# --- home and Today ---------------------------------------------------------------------
@coordinator_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: Today of the chosen project (?project=…), else of the first one."""
    wanted = request.GET.get("project")
    if wanted:
        project = _project(request, wanted)  # type: ignore[arg-type]
    else:
        project = projects_for_user(user=request.user).first()
        if project is None:
            raise Http404
    return redirect("web:coordinator-today", project_id=project.pk)


@coordinator_required
def today(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id)
    context = _base_context(request, project, "today")
    context["t"] = today_for(user=request.user, project=project)
    return render(request, "web/coordinator/today.html", context)


# --- lists ------------------------------------------------------------------------------
def _search(qs: QuerySet[Any], q: str) -> QuerySet[Any]:
    for word in q.split()[:5]:
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
            | Q(municipality__icontains=word) | Q(postcode__startswith=word)
        )
    return qs


def _list_filter(
    request: HttpRequest, project: Project, name: str, form_class: type[forms.Form]
) -> tuple[forms.Form, HttpResponse | None]:
    """The filter form of a list, and the redirect that answers a POST: kept in the session for
    this list and project, a search term never in the address (buddynet/web/list_filters.py)."""
    return list_filter(request, key=f"list-filter:{name}:{project.pk}", form_class=form_class)


def _filters(form: forms.Form) -> dict[str, Any]:
    """The values to filter on: the form's cleaned values when it was filled in, else its initials."""
    if form.is_bound:
        return form.cleaned_data if form.is_valid() else {}
    return {name: field.initial for name, field in form.fields.items()}


@coordinator_required
def participants(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id)
    form, done = _list_filter(request, project, "participants", cf.ParticipantFilter)
    if done is not None:
        return done
    f = _filters(form)
    qs = _search(participants_for_user(user=request.user).filter(project=project), f.get("q") or "")
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("domain"):
        qs = qs.filter(**{f"needs__{f['domain']}__gte": 1})
    if f.get("status") == Participant.Status.WAITING:
        qs = qs.order_by("waiting_since", "pk")
    page = _page(request, qs)
    context = _base_context(request, project, "participants")
    context.update(form=form, rows=list(page.object_list), page=page, today=timezone.localdate())
    return render(request, "web/coordinator/participants.html", context, status=400 if form.errors else 200)


@coordinator_required
def volunteers(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id)
    form, done = _list_filter(request, project, "volunteers", cf.VolunteerFilter)
    if done is not None:
        return done
    f = _filters(form)
    qs = _search(volunteers_for_user(user=request.user).filter(project=project), f.get("q") or "")
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    complete = Q(intake_date__isnull=False, training_date__isnull=False,
                 criminal_record_checked_on__isnull=False)
    if f.get("screening") == "complete":
        qs = qs.filter(complete)
    elif f.get("screening") == "missing":
        qs = qs.exclude(complete)
    if f.get("room"):
        qs = qs.filter(open_duo_count__lt=F("capacity"))
    page = _page(request, qs)
    context = _base_context(request, project, "volunteers")
    context.update(form=form, rows=[(vol, missing_screening(vol)) for vol in page.object_list], page=page)
    return render(request, "web/coordinator/volunteers.html", context, status=400 if form.errors else 200)


@coordinator_required
def duos(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id)
    form, done = _list_filter(request, project, "duos", cf.DuoFilter)
    if done is not None:
        return done
    f = _filters(form)
    qs = duos_for_user(user=request.user).filter(project=project)
    status = f.get("status") or ""
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    for word in (f.get("q") or "").split()[:5]:
        qs = qs.filter(
            Q(participant__first_name__icontains=word) | Q(participant__last_name__icontains=word)
            | Q(volunteer__first_name__icontains=word) | Q(volunteer__last_name__icontains=word)
        )
    page = _page(request, qs)
    context = _base_context(request, project, "duos")
    context.update(form=form, rows=list(page.object_list), page=page, today=timezone.localdate())
    return render(request, "web/coordinator/duos.html", context, status=400 if form.errors else 200)


# --- intake -----------------------------------------------------------------------------
def intake_data(kind: str, project: Project, cleaned: list[dict[str, Any]]) -> dict[str, Any]:
    """What the intake steps' cleaned data become for participant_save / volunteer_save: the
    wizard and the bulk import (coordinator/bulk.py) both use this, so a row of a spreadsheet
    is saved exactly as an intake is."""
    data: dict[str, Any] = {"project": project}
    for step in cleaned:
        for key, value in step.items():
            if key in {"explained"}:
                continue
            data[key] = value
    for key in ("gender", "email", "phone", "notes"):
        data[key] = data.get(key) or ""
    if kind == "participant":
        # The intake ends with consent, so the participant now waits for a buddy.
        data["status"] = Participant.Status.WAITING
    else:
        # "In screening": volunteer_save makes them active (available from today) when the
        # screening is complete and valid; the rule lives there, for every channel.
        data["status"] = Volunteer.Status.SCREENING
        if data.pop("privacy_explained", False):
            data["privacy_informed_on"] = timezone.localdate()
    return data


class IntakeWizard(SessionWizardView):
    """Steps are kept in the session; nothing reaches the database before the last step."""

    template_name = "web/coordinator/intake.html"
    kind = ""
    project: Project

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.project = _project(request, kwargs["project_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        # One intake in progress per kind and project, so two tabs on two projects don't mix.
        return f"intake_{self.kind}_{kwargs['project_id']}"

    def get_context_data(self, form: forms.Form, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        context.update(_base_context(self.request, self.project, f"{self.kind}s"))
        context["kind"] = self.kind
        context["step_titles"] = [f.title for f in self.form_list.values()]
        context["step_title"] = type(form).title
        place = None
        person = self.get_cleaned_data_for_step("person") if self.steps.current != "person" else None
        if person:
            from buddynet.records.people import postcodes

            place = postcodes.lookup(person["postcode"])
            context["summary_person"] = person
        context["place"] = place
        return context

    def render_goto_step(self, goto_step: str, **kwargs: Any) -> HttpResponse:
        """"Back" keeps what was typed on the step being left, also when it is not complete yet."""
        current = self.steps.current
        if self.request.POST.get(f"{self.prefix}-current_step") == current:
            form = self.get_form(data=self.request.POST, files=self.request.FILES)
            self.storage.set_step_data(current, self.process_step(form))
            self.storage.set_step_files(current, self.process_step_files(form))
        return super().render_goto_step(goto_step, **kwargs)

    def _data(self, form_dict: dict[str, forms.Form]) -> dict[str, Any]:
        return intake_data(self.kind, self.project, [form.cleaned_data for form in form_dict.values()])

    def _refused(self, error: ServiceError) -> HttpResponse:
        """A service refused what the forms accepted (e.g. a postcode list changed): show it."""
        step = "person" if isinstance(error.message, dict) and "postcode" in error.message else self.steps.last
        self.storage.current_step = step
        form = self.get_form(step=step, data=self.storage.get_step_data(step))
        form.is_valid()
        _add_service_error(form, error)
        return self.render(form)


class ParticipantIntake(IntakeWizard):
    kind = "participant"
    form_list = [  # noqa: RUF012 - formtools reads it as a class attribute
        ("person", cf.ParticipantPersonStep),
        ("daily", cf.ParticipantDailyLifeStep),
        ("needs", cf.NeedsStep),
        ("consent", cf.ConsentStep),
    ]

    def get_form_initial(self, step: str) -> dict[str, Any]:
        initial = dict(super().get_form_initial(step))
        if step == "consent":
            initial.setdefault("consent_date", timezone.localdate())
        return initial

    def done(self, form_list: Any, form_dict: dict[str, forms.Form], **kwargs: Any) -> HttpResponse:
        data = self._data(form_dict)
        try:
            # The intake ends with consent, so the participant now waits for a buddy.
            participant = people_services.participant_intake_complete(data=data, by=self.request.user)
        except ServiceError as error:
            return self._refused(error)
        messages.success(self.request, _("Intake of %(name)s complete: waiting for a buddy.")
                         % {"name": participant.first_name})
        return redirect("web:coordinator-participant", participant_id=participant.pk)


class VolunteerIntake(IntakeWizard):
    kind = "volunteer"
    form_list = [  # noqa: RUF012 - formtools reads it as a class attribute
        ("person", cf.PersonStep),
        ("daily", cf.DailyLifeStep),
        ("strengths", cf.StrengthsStep),
        ("screening", cf.ScreeningStep),
    ]

    def done(self, form_list: Any, form_dict: dict[str, forms.Form], **kwargs: Any) -> HttpResponse:
        data = self._data(form_dict)
        try:
            volunteer = people_services.volunteer_save(data=data)
        except ServiceError as error:
            return self._refused(error)
        if volunteer.status == Volunteer.Status.ACTIVE:
            messages.success(self.request, _("Intake of %(name)s complete: screening done, available for a duo.")
                             % {"name": volunteer.first_name})
        else:
            messages.success(self.request, _("Intake of %(name)s saved: the screening is not complete yet.")
                             % {"name": volunteer.first_name})
        return redirect("web:coordinator-volunteer", volunteer_id=volunteer.pk)


participant_intake = coordinator_required(ParticipantIntake.as_view())
volunteer_intake = coordinator_required(VolunteerIntake.as_view())


# --- participant page -------------------------------------------------------------------
def _network_summary(participant: Participant) -> dict[str, Any] | None:
    """The participant's latest network map for the participant page, or None when there is none.

    Shape the template reads (participant.html, section "network"):
      {"picture_url": reverse("netwerk:map-picture", args=[latest_map.pk]),
       "picture_alt": "<the picture in words>",
       "measures": [{"label": "...", "value": "...", "change": "+2 since intake" or ""}, ...],
       "history_url": reverse("netwerk:participant-maps", args=[participant.pk]),
       "editor_url": "<the map editor, optional>"}
    netwerk is a feature app: read it through its selectors, never its models.
    """
    maps = maps_of_participant(participant_id=participant.pk)
    if not maps:
        return None
    latest, first = maps[-1], maps[0]
    now = map_measures(network_map=latest).without_buddy
    change = map_change(before=first, after=latest) if first.pk != latest.pk else None

    def since(value: float | int | None) -> str:
        if change is None or value is None:
            return ""
        return _("%(change)+d since %(date)s") % {"change": value, "date": date_format(first.date)}

    measures = [
        {"label": _("People in the network (without the buddy)"), "value": now.size,
         "change": since(len(change.gained) - len(change.lost)) if change else ""},
        {"label": _("Informal ties (family, friends, neighbours...)"), "value": now.informal_size,
         "change": since(change.informal_size_change if change else None)},
        {"label": _("Life domains with informal support"), "value": len(now.domains_covered),
         "change": since(change.domain_coverage_change if change else None)},
        {"label": _("New people met via the buddy"), "value": len(change.gained_via_buddy) if change else 0,
         "change": ""},
    ]
    return {
        "picture_url": reverse("netwerk:map-picture", args=[latest.pk])
        + (f"?vergelijk={first.pk}" if change else ""),
        "picture_alt": _("Network map of %(date)s: %(size)d people, %(informal)d informal ties.")
        % {"date": date_format(latest.date), "size": now.size, "informal": now.informal_size},
        "measures": measures,
        "history_url": reverse("netwerk:participant-maps", args=[participant.pk]),
        "editor_url": reverse("netwerk:map-edit", args=[latest.pk]),
    }


# A duo of three years holds some 150 check-ins: the timeline shows them newest first in
# numbered pages of this many, sliced in the database (issue 20), and the monthly bars read
# only the dates of their own twelve months.
TIMELINE_PAGE = 20
TIMELINE_ORDER = ("-date", "-pk")


def _timeline(check_ins: Any, page_number: Any) -> Any:
    """One page of check-ins (a queryset in scope), newest first."""
    page = Paginator(check_ins.order_by(*TIMELINE_ORDER), TIMELINE_PAGE).get_page(page_number)
    for check_in in page.object_list:
        # The people the volunteer recorded as met through the buddy, read from the check-in
        # itself, so the coordinator sees them also when the network map has since been edited.
        check_in.contacts_shown = contacts_shown(check_in.new_contacts)
    return page


def _timeline_page_of(check_ins: Any, check_in: CheckIn) -> int:
    """The page of the timeline that shows `check_in` (one COUNT)."""
    newer = check_ins.filter(Q(date__gt=check_in.date) | Q(date=check_in.date, pk__gt=check_in.pk)).count()
    return int(newer // TIMELINE_PAGE + 1)


def _timeline_link(check_ins: Any, check_in: CheckIn) -> str:
    """The address of `check_in` on its page of the timeline."""
    return f"?page={_timeline_page_of(check_ins, check_in)}#check-in-{check_in.pk}"


def _timeline_page_number(request: HttpRequest, check_ins: Any) -> Any:
    """?page=N, or the page of ?check_in=<id> (a notification's or a follow-up's link to one
    check-in, which need not be among the newest); an id outside the scope is ignored."""
    wanted = request.GET.get("check_in", "")
    if wanted.isdigit() and len(wanted) < 19:
        day = check_ins.filter(pk=int(wanted)).values_list("date", flat=True).first()
        if day is not None:
            return _timeline_page_of(check_ins, CheckIn(pk=int(wanted), date=day))
    return request.GET.get("page")


def _bar_dates(check_ins: Any, today: date) -> Any:
    """(duo id, date) of the check-ins the monthly bars show: their twelve months only."""
    return check_ins.filter(date__gte=pictures.first_day_shown(today), date__lte=today).values_list("duo_id", "date")


@coordinator_required
def participant(request: HttpRequest, participant_id: int) -> HttpResponse:
    person = _participant(request, participant_id)
    history = list(
        duos_for_user(user=request.user, role="coordinator")
        .filter(participant=person).prefetch_related("goals")
    )
    check_ins = check_ins_for_user(user=request.user, role="coordinator").filter(duo__participant=person)
    unhandled = list(check_ins.filter(concern=True, concern_handled_at__isnull=True).order_by(*TIMELINE_ORDER))
    goals_by_domain: dict[str, list[Any]] = defaultdict(list)
    for duo in history:
        for goal in duo.goals.all():
            goals_by_domain[goal.life_domain].append(goal)
    today = timezone.localdate()
    by_duo: dict[int, list[date]] = defaultdict(list)
    for duo_id, day in _bar_dates(check_ins, today):
        by_duo[duo_id].append(day)
    context = _base_context(request, person.project, "participants")
    context.update(
        person=person,
        history=[(duo, pictures.month_bars(by_duo[duo.pk], end=today)) for duo in history],
        open_duo=next((d for d in history if d.is_open), None),
        timeline=_timeline(check_ins.select_related("duo__volunteer", "concern_handled_by"),
                           _timeline_page_number(request, check_ins)),
        unhandled=unhandled,
        # The alert leads to the oldest worry still waiting, on its page of the timeline.
        unhandled_link=_timeline_link(check_ins, unhandled[-1]) if unhandled else "",
        goals=[(label, goals_by_domain[code]) for code, label in v.LifeDomain.choices if goals_by_domain.get(code)],
        needs=[(label, person.needs.get(code, 0), pictures.level_words(person.needs.get(code, 0)))
               for code, label in v.LifeDomain.choices],
        needs_history=_needs_history(person),
        network=_network_summary(person),
        # Consent (issue 16): without network consent no map is started or edited, and maps
        # made before a withdrawal may be erased (netwerk.services.maps_erase_for_consent).
        network_blocked=network_consent_problem(person),
        consent_events=list(person.consent_events.select_related("recorded_by").order_by("-on", "-id")[:5]),
        consent_url=reverse("web:coordinator-participant-consent", args=[person.pk]),
        maps_erase_url=reverse("netwerk:maps-erase", args=[person.pk]),
        # No map yet: the page starts the intake map through netwerk's own page (a POST).
        map_create_url=reverse("netwerk:map-create", args=[person.pk]),
        maps_url=reverse("netwerk:participant-maps", args=[person.pk]),
        languages=[v.LANGUAGES.get(code, code) for code in person.languages],
        interests=[v.Interest(code).label for code in person.interests if code in v.Interest.values],
        availability=_availability_rows(person.availability),
        handle_form=cf.ConcernHandledForm(),
        today=today,
        # Who looked at this record (audit log, issue 9); this visit is logged after the response.
        recent_reads=participant_reads(person.pk),
    )
    return render(request, "web/coordinator/participant.html", context)


@coordinator_required
def participant_consent(request: HttpRequest, participant_id: int) -> HttpResponse:
    """The consent history and the form that adds a step (wider, narrower, withdrawn)."""
    person = _participant(request, participant_id)
    status = 200
    if request.method == "POST":
        form = cf.ConsentRecordForm(request.POST)
        if form.is_valid():
            try:
                people_services.consent_record(
                    participant=person, scope=form.cleaned_data["scope"], given_on=form.cleaned_data["given_on"],
                    how=form.cleaned_data["how"], by=request.user)
            except ServiceError as error:
                _add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("The consent of %(name)s is recorded.") % {"name": person.first_name})
                return redirect(f"{reverse('web:coordinator-participant', args=[person.pk])}#consent")
        else:
            status = 400
    else:
        form = cf.ConsentRecordForm(initial={"given_on": timezone.localdate(), "scope": person.consent_scope or None})
    context = _base_context(request, person.project, "participants")
    context.update(person=person, form=form,
                   events=list(person.consent_events.select_related("recorded_by").order_by("-on", "-id")))
    return render(request, "web/coordinator/consent.html", context, status=status)


@coordinator_required
def participant_needs(request: HttpRequest, participant_id: int) -> HttpResponse:
    """Record the needs measured at intake, along the way or at closure (issue 18): each
    measurement is kept with its date; the participant's page shows the change."""
    person = _participant(request, participant_id)
    status = 200
    if request.method == "POST":
        form = cf.NeedsMeasurementForm(request.POST)
        if form.is_valid():
            try:
                people_services.needs_measure(participant=person, occasion=form.cleaned_data["occasion"],
                                              on=form.cleaned_data["date"], needs=form.cleaned_data["needs"],
                                              by=request.user)
            except ServiceError as error:
                _add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("The needs of %(name)s are recorded.") % {"name": person.first_name})
                return redirect(f"{reverse('web:coordinator-participant', args=[person.pk])}#needs")
        else:
            status = 400
    else:
        initial: dict[str, Any] = {"date": timezone.localdate(), "occasion": "interim"}
        initial.update({f"domain_{code}": level for code, level in person.needs.items()})
        form = cf.NeedsMeasurementForm(initial=initial)
    context = _base_context(request, person.project, "participants")
    context.update(person=person, form=form)
    return render(request, "web/coordinator/needs.html", context, status=status)


def _needs_history(person: Participant) -> dict[str, Any]:
    """The dated needs measurements and the change from the first to the latest (issue 18)."""
    measurements, change = needs_history(participant=person)
    labels = dict(v.LifeDomain.choices)
    return {
        "measurements": [(m, sum(m.needs.values())) for m in measurements],
        "change": change,
        "domains": [(labels[code], *row) for code, row in change.domains.items() if row[2]] if change else [],
        "url": reverse("web:coordinator-participant-needs", args=[person.pk]),
    }


def _availability_rows(slots: list[str]) -> list[tuple[Any, list[bool]]]:
    chosen = set(slots)
    return [(cf.DAY_LABELS[d], [f"{d}_{p}" in chosen for p in v.DAY_PARTS]) for d in v.DAYS]


# --- volunteer page ---------------------------------------------------------------------
LATEST_DAYS = 10


def _days_volunteered(user: Actor, volunteer: Volunteer) -> dict[str, Any]:
    """The days the volunteer marked (for the flat-rate allowance): a count per year, newest
    year first, and the latest few dates. Amounts and caps stay on the funding pages."""
    days = volunteer_days_for_user(user=user).filter(volunteer=volunteer)
    per_year = list(
        days.annotate(year=ExtractYear("date")).values("year").annotate(days=Count("id"))
        .order_by("-year").values_list("year", "days")
    )
    latest = list(days.order_by("-date").values_list("date", flat=True)[:LATEST_DAYS])
    return {"per_year": per_year, "latest": latest}


@coordinator_required
def volunteer(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    person = _volunteer(request, volunteer_id)
    their_duos = list(duos_for_user(user=request.user, role="coordinator").filter(volunteer=person))
    dates = list(
        check_ins_for_user(user=request.user, role="coordinator")
        .filter(duo__volunteer=person).values_list("duo_id", "date")
    )
    today = timezone.localdate()
    by_duo: dict[int, list[date]] = defaultdict(list)
    for duo_id, day in dates:
        by_duo[duo_id].append(day)
    all_days = sorted(day for _duo_id, day in dates)
    gaps = [(b - a).days for a, b in zip(all_days, all_days[1:], strict=False)]
    context = _base_context(request, person.project, "volunteers")
    context.update(
        person=person,
        missing=missing_screening(person),
        screening_problems=screening_problems(person),
        duos=[(duo, pictures.month_bars(by_duo[duo.pk], end=today)) for duo in their_duos],
        rhythm=pictures.month_bars(all_days, end=today),
        average_gap=round(sum(gaps) / len(gaps)) if gaps else None,
        last_check_in=all_days[-1] if all_days else None,
        open_count=sum(1 for d in their_duos if d.is_open),
        strengths=[(label, person.strengths.get(code, 0), pictures.level_words(person.strengths.get(code, 0)))
                   for code, label in v.LifeDomain.choices],
        languages=[v.LANGUAGES.get(code, code) for code in person.languages],
        interests=[v.Interest(code).label for code in person.interests if code in v.Interest.values],
        availability=_availability_rows(person.availability),
        days_volunteered=_days_volunteered(request.user, person),
        allowances_url=reverse("funding:allowances", args=[person.project_id]),
        account=volunteer_account(volunteer=person),
        today=today,
    )
    return render(request, "web/coordinator/volunteer.html", context)


# --- duo page and lifecycle -------------------------------------------------------------
ACTIONS: dict[str, dict[str, Any]] = {
    "introduce": {"to": DuoStatus.INTRODUCED, "form": cf.IntroduceForm},
    "activate": {"to": DuoStatus.ACTIVE, "form": cf.ActivateForm},
    "pause": {"to": DuoStatus.PAUSED, "form": cf.PauseForm},
    "resume": {"to": DuoStatus.ACTIVE, "form": cf.ResumeForm},
    "close": {"to": DuoStatus.CLOSED, "form": cf.CloseForm},
    "reopen": {"to": None, "form": cf.ResumeForm},  # back to active, introduced or proposed
}


def _allowed_actions(duo: Duo) -> list[str]:
    # The service's lifecycle table decides; the page only offers what it allows.
    return duo_services.duo_actions_allowed(duo)


def _action_title(name: str) -> str:
    return {
        "introduce": _("Record the introduction"),
        "activate": _("Start the duo"),
        "pause": _("Pause the duo"),
        "resume": _("Resume the duo"),
        "close": _("Close the duo"),
        "reopen": _("Re-open the duo"),
    }[name]


def _done_message(name: str) -> str:
    """The confirmation after an action, in plain words ("Het duo is gepauzeerd.")."""
    return {
        "introduce": _("The introduction is recorded."),
        "activate": _("The duo has started."),
        "pause": _("The duo is paused."),
        "resume": _("The duo is active again."),
        "close": _("The duo is closed."),
        "reopen": _("The duo is open again."),
    }[name]


@coordinator_required
def duo(request: HttpRequest, duo_id: int) -> HttpResponse:
    the_duo = _duo(request, duo_id)
    check_ins = check_ins_for_user(user=request.user).filter(duo=the_duo)
    today = timezone.localdate()
    context = _base_context(request, the_duo.project, "duos")
    context.update(
        duo=the_duo,
        goals=list(the_duo.goals.all()),
        check_ins=_timeline(check_ins.select_related("author", "concern_handled_by"),
                            _timeline_page_number(request, check_ins)),
        bars=pictures.month_bars([day for _, day in _bar_dates(check_ins, today)], end=today),
        actions=[(name, _action_title(name)) for name in _allowed_actions(the_duo)],
        handle_form=cf.ConcernHandledForm(),
        today=today,
    )
    return render(request, "web/coordinator/duo.html", context)


def _initial_for(name: str, duo: Duo) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "introduce": {"introduced_on": today},
        "activate": {"started_on": today},
        "pause": {"paused_on": today},
        "close": {"closed_on": today},
    }.get(name, {})


def _apply(name: str, duo: Duo, by: User, data: dict[str, Any]) -> Duo:
    if name == "introduce":
        return duo_services.duo_introduce(duo=duo, by=by, introduced_on=data["introduced_on"])
    if name == "activate":
        return duo_services.duo_activate(duo=duo, by=by, started_on=data["started_on"])
    if name == "pause":
        return duo_services.duo_pause(duo=duo, by=by, reason=data["reason"], paused_on=data["paused_on"])
    if name == "resume":
        return duo_services.duo_resume(duo=duo, by=by)
    if name == "reopen":
        return duo_services.duo_reopen(duo=duo, by=by)
    if name == "close":
        return duo_services.duo_close(
            duo=duo, by=by, reason=data["reason"], closed_on=data["closed_on"], note=data.get("note", ""),
            evaluation_volunteer=data.get("evaluation_volunteer"),
            evaluation_participant=data.get("evaluation_participant"), next_step=data["next_step"],
        )
    raise Http404


def _duo_action(name: str) -> View:
    @coordinator_required
    def view(request: HttpRequest, duo_id: int) -> HttpResponse:
        the_duo = _duo(request, duo_id)
        form_class = ACTIONS[name]["form"]
        kwargs: dict[str, Any] = {"duo": the_duo} if form_class is cf.CloseForm else {}
        status = 200
        if request.method == "POST":
            form = form_class(request.POST, **kwargs)
            if form.is_valid():
                try:
                    _apply(name, the_duo, _me(request), form.cleaned_data)
                except ServiceError as error:
                    _add_service_error(form, error, {"introduced_on": "introduced_on", "started_on": "started_on",
                                                     "closed_on": "closed_on"})
                    status = error.status_code
                else:
                    messages.success(request, _done_message(name))
                    return redirect("web:coordinator-duo", duo_id=the_duo.pk)
        else:
            form = form_class(initial=_initial_for(name, the_duo), **kwargs)
        refused = ""
        if request.method != "POST" and name not in _allowed_actions(the_duo):
            # An unbound form takes no errors: say it beside the form, without the submit button,
            # and answer 409 as the service would (issue 21 item 4: this GET was a 500).
            refused = _("A duo with status '%(status)s' cannot do this.") % {"status": the_duo.get_status_display()}
            status = 409
        context = _base_context(request, the_duo.project, "duos")
        context.update(duo=the_duo, form=form, action=name, title=_action_title(name), refused=refused)
        return render(request, "web/coordinator/duo_action.html", context, status=status)

    view.__name__ = f"duo_{name}"
    return view


duo_introduce = _duo_action("introduce")
duo_activate = _duo_action("activate")
duo_pause = _duo_action("pause")
duo_resume = _duo_action("resume")
duo_close = _duo_action("close")
duo_reopen = _duo_action("reopen")


def _goal_page(request: HttpRequest, the_duo: Duo, form: forms.Form, save: Callable[[dict[str, Any]], Any],
               *, done: str, action: str, title: str) -> HttpResponse:
    """The page that adds or changes a goal of a duo: goal_save decides, the page says why not."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except ServiceError as error:
                _add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, done)
                return redirect("web:coordinator-duo", duo_id=the_duo.pk)
    refused = ""
    if request.method != "POST" and not the_duo.is_open:
        # Said before the coordinator types a goal that goal_save would refuse (an unbound form
        # takes no errors: this GET was a 500, issue 21 item 4).
        refused = _("This duo is closed: its goals can no longer change.")
        status = 409
    context = _base_context(request, the_duo.project, "duos")
    context.update(duo=the_duo, form=form, action=action, title=title, refused=refused)
    return render(request, "web/coordinator/duo_action.html", context, status=status)


@coordinator_required
def duo_goal_add(request: HttpRequest, duo_id: int) -> HttpResponse:
    """Agree a goal within a duo, in one of the ten life domains."""
    the_duo = _duo(request, duo_id)
    form = cf.GoalForm(request.POST if request.method == "POST" else None)
    return _goal_page(request, the_duo, form,
                      lambda data: duo_services.goal_save(duo=the_duo, by=_me(request), data=data),
                      done=_("The goal is added."), action="goal", title=_("Add a goal"))


@coordinator_required
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Change a goal of an open duo: its words, its life domain, and whether it is reached or
    dropped (on the duo page, not in the back office)."""
    goal = goal_get_for_user(user=request.user, goal_id=goal_id, role="coordinator")
    initial = {"life_domain": goal.life_domain, "description": goal.description, "status": goal.status}
    form = cf.GoalEditForm(request.POST if request.method == "POST" else None, initial=initial)
    return _goal_page(request, goal.duo, form,
                      lambda data: duo_services.goal_save(goal=goal, by=_me(request), data=data),
                      done=_("The goal is saved."), action="goal-edit", title=_("Change the goal"))


# --- concerns ---------------------------------------------------------------------------
@coordinator_required
def concern_handle(request: HttpRequest, check_in_id: int) -> HttpResponse:
    check_in = check_in_get_for_user(user=request.user, check_in_id=check_in_id)
    if not roles_of(request.user).coordinates(check_in.duo.project_id) or not check_in.concern:
        raise Http404
    participant_id = check_in.duo.participant_id
    status = 200
    if request.method == "POST":
        form = cf.ConcernHandledForm(request.POST)
        status = 400  # bad input, unless the service says otherwise or it is saved
        if form.is_valid():
            try:
                duo_services.concern_mark_handled(check_in=check_in, by=request.user, note=form.cleaned_data["note"])
            except ServiceError as error:
                _add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("The concern is marked as handled."))
                # Back to the handled concern, on its page of the timeline.
                url = reverse("web:coordinator-participant", args=[participant_id])
                return redirect(f"{url}?check_in={check_in.pk}#check-in-{check_in.pk}")
    else:
        form = cf.ConcernHandledForm()
    context = _base_context(request, check_in.duo.project, "participants")
    context.update(check_in=check_in, form=form)
    return render(request, "web/coordinator/concern.html", context, status=status)


@coordinator_required
def check_in_correct(request: HttpRequest, check_in_id: int) -> HttpResponse:
    """Correct a contact moment (a wrong date, a duration typed wrong) on the coordinator's pages:
    through check_in_update, as the API, the phone and the back office, which decides who may
    change it and when. Back on the duo page, at the corrected check-in."""
    check_in = check_in_get_for_user(user=request.user, check_in_id=check_in_id, role="coordinator")
    the_duo = _duo(request, check_in.duo_id)
    initial = cf.CheckInCorrectForm.initial_for(check_in)
    form = cf.CheckInCorrectForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                duo_services.check_in_update(check_in=check_in, by=_me(request), data=form.check_in_data())
            except ServiceError as error:
                _add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("The check-in is corrected."))
                url = reverse("web:coordinator-duo", args=[the_duo.pk])
                return redirect(f"{url}?check_in={check_in.pk}#check-in-{check_in.pk}")
    context = _base_context(request, the_duo.project, "duos")
    context.update(duo=the_duo, check_in=check_in, form=form)
    return render(request, "web/coordinator/check_in_correct.html", context, status=status)
