"""Coordinator pages: start a match run, follow its progress, review and decide proposals,
lock or forbid pairs and run again. Administrators and the project's coordinators only;
everyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buddynet.access import get_from_scope
from buddynet.errors import ServiceError
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.people.models import Volunteer
from matching import selectors, services, texts
from matching.apis import coordinated_participants, explained_parts, suggestion_data
from matching.forms import PooledRunForm
from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal

PROPOSALS_PER_PAGE = 25


def _require_matcher(request: HttpRequest) -> None:
    roles = roles_of(request.user)
    if not (roles.administrator or roles.is_coordinator):
        raise Http404


def _say(request: HttpRequest, exc: ServiceError) -> None:
    message = exc.message
    if isinstance(message, dict):
        message = " ".join(" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in message.values())
    messages.error(request, str(message))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_matcher(request)
    projects = list(selectors.matchable_projects_for_user(user=request.user))
    if len(projects) == 1:
        return redirect("matching:project", project_id=projects[0].pk)
    rows = [(project, selectors.latest_run(project=project)) for project in projects]
    # Organisations of which the user coordinates two projects or more: they may pool them.
    per_organisation: dict[int, list[Any]] = {}
    for project in projects:
        per_organisation.setdefault(project.organisation_id, []).append(project)
    poolable = [(pk, ps[0].organisation.name) for pk, ps in per_organisation.items() if len(ps) > 1]
    return render(request, "matching/index.html", {"rows": rows, "poolable": poolable})


@login_required
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    _require_matcher(request)
    project = get_from_scope(selectors.matchable_projects_for_user(user=request.user), project_id)
    latest = selectors.latest_run(project=project)
    if latest is not None:
        return redirect("matching:run", run_id=latest.pk)
    return render(request, "matching/run.html", {"project": project, "run": None, **_rules(project)})


def _rules(project: Any) -> dict[str, Any]:
    return {
        "forbidden": ForbiddenPair.objects.filter(project=project).select_related("participant", "volunteer"),
        "locked": LockedPair.objects.filter(project=project).select_related("participant", "volunteer"),
        "criteria": [(name, str(label)) for name, label in texts.CRITERION_LABELS.items()],
    }


@login_required
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    _require_matcher(request)
    run = selectors.match_run_get_for_user(user=request.user, run_id=run_id)
    # Numbered pages of proposals (issue 20): at the size of a big project a run proposes hundreds
    # of pairs; the page renders PROPOSALS_PER_PAGE of them, sliced in the database.
    page = Paginator(selectors.proposals_for_user(user=request.user, run_id=run.pk)
                     .order_by("-score", "participant_id", "pk"), PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    proposals = list(page.object_list)
    volunteer_ids = {alt["volunteer"] for p in proposals for alt in p.alternatives}
    alt_volunteers = {v.pk: v for v in Volunteer.objects.filter(pk__in=volunteer_ids).only(
        "first_name", "last_name", "languages")}
    names = {pk: f"{v.first_name} {v.last_name}" for pk, v in alt_volunteers.items()}
    # Who each volunteer goes with in this run's optimum: an alternative that scores higher than
    # the proposal is explained by the participant who got that volunteer instead.
    taken_by: dict[int, list[Proposal]] = {}
    for p in proposals:
        taken_by.setdefault(p.volunteer_id, []).append(p)
    cards = []
    for p in proposals:
        cards.append({
            "proposal": p,
            "parts": _bars(explained_parts(p.parts, run.weights), interpreter=_via_interpreter(
                p.participant, p.volunteer.languages)),
            "alternatives": [
                {**alt, "name": names.get(alt["volunteer"], ""),
                 "bars": _bars(explained_parts(alt["parts"], run.weights), interpreter=_via_interpreter(
                     p.participant, getattr(alt_volunteers.get(alt["volunteer"]), "languages", None))),
                 "higher": alt["score"] > p.score,
                 "taken_by": [other for other in taken_by.get(alt["volunteer"], []) if other.pk != p.pk]}
                for alt in p.alternatives
            ],
        })
    from buddynet.records.people.models import Participant

    unmatched_names = {
        p.pk: f"{p.first_name} {p.last_name}"
        for p in Participant.objects.filter(pk__in=[u["participant"] for u in run.unmatched])
    }
    unmatched = [
        {"name": unmatched_names.get(u["participant"], "?"), "participant": u["participant"],
         "text": texts.why_unmatched(u["reason"], u["params"])}
        for u in run.unmatched
    ]
    runs = selectors.match_runs_for_user(user=request.user).filter(project=run.project)[:10]
    return render(request, "matching/run.html", {
        "project": run.project, "run": run, "cards": cards, "unmatched": unmatched, "runs": runs, "page": page,
        **_rules(run.project),
    })


def _via_interpreter(participant: Any, volunteer_languages: list[str] | None) -> bool:
    """The pair shares no language and is possible only because an interpreter is arranged."""
    if not participant.interpreter_arranged or volunteer_languages is None:
        return False
    return not set(participant.languages or []) & set(volunteer_languages or [])


def _bars(parts: list[dict[str, Any]], *, interpreter: bool = False) -> list[dict[str, Any]]:
    """Each criterion with its share of the maximum; the languages bar of a pair that relies on an
    interpreter says so instead of "0 of 100" (which reads as a defect of the proposal)."""
    return [{**part, "percent": round(100 * part["points"] / part["max_points"]) if part["max_points"] else 0,
             "interpreter": interpreter and part["criterion"] == "languages" and not part["points"]}
            for part in parts]


@login_required
def suggestion_page(request: HttpRequest, participant_id: int) -> HttpResponse:
    """The five best available volunteers for one participant now (issue 20), explained."""
    _require_matcher(request)
    participant = get_from_scope(coordinated_participants(user=request.user).select_related("project"),
                                 participant_id)
    found = services.participant_suggestions(participant=participant, by=request.user)
    data = suggestion_data(found)
    for row in data["volunteers"]:
        row["bars"] = _bars(row["parts"])
    return render(request, "matching/suggestion.html", {
        "participant": participant, "project": participant.project, "suggestion": data,
    })


@login_required
@require_POST
def start(request: HttpRequest, project_id: int) -> HttpResponse:
    _require_matcher(request)
    project = get_from_scope(selectors.matchable_projects_for_user(user=request.user), project_id)
    try:
        run = services.match_run_start(project=project, by=request.user)
    except ServiceError as exc:
        _say(request, exc)
        return redirect("matching:project", project_id=project.pk)
    return redirect("matching:run", run_id=run.pk)


def _proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    _require_matcher(request)
    return selectors.proposal_get_for_user(user=request.user, proposal_id=proposal_id)


@login_required
@require_POST
def accept(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    try:
        services.proposal_accept(proposal=proposal, by=request.user)
        messages.success(request, _("Accepted: the duo %(volunteer)s & %(participant)s is proposed.") % {
            "volunteer": proposal.volunteer.first_name, "participant": proposal.participant.first_name})
    except ServiceError as exc:
        if exc.status_code in (400, 409):
            # A stale proposal (decided meanwhile, the participant or volunteer taken, the
            # screening expired, the volunteer paused or stopped, the participant dropped out):
            # say so with the status the API gives, not a redirect that a script or a double
            # click would read as success.
            return _stale(request, proposal, exc)
        _say(request, exc)
    return redirect(f"{_run_url(proposal.run_id)}#proposal-{proposal.pk}")


def _stale(request: HttpRequest, proposal: Proposal, exc: ServiceError) -> HttpResponse:
    message = exc.message
    if isinstance(message, dict):
        message = " ".join(" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in message.values())
    return render(request, "matching/stale.html", {
        "proposal": proposal, "message": str(message),
        "back_url": f"{_run_url(proposal.run_id)}#proposal-{proposal.pk}",
    }, status=exc.status_code)


@login_required
@require_POST
def reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    try:
        services.proposal_reject(proposal=proposal, by=request.user, reason=request.POST.get("reason", "")[:300],
                                 forbid=request.POST.get("forbid") == "on")
        messages.success(request, _("Rejected."))
    except ServiceError as exc:
        _say(request, exc)
    return redirect(f"{_run_url(proposal.run_id)}#proposal-{proposal.pk}")


@login_required
@require_POST
def pair_rule(request: HttpRequest, proposal_id: int, kind: str) -> HttpResponse:
    """Lock or forbid the proposed pair, or the participant with one of the alternatives."""
    proposal = _proposal(request, proposal_id)
    allowed = {proposal.volunteer_id, *(alt["volunteer"] for alt in proposal.alternatives)}
    try:
        volunteer_id = int(request.POST.get("volunteer", proposal.volunteer_id))
    except ValueError:
        volunteer_id = -1
    if volunteer_id not in allowed:
        raise Http404
    volunteer = Volunteer.objects.get(pk=volunteer_id)
    service = services.pair_rule_lock if kind == "lock" else services.pair_rule_forbid
    try:
        service(participant=proposal.participant, volunteer=volunteer, by=request.user,
                reason=request.POST.get("reason", "")[:300])
        messages.success(request, _("Locked: the next run keeps this pair.") if kind == "lock"
                         else _("Forbidden: no run will propose this pair again."))
    except ServiceError as exc:
        _say(request, exc)
    return redirect(f"{_run_url(proposal.run_id)}#proposal-{proposal.pk}")


@login_required
@require_POST
def remove_rule(request: HttpRequest, kind: str, rule_id: int) -> HttpResponse:
    _require_matcher(request)
    qs = (selectors.locked_pairs_for_user if kind == "lock" else selectors.forbidden_pairs_for_user)(user=request.user)
    rule = get_from_scope(qs, rule_id)
    with transaction.atomic():
        services.pair_rule_remove(rule=rule, by=request.user)
    messages.success(request, _("Removed."))
    return redirect("matching:project", project_id=rule.project_id)


# --- a pooled run of several projects of one city (issue 20) ----------------------------------
def _poolable(request: HttpRequest, organisation_id: int) -> Any:
    """The organisation's projects this user may pool: all of them for its administrator, the
    coordinated ones for a coordinator of at least two; 404 for anyone else."""
    projects = selectors.poolable_projects_for_user(user=request.user).filter(organisation_id=organisation_id)
    # Fewer than two is nothing to pool; the organisation's administrator still sees its page.
    if projects.count() < 2 and organisation_id not in roles_of(request.user).administered_organisation_ids:
        raise Http404
    return projects


@login_required
def pooled_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Choose several projects of one municipality and match them together (issue 20). The page
    shows the organisation's pooled runs with their figures only: who reads the proposals (names)
    is who coordinates every project of the run, on the run's own page."""
    projects = _poolable(request, organisation_id)
    towns = selectors.project_municipalities(project_ids=[p.pk for p in projects])
    form = PooledRunForm(request.POST if request.method == "POST" else None, projects=projects,
                         municipalities=towns)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    run = services.match_run_start_pooled(projects=list(form.cleaned_data["projects"]),
                                                          by=request.user)
            except ServiceError as exc:
                message = exc.message
                for field, text in (message.items() if isinstance(message, dict) else [(None, message)]):
                    form.add_error(field if field in form.fields else None, text)
                status = 400 if exc.status_code == 400 else exc.status_code
            else:
                if selectors.match_runs_for_user(user=request.user).filter(pk=run.pk).exists():
                    return redirect("matching:run", run_id=run.pk)
                messages.success(request, _("The match run has started. The coordinators of these projects "
                                            "decide on its proposals."))
                return redirect("matching:pooled", organisation_id=organisation_id)
        else:
            status = 400
    runs = list(selectors.pooled_runs_for_organisation(organisation_id=organisation_id)[:10])
    visible = set(selectors.match_runs_for_user(user=request.user).filter(pk__in=[r.pk for r in runs])
                  .values_list("pk", flat=True))
    return render(request, "matching/pooled.html", {
        "form": form, "runs": [(run, run.pk in visible) for run in runs], "organisation_id": organisation_id,
        "rows": [(p, towns.get(p.pk, "")) for p in projects],
    }, status=status)


def _run_url(run_id: int) -> str:
    from django.urls import reverse

    return reverse("matching:run", kwargs={"run_id": run_id})


__all__ = ["MatchRun"]
