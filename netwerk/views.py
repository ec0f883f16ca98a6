"""Coordinator pages: record and edit a network map (the participant sits beside the
coordinator, so one form per person and the picture next to it), a participant's map history,
the change between two maps, the picture itself and the exports.

Every page fetches through a scoped selector: a volunteer, a funder or another project's
coordinator gets 404, as for an id that does not exist.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from buddynet.errors import Conflict, ServiceError
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.people.models import REPORTING_SCOPES
from buddynet.records.people.selectors import participant_get_for_user, participants_for_user, project_get_for_user
from buddynet.vocabulary import LIFE_DOMAINS, LifeDomain
from netwerk import export, selectors, services
from netwerk import measures as m
from netwerk.forms import AlterForm, MapForm, NewMapForm
from netwerk.models import Alter, NetworkMap

# The participants on the index come in numbered pages of this many, as the coordinator's lists
# (buddynet/web/coordinator/views.py LIST_PAGE).
INDEX_PAGE = 50


def _form_errors_from(exc: ValidationError | ServiceError, form: Any) -> None:
    detail = exc.message_dict if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") else None
    if isinstance(exc, ServiceError) and isinstance(exc.message, dict):
        detail = {k: v if isinstance(v, list) else [v] for k, v in exc.message.items()}
    if detail:
        for name, errors in detail.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, str(getattr(exc, "message", exc)))


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The participants of my projects, with how many maps each has, in numbered pages sliced in
    the database (issue 20: the whole list took 6x the time at 10x the people)."""
    roles = roles_of(request.user)
    if not (roles.administrator or roles.is_coordinator):
        raise Http404
    participants = (
        participants_for_user(user=request.user)
        .annotate(map_count=Count("network_maps"), last_map_on=Max("network_maps__date"))
        .order_by("project__name", "last_name", "first_name", "pk")
    )
    page = Paginator(participants, INDEX_PAGE).get_page(request.GET.get("page"))
    return render(request, "netwerk/index.html", {"participants": page, "page": page})


@login_required
@require_GET
def participant_maps(request: HttpRequest, participant_id: int) -> HttpResponse:
    participant = participant_get_for_user(user=request.user, participant_id=participant_id)
    maps = selectors.maps_of_participant(participant_id=participant.pk)
    graphs = selectors.graphs_for_maps([mp.pk for mp in maps])
    rows = []
    previous = None
    for mp in maps:
        measured = m.measure(graphs[mp.pk])
        change = m.change(graphs[previous.pk], graphs[mp.pk]) if previous is not None else None
        rows.append({"map": mp, "measures": measured.without_buddy, "with_buddy": measured.with_buddy,
                     "change": change, "previous": previous})
        previous = mp
    new_form = NewMapForm(initial={"date": timezone.localdate()})
    return render(request, "netwerk/participant_maps.html", {
        "participant": participant, "rows": rows, "first": maps[0] if maps else None,
        "latest": maps[-1] if maps else None, "new_form": new_form,
        "blocked": services.network_consent_problem(participant),
    })


@login_required
@require_POST
def map_create(request: HttpRequest, participant_id: int) -> HttpResponse:
    participant = participant_get_for_user(user=request.user, participant_id=participant_id)
    form = NewMapForm(request.POST)
    if form.is_valid():
        try:
            network_map = services.map_create(
                participant=participant, by=request.user, occasion=form.cleaned_data["occasion"],
                on=form.cleaned_data["date"], copy_from_last=form.cleaned_data["copy_from_last"],
            )
        except Conflict as exc:  # the participant's consent does not cover a map
            messages.error(request, str(exc.message))
            return redirect("netwerk:participant-maps", participant_id=participant.pk)
        except ServiceError:
            pass  # a date in the future: said below
        else:
            messages.success(request, _("New network map started."))
            return redirect("netwerk:map-edit", map_id=network_map.pk)
    messages.error(request, _("The new map could not be started: check the date (not in the future)."))
    return redirect("netwerk:participant-maps", participant_id=participant.pk)


@login_required
@require_POST
def maps_erase(request: HttpRequest, participant_id: int) -> HttpResponse:
    """Erase every map of a participant whose consent no longer covers them (the button on the
    participant's page); the service refuses while the consent still covers maps."""
    participant = participant_get_for_user(user=request.user, participant_id=participant_id)
    try:
        erased = services.maps_erase_for_consent(participant=participant, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
            messages.success(request, ngettext("%(count)d network map erased.", "%(count)d network maps erased.",
                                           erased) % {"count": erased})
    return redirect(reverse("web:coordinator-participant", args=[participant.pk]) + "#network")


def _alter_forms(network_map: NetworkMap, alters: list[Alter], knows: dict[int, list[int]],
                 bound: tuple[int, Any] | None = None) -> list[tuple[Alter, AlterForm]]:
    forms = []
    for alter in alters:
        if bound is not None and bound[0] == alter.pk:
            form = bound[1]
        else:
            form = AlterForm(instance=alter, prefix=f"alter-{alter.pk}", network_map=network_map, others=alters,
                             initial={"knows": knows.get(alter.pk, [])})
        forms.append((alter, form))
    return forms


@login_required
@require_http_methods(["GET", "POST"])
def map_edit(request: HttpRequest, map_id: int) -> HttpResponse:
    network_map = selectors.map_get_for_user(user=request.user, map_id=map_id)
    alters = list(network_map.alters.order_by("ring", "id"))
    knows: dict[int, list[int]] = {}
    for tie in network_map.ties.all():
        knows.setdefault(tie.a_id, []).append(tie.b_id)
        knows.setdefault(tie.b_id, []).append(tie.a_id)
    map_form = MapForm(instance=network_map, prefix="map")
    add_form = AlterForm(prefix="new", network_map=network_map, others=alters)
    bound: tuple[int, Any] | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        done = _handle(request, network_map, alters, action)
        if done is None:
            return redirect(reverse("netwerk:map-edit", kwargs={"map_id": network_map.pk}) + _anchor(request))
        status = 400
        kind, form = done
        if kind == "map":
            map_form = form
        elif kind == "new":
            add_form = form
        else:
            bound = (int(kind), form)
    graph = selectors.graphs_for_maps([network_map.pk])[network_map.pk]
    measured = m.measure(graph)
    uncovered = [LifeDomain(d).label for d in LIFE_DOMAINS if d not in measured.without_buddy.domains_covered]
    return render(request, "netwerk/map_edit.html", {
        "map": network_map, "participant": network_map.participant, "map_form": map_form, "add_form": add_form,
        "alter_forms": _alter_forms(network_map, alters, knows, bound), "measures": measured.without_buddy,
        "with_buddy": measured.with_buddy, "uncovered": uncovered,
        "previous": selectors.previous_map(network_map=network_map),
        "picture_version": _picture_version(graph),
    }, status=status)


def _picture_version(graph: Any) -> str:
    """Changes whenever what the picture shows changes, so the <img> swapped in by the page's
    script is fetched anew instead of taken from the browser's image cache."""
    drawn = sorted((k, a.get("label"), a.get("category"), a.get("ring"), a.get("valence"), a.get("via_buddy"))
                   for k, a in graph.nodes(data=True) if k != m.EGO)
    ties = sorted(tuple(sorted(edge)) for edge in graph.edges() if m.EGO not in edge)
    return hashlib.sha256(repr((drawn, ties)).encode()).hexdigest()[:12]


def _anchor(request: HttpRequest) -> str:
    anchor = request.POST.get("anchor", "")
    return f"#{anchor}" if anchor.replace("-", "").isalnum() else ""


def _handle(request: HttpRequest, network_map: NetworkMap, alters: list[Alter], action: str) -> Any:
    """Apply one form of the edit page. None on success, else (which form, the bound form)."""
    try:
        if action == "map":
            form = MapForm(request.POST, instance=network_map, prefix="map")
            if not form.is_valid():
                return "map", form
            try:
                services.map_update(network_map=network_map, data=form.cleaned_data)
            except (ValidationError, ServiceError) as exc:
                network_map.refresh_from_db()
                _form_errors_from(exc, form)
                return "map", form
            messages.success(request, _("Map saved."))
            return None
        if action == "add":
            form = AlterForm(request.POST, prefix="new", network_map=network_map, others=alters)
            if not form.is_valid():
                return "new", form
            alter = services.alter_add(network_map=network_map, data=form.alter_data(), by=request.user)
            services.ties_set(alter=alter, others=list(form.cleaned_data.get("knows") or []))
            messages.success(request, _("%(label)s added.") % {"label": alter.label})
            return None
        alter_id = request.POST.get("alter", "")
        alter = next((a for a in alters if str(a.pk) == alter_id), None)
        if alter is None:
            raise Http404
        if action == "delete":
            services.alter_remove(alter=alter)
            messages.success(request, _("%(label)s removed from this map.") % {"label": alter.label})
            return None
        if action == "edit":
            form = AlterForm(request.POST, instance=alter, prefix=f"alter-{alter.pk}", network_map=network_map,
                             others=alters)
            if not form.is_valid():
                return str(alter.pk), form
            services.alter_update(alter=alter, data=form.alter_data())
            services.ties_set(alter=alter, others=list(form.cleaned_data.get("knows") or []))
            messages.success(request, _("%(label)s saved.") % {"label": alter.label})
            return None
    except (ValidationError, ServiceError) as exc:
        form = AlterForm(request.POST, prefix="new", network_map=network_map, others=alters)
        form.is_valid()
        _form_errors_from(exc, form)
        return "new", form
    raise Http404


@login_required
@require_POST
def map_delete(request: HttpRequest, map_id: int) -> HttpResponse:
    network_map = selectors.map_get_for_user(user=request.user, map_id=map_id)
    participant_id = network_map.participant_id
    services.map_delete(network_map=network_map)
    messages.success(request, _("Network map deleted."))
    return redirect("netwerk:participant-maps", participant_id=participant_id)


@login_required
@require_GET
def map_picture(request: HttpRequest, map_id: int) -> HttpResponse:
    """The ecogram as an SVG image; ?vergelijk=<map id> draws that earlier map beside it."""
    network_map = selectors.map_get_for_user(user=request.user, map_id=map_id)
    compare_to = None
    if request.GET.get("vergelijk"):
        compare_to = selectors.map_get_for_user(user=request.user, map_id=request.GET["vergelijk"])
        if compare_to.participant_id != network_map.participant_id:
            raise Http404
    svg = selectors.map_picture_svg(network_map=network_map, compare_to=compare_to)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # People's labels: never kept by the browser or a proxy (the security middleware leaves
    # images alone, so the view says it itself).
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def map_change(request: HttpRequest, map_id: int) -> HttpResponse:
    after = selectors.map_get_for_user(user=request.user, map_id=map_id)
    if request.GET.get("met"):
        before: NetworkMap | None = selectors.map_get_for_user(user=request.user, map_id=request.GET["met"])
        if before.participant_id != after.participant_id:
            raise Http404
    else:
        before = selectors.previous_map(network_map=after)
    if before is None:
        messages.info(request, _("This is the first map: there is nothing to compare it with yet."))
        return redirect("netwerk:participant-maps", participant_id=after.participant_id)
    graphs = selectors.graphs_for_maps([before.pk, after.pk])
    change = m.change(graphs[before.pk], graphs[after.pk])

    def people(graph: Any, keys: frozenset[str]) -> list[dict[str, Any]]:
        return sorted((graph.nodes[k] for k in keys), key=lambda a: (a["ring"], a["label"]))

    rows = _measure_rows(change.before.without_buddy, change.after.without_buddy)
    return render(request, "netwerk/map_change.html", {
        "participant": after.participant, "before": before, "after": after, "change": change,
        "gained": people(graphs[after.pk], change.gained), "lost": people(graphs[before.pk], change.lost),
        "kept": people(graphs[after.pk], change.kept), "rows": rows,
        "domains_gained": [LifeDomain(d).label for d in sorted(change.domains_gained)],
        "domains_lost": [LifeDomain(d).label for d in sorted(change.domains_lost)],
    })


def _measure_rows(before: m.MapMeasures, after: m.MapMeasures) -> list[tuple[str, Any, Any]]:
    def r(value: float | None) -> Any:
        return "–" if value is None else round(value, 2)

    return [
        (_("People"), before.size, after.size),
        (_("Informal ties"), before.informal_size, after.informal_size),
        (_("Life domains with informal support"), len(before.domains_covered), len(after.domains_covered)),
        (_("Density among them"), r(before.density), r(after.density)),
        (_("Constraint (lower = more open network)"), r(before.constraint), r(after.constraint)),
        (_("Effective size"), r(before.effective_size), r(after.effective_size)),
        (_("Strained ties"), before.strained, after.strained),
        (_("Diversity of categories (0–1)"), r(before.diversity), r(after.diversity)),
    ]


# --- exports --------------------------------------------------------------------------------
_FORMATS = {
    "graphml": ("application/graphml+xml", "graphml"),
    "nodes.csv": ("text/csv", "nodes.csv"),
    "edges.csv": ("text/csv", "edges.csv"),
}


def _export(maps: list[NetworkMap], fmt: str, name: str, pseudonymised: bool) -> HttpResponse:
    if fmt not in _FORMATS:
        raise Http404
    content_type, suffix = _FORMATS[fmt]
    if fmt == "graphml":
        body: bytes | str = export.to_graphml(maps, pseudonymised=pseudonymised)
    elif fmt == "nodes.csv":
        body = export.nodes_csv(maps, pseudonymised=pseudonymised)
    else:
        body = export.edges_csv(maps, pseudonymised=pseudonymised)
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}{"-pseudo" if pseudonymised else ""}.{suffix}"'
    return response


@login_required
@require_GET
def map_export(request: HttpRequest, map_id: int, fmt: str) -> HttpResponse:
    network_map = selectors.map_get_for_user(user=request.user, map_id=map_id)
    return _export([network_map], fmt, f"netwerkkaart-{network_map.pk}", request.GET.get("pseudo") == "1")


@login_required
@require_GET
def project_export(request: HttpRequest, project_id: int, fmt: str) -> HttpResponse:
    project = project_get_for_user(user=request.user, project_id=project_id)
    # A research export of the whole project: only participants whose consent covers anonymous
    # reporting (issue 16); one participant's own maps stay exportable from their page.
    maps = list(
        selectors.maps_for_user(user=request.user)
        .filter(participant__project=project, participant__consent_scope__in=REPORTING_SCOPES)
        .order_by("participant_id", "date", "id")
    )
    return _export(maps, fmt, f"netwerkkaarten-project-{project.pk}", request.GET.get("pseudo") == "1")
