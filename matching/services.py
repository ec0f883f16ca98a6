"""Writes for matching: start and run a match run, decide on proposals, forbid and lock pairs.

Each service is atomic and checks that `by` coordinates the project (the API and pages fetch
objects through the scoped selectors first, so an outsider never gets this far).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet import events
from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.accounts.selectors import works_on_participant_data
from buddynet.records.duos import services as duo_services
from buddynet.records.people.models import Participant, Project, Volunteer
from buddynet.records.people.screening import problems_of
from buddynet.vocabulary import LIFE_DOMAINS
from matching import engine, selectors
from matching.engine.suggest import room_left, suggest, taken_in_optimum
from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal

if TYPE_CHECKING:
    from buddynet.records.accounts.models import User
    from buddynet.records.accounts.types import Actor

logger = logging.getLogger(__name__)

# A pool this small (participants × volunteers) is matched inside the request: it takes well
# under a second, and the coordinator sees the proposals at once instead of a progress bar.
INLINE_MAX_PAIRS = 200 * 200
# A run still queued or running after this long is presumed lost (worker killed) and no longer
# blocks a new one.
STALE_AFTER = timedelta(minutes=30)
HARD_RULES = (
    "common_language_or_interpreter", "common_time_slot", "within_max_travel_distance", "gender_preferences",
    "volunteer_screening_complete", "participant_consent", "volunteer_capacity", "forbidden_pairs",
    "locked_pairs",
)


def _require_coordinator(by: Actor, project_id: int) -> None:
    # A coordinator of the project, or the platform administrator under a support access (a run
    # reads the project's participants): accounts.selectors.works_on_participant_data.
    if not works_on_participant_data(user=by, project_id=project_id):
        raise NotAllowed(_("Only a coordinator of the project can do this."))


def _require_run_coordinator(by: Actor, run: MatchRun) -> None:
    """A pooled run's proposals pair people of all its projects: who decides coordinates them all
    (selectors.may_decide_run, the rule every channel's look-up filters by)."""
    if not selectors.may_decide_run(user=by, run=run):
        raise NotAllowed(_("Only a coordinator of every project of this match run can do this."))


def weights_for(*, project: Project | None, override: dict[str, float] | None = None) -> dict[str, float]:
    """The engine's defaults, overridden by the project's weights, then by the run's own. A pooled
    run (project None) has no project's weights: the projects' may differ."""
    weights = dict(engine.DEFAULT_WEIGHTS)
    for source in ((project.matching_weights if project is not None else None) or {}, override or {}):
        for name, value in source.items():
            if name in weights:
                weights[name] = float(value)
    return weights


@transaction.atomic
def match_run_start(
    *, project: Project, by: User, weights: dict[str, float] | None = None, inline: bool | None = None
) -> MatchRun:
    """Record a new run; a small pool is matched at once, a large one by a Celery task."""
    _require_coordinator(by, project.pk)
    return _start(projects=[project], by=by, weights=weights_for(project=project, override=_known(weights)),
                  inline=inline)


def _known(weights: dict[str, float] | None) -> dict[str, float] | None:
    unknown = sorted(set(weights or {}) - set(engine.CRITERIA))
    if unknown:
        raise InvalidInput({"weights": _("Unknown criteria: %(names)s.") % {"names": ", ".join(unknown)}})
    return weights


def _start(*, projects: list[Project], by: User, weights: dict[str, float], inline: bool | None) -> MatchRun:
    ids = sorted(p.pk for p in projects)
    # One start at a time per project, pooled or not: the rows are locked in one order (by id).
    list(Project.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    unfinished = MatchRun.objects.filter(
        Q(project_id__in=ids) | Q(projects__in=ids),
        status__in=(MatchRun.Status.QUEUED, MatchRun.Status.RUNNING)).distinct()
    if unfinished.filter(created_at__gte=timezone.now() - STALE_AFTER).exists():
        raise Conflict(_("A match run for this project is still in progress.") if len(ids) == 1
                       else _("A match run for one of these projects is still in progress."))
    # Older ones were lost (a worker killed mid-run): say so instead of showing them running forever.
    MatchRun.objects.filter(pk__in=list(unfinished.values_list("pk", flat=True))).update(
        status=MatchRun.Status.FAILED, finished_at=timezone.now(), stage="",
        error=f"Lost: not finished within {STALE_AFTER.total_seconds() // 60:.0f} minutes.")
    lead = min(projects, key=lambda p: (p.name, p.pk))
    run = MatchRun.objects.create(
        project=lead, created_by=by if getattr(by, "pk", None) else None, weights=weights, pooled=len(ids) > 1,
    )
    if run.pooled:
        run.projects.set(ids)
    size = (selectors.pool_participants(project_ids=ids).count()
            * selectors.pool_volunteers(project_ids=ids).count())
    if inline if inline is not None else size <= INLINE_MAX_PAIRS:
        return match_run_execute(run_id=run.pk) or run
    from matching import tasks  # tasks import services: import here, not at module level

    transaction.on_commit(lambda: tasks.match_run_execute.delay(run.pk))
    return run


# --- a pooled run of several projects of one city (issue 20) ----------------------------------
@transaction.atomic
def match_run_start_pooled(
    *, projects: list[Project], by: User, weights: dict[str, float] | None = None, inline: bool | None = None
) -> MatchRun:
    """One run over several projects of one organisation in one municipality (volunteers willing
    to travel): the pools are the union of the projects' waiting participants and available
    volunteers; every volunteer's own travel limit (or their own project's default) still holds,
    and so do the forbidden and locked pairs of every project. The projects' own weights may
    differ, so a pooled run scores with the matcher's default weights, overridden by `weights`.

    A project's municipality is where most of its participants and volunteers live
    (selectors.project_municipalities): no field to keep up to date, and the same postcodes the
    matcher measures distances from."""
    unique = {p.pk: p for p in projects}
    if len(unique) < 2:
        raise InvalidInput({"projects": _("Choose at least two projects to pool.")})
    organisations = {p.organisation_id for p in unique.values()}
    if len(organisations) != 1:
        raise InvalidInput({"projects": _("Only projects of one organisation can be pooled.")})
    if not selectors.may_pool(user=by, project_ids=list(unique)):
        raise NotAllowed(_("Only the organisation's administrator or a coordinator of every one of these "
                           "projects can pool them."))
    towns = selectors.project_municipalities(project_ids=list(unique))
    if "" in towns.values():
        raise InvalidInput({"projects": _("%(names)s has no participants or volunteers with a known municipality "
                                          "yet.") % {"names": ", ".join(sorted(
                                              unique[pk].name for pk, town in towns.items() if not town))}})
    if len(set(towns.values())) != 1:
        raise InvalidInput({"projects": _("Only projects of one municipality can be pooled: %(towns)s.") % {
            "towns": "; ".join(f"{unique[pk].name}: {town}" for pk, town in sorted(
                towns.items(), key=lambda item: unique[item[0]].name))}})
    if not selectors.someone_coordinates_all(project_ids=list(unique)):
        # Only who coordinates every project of a pooled run opens and decides its proposals.
        raise InvalidInput({"projects": _("No coordinator coordinates all these projects, so nobody could decide "
                                          "the run's proposals: give one coordinator every project first.")})
    return _start(projects=list(unique.values()), by=by, inline=inline,
                  weights=weights_for(project=None, override=_known(weights)))


def _age(birth_year: int | None, today: Any) -> int | None:
    return None if birth_year is None else today.year - birth_year


def build_problem(*, run: MatchRun) -> tuple[engine.Problem, dict[str, Any], dict[str, Any]]:
    """Load the run's pool and rules into the engine's plain records (and freeze them)."""
    projects = list(run.projects.all()) if run.pooled else [run.project]
    return pool_problem(projects=projects, weights=dict(run.weights))


def pool_problem(*, project: Project | None = None, projects: list[Project] | None = None,
                 weights: dict[str, float], also: int | None = None,
                 ) -> tuple[engine.Problem, dict[str, Any], dict[str, Any]]:
    """The pool and rules of a project (or of several, pooled) as the engine's records; `also`
    adds one participant of the project who is not (yet) in the pool (a suggestion while they are
    taken in). Each volunteer keeps their own project's travel default and screening validity."""
    today = timezone.localdate()
    chosen = [project] if project is not None else list(projects or [])
    by_id = {p.pk: p for p in chosen}
    ids = sorted(by_id)
    in_pool = selectors.pool_participants(project_ids=ids)
    if also is not None:
        in_pool = Participant.objects.filter(Q(pk__in=in_pool.values("pk")) | Q(pk=also, project_id__in=ids)
                                             ).order_by("pk")
    participants = list(in_pool.values(
        "id", "latitude", "longitude", "languages", "availability", "interests", "gender", "gender_preference",
        "birth_year", "preferred_age_min", "preferred_age_max", "needs", "waiting_since", "interpreter_arranged",
        "consent_date",
    ))
    volunteers = list(selectors.pool_volunteers(project_ids=ids).values(
        "id", "project_id", "latitude", "longitude", "languages", "availability", "interests", "gender",
        "gender_preference", "birth_year", "preferred_age_min", "preferred_age_max", "capacity", "open_duos",
        "max_travel_km", "intake_date", "training_date", "criminal_record_checked_on",
    ))
    # Both through netwerk's query functions (issue 3, item 8): one query each, whatever the pool.
    uncovered = selectors.uncovered_domains_for(participant_ids=[p["id"] for p in participants])
    strengths = selectors.strengths_for(volunteer_ids=[v["id"] for v in volunteers])

    def person(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": row["id"], "latitude": row["latitude"], "longitude": row["longitude"],
            "languages": tuple(row["languages"] or ()), "availability": tuple(row["availability"] or ()),
            "interests": tuple(row["interests"] or ()), "gender": row["gender"] or "",
            "gender_preference": row["gender_preference"] or "any", "age": _age(row["birth_year"], today),
            "preferred_age_min": row["preferred_age_min"], "preferred_age_max": row["preferred_age_max"],
        }

    ps = tuple(
        engine.Participant(
            **person(row), needs=dict(row["needs"] or {}), uncovered_domains=uncovered.get(row["id"]),
            waiting_days=(today - row["waiting_since"]).days if row["waiting_since"] else 0,
            interpreter_arranged=row["interpreter_arranged"], consent=row["consent_date"] is not None,
        )
        for row in participants
    )
    vs = tuple(
        engine.Volunteer(
            **person(row), strengths=strengths.get(row["id"], {}),
            capacity_left=max(0, row["capacity"] - row["open_duos"]),
            max_travel_km=float(row["max_travel_km"] or by_id[row["project_id"]].default_max_travel_km),
            # Complete and not expired today (people/screening.py): an extract that expires today
            # leaves the volunteer out of today's run, as duo creation refuses them.
            screening_complete=not problems_of(
                intake_date=row["intake_date"], training_date=row["training_date"],
                criminal_record_checked_on=row["criminal_record_checked_on"],
                valid_months=by_id[row["project_id"]].screening_valid_months, today=today),
        )
        for row in volunteers
    )
    in_p = {p.id for p in ps}
    # An unscreened volunteer (missing or expired extract) gets no pair, not even a locked one.
    room = {v.id: v.capacity_left for v in vs if v.screening_complete}
    forbidden = frozenset(ForbiddenPair.objects.filter(project_id__in=ids).values_list("participant_id",
                                                                                        "volunteer_id"))
    locked: list[tuple[int, int]] = []
    ignored: list[list[int]] = []
    for pid, vid in LockedPair.objects.filter(project_id__in=ids).order_by("created_at", "pk").values_list(
            "participant_id", "volunteer_id"):
        # A lock counts only while both are in the pool and the volunteer has room left;
        # the run records the ones it had to leave out.
        if pid in in_p and room.get(vid, 0) > 0 and (pid, vid) not in forbidden:
            room[vid] -= 1
            locked.append((pid, vid))
        else:
            ignored.append([pid, vid])
    problem = engine.Problem(ps, vs, LIFE_DOMAINS, weights=dict(weights), forbidden=forbidden,
                             locked=tuple(locked))
    pools = {"participants": [p.id for p in ps], "volunteers": [v.id for v in vs]}
    rules = {
        "hard": list(HARD_RULES), "default_max_travel_km": (
            chosen[0].default_max_travel_km if len(chosen) == 1
            else {str(p.pk): p.default_max_travel_km for p in chosen}),
        "forbidden": sorted([list(pair) for pair in forbidden]), "locked": [list(pair) for pair in locked],
        "locks_ignored": ignored, "network_maps": len(uncovered),
    }
    return problem, pools, rules


# Progress: loading takes the first 10 %, scoring up to 60 %, solving up to 85 %, explaining
# up to 95 %, storing the rest.
STAGES = {"load": (0, 10), "score": (10, 60), "solve": (60, 85), "explain": (85, 95), "store": (95, 100)}


def _progress_writer(run_id: int) -> Callable[[float, str], None]:
    last = {"percent": -1, "stage": ""}

    def write(fraction: float, stage: str) -> None:
        lo, hi = STAGES[stage]
        percent = int(lo + (hi - lo) * max(0.0, min(1.0, fraction)))
        if stage != last["stage"] or percent - last["percent"] >= 5:
            last.update(percent=percent, stage=stage)
            MatchRun.objects.filter(pk=run_id).update(progress=percent, stage=stage)

    return write


def match_run_execute(*, run_id: int) -> MatchRun | None:
    """Execute a queued run: load, score, solve, explain, store. Safe to call twice: the first
    caller claims the run, any other returns None."""
    claimed = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.QUEUED).update(
        status=MatchRun.Status.RUNNING, started_at=timezone.now(), progress=0, stage="load")
    if claimed != 1:
        return None
    run = MatchRun.objects.select_related("project").get(pk=run_id)
    progress = _progress_writer(run.pk)
    try:
        started = time.perf_counter()
        problem, pools, rules = build_problem(run=run)
        load_seconds = time.perf_counter() - started
        progress(1.0, "load")
        result = engine.match(problem, progress=progress)
        progress(0.0, "store")
        started = time.perf_counter()
        with transaction.atomic():
            Proposal.objects.bulk_create(
                [_proposal(run, a) for a in result.assignments], batch_size=2000)
            run.pools, run.rules = pools, rules
            run.solver, run.solver_status, run.objective = result.solver, result.status, result.objective
            run.participant_count, run.volunteer_count = len(problem.participants), len(problem.volunteers)
            run.feasible_pairs, run.matched_count = result.feasible_pairs, result.matched
            run.unmatched = [{"participant": u.participant_id, "reason": u.reason, "params": u.params}
                             for u in result.unmatched]
            run.timings = {"load": round(load_seconds, 4), **{k: round(v, 4) for k, v in result.timings.items()}}
            run.timings["store"] = round(time.perf_counter() - started, 4)
            _finish(run, MatchRun.Status.DONE)
    except Exception as exc:
        logger.exception("match run %s failed", run_id)
        with transaction.atomic():
            run.error = f"{type(exc).__name__}: {exc}"[:2000]
            _finish(run, MatchRun.Status.FAILED)
    return run


def _proposal(run: MatchRun, a: engine.Assignment) -> Proposal:
    return Proposal(
        run=run, participant_id=a.participant_id, volunteer_id=a.volunteer_id, score=a.score, parts=a.parts,
        distance_km=round(a.distance_km, 2) if a.distance_km != float("inf") else None, locked=a.locked,
        alternatives=[{"volunteer": x.volunteer_id, "score": x.score, "parts": x.parts,
                       "distance_km": round(x.distance_km, 2)} for x in a.alternatives],
    )


def _finish(run: MatchRun, status: str) -> None:
    run.status = status
    run.progress = 100
    run.stage = ""
    run.finished_at = timezone.now()
    run.save()
    # In the transaction that finishes the run, so a notification is written with it or not at all.
    events.match_run_finished(run)


# --- decisions --------------------------------------------------------------------------------
def _lock_pending(proposal: Proposal, by: User) -> Proposal:
    # Only the proposal row: duo_propose locks the volunteer, then the participant, itself.
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related(
        "run", "participant", "volunteer").get(pk=proposal.pk)
    _require_run_coordinator(by, proposal.run)
    if proposal.decision != Proposal.Decision.PENDING:
        raise Conflict(_("This proposal was already decided: %(decision)s.")
                       % {"decision": proposal.get_decision_display()})
    return proposal


@transaction.atomic
def proposal_accept(*, proposal: Proposal, by: User) -> Proposal:
    """Accept a proposal: the duo is created (state *proposed*) through the duo service.

    Two coordinators accepting conflicting proposals at once: duo_propose locks the volunteer
    and the participant rows and re-checks capacity and open duos under the lock, so one wins
    and the other gets a Conflict (409); nothing of the loser is saved.
    """
    proposal = _lock_pending(proposal, by)
    duo = duo_services.duo_propose(volunteer=proposal.volunteer, participant=proposal.participant, by=by)
    proposal.decision = Proposal.Decision.ACCEPTED
    proposal.decided_by, proposal.decided_at, proposal.duo = by, timezone.now(), duo
    proposal.save(update_fields=["decision", "decided_by", "decided_at", "duo"])
    return proposal


@transaction.atomic
def proposal_reject(*, proposal: Proposal, by: User, reason: str, forbid: bool = False) -> Proposal:
    """Reject with a reason; `forbid` also keeps the pair out of every later run."""
    if not reason.strip():
        raise InvalidInput({"reason": _("Say why you reject this proposal.")})
    proposal = _lock_pending(proposal, by)
    proposal.decision = Proposal.Decision.REJECTED
    proposal.decision_reason = reason.strip()
    proposal.decided_by, proposal.decided_at = by, timezone.now()
    proposal.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
    if forbid:
        pair_rule_forbid(participant=proposal.participant, volunteer=proposal.volunteer, by=by, reason=reason)
    return proposal


def _check_pair(participant: Participant, volunteer: Volunteer, by: User, reason: str) -> None:
    # Across projects as a duo may be (a pooled run): same organisation, `by` coordinates both.
    # The rule is kept with the participant's project, whose runs read it.
    if not duo_services.duo_across_projects_allowed(volunteer=volunteer, participant=participant, by=by):
        raise InvalidInput({"volunteer": _("The volunteer belongs to a different project than the participant.")})
    _require_coordinator(by, participant.project_id)
    if not reason.strip():
        raise InvalidInput({"reason": _("Give a reason.")})


@transaction.atomic
def pair_rule_forbid(*, participant: Participant, volunteer: Volunteer, by: User, reason: str) -> ForbiddenPair:
    _check_pair(participant, volunteer, by, reason)
    if ForbiddenPair.objects.filter(participant=participant, volunteer=volunteer).exists():
        raise Conflict(_("This pair is already forbidden."))
    if LockedPair.objects.filter(participant=participant, volunteer=volunteer).exists():
        raise Conflict(_("This pair is locked; unlock it first."))
    return ForbiddenPair.objects.create(project_id=participant.project_id, participant=participant,
                                        volunteer=volunteer, reason=reason.strip(), created_by=by)


@transaction.atomic
def pair_rule_lock(*, participant: Participant, volunteer: Volunteer, by: User, reason: str) -> LockedPair:
    _check_pair(participant, volunteer, by, reason)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if LockedPair.objects.filter(participant=participant).exists():
        raise Conflict(_("This participant is already locked to a volunteer."))
    if ForbiddenPair.objects.filter(participant=participant, volunteer=volunteer).exists():
        raise Conflict(_("This pair is forbidden; lift that first."))
    row = selectors.pool_volunteers(project=volunteer.project).filter(pk=volunteer.pk).values(
        "capacity", "open_duos").first()
    room = (row["capacity"] - row["open_duos"]) if row else 0
    if LockedPair.objects.filter(volunteer=volunteer).count() >= room:
        raise Conflict(_("This volunteer has no room left for another locked pair."))
    return LockedPair.objects.create(project_id=participant.project_id, participant=participant,
                                     volunteer=volunteer, reason=reason.strip(), created_by=by)


@transaction.atomic
def pair_rule_remove(*, rule: ForbiddenPair | LockedPair, by: User) -> None:
    _require_coordinator(by, rule.project_id)
    type(rule).objects.filter(pk=rule.pk).delete()


# --- a suggestion for one person now (issue 20) ---------------------------------------------
SUGGESTIONS = 5


@dataclass(frozen=True)
class SuggestedVolunteer:
    volunteer: Volunteer
    score: int
    parts: dict[str, int]
    distance_km: float
    # Of the first suggestion only: the latest match run of the project proposes this volunteer
    # (still open) to other waiting participants who fill every place the volunteer has left, so
    # choosing them here would undo one of those proposals. Empty otherwise
    # (engine.suggest.taken_in_optimum).
    taken_by: list[Proposal]

    @property
    def contested(self) -> bool:
        return bool(self.taken_by)


@dataclass(frozen=True)
class ParticipantSuggestion:
    participant: Participant
    volunteers: list[SuggestedVolunteer]
    feasible: int
    weights: dict[str, float]
    seconds: float
    # This participant's own open proposal in the latest match run, when it names another
    # volunteer than the first suggestion (the whole-pool optimum picked differently).
    own_proposal: Proposal | None = None


def participant_suggestions(*, participant: Participant, by: Actor, k: int = SUGGESTIONS) -> ParticipantSuggestion:
    """The k best available volunteers for one participant, explained: the engine's spatial filter
    and scores over the project's pool, without solving the whole pool. Reads only (nothing is
    proposed: the coordinator proposes a duo, or starts a match run, from what they see).

    The note "a match run may pair them differently" is taken from the project's latest finished
    (single-project) match run, the last whole-pool optimum, and only its open proposals whose
    participants still wait: cheap (two queries) and true of something the coordinator can open."""
    _require_coordinator(by, participant.project_id)
    started = time.perf_counter()
    weights = weights_for(project=participant.project)
    problem, _pools, _rules = pool_problem(project=participant.project, weights=weights, also=participant.pk)
    found = suggest(problem, participant.pk, k=k, contests=False)
    suggested = [s.volunteer_id for s in found.volunteers]
    in_pool = {p.id for p in problem.participants}
    latest = selectors.latest_run(project=participant.project, done=True)
    open_proposals: list[Proposal] = [] if latest is None else [
        p for p in selectors.open_proposals_of(run=latest, volunteer_ids=suggested, participant_id=participant.pk)
        if p.participant_id in in_pool]
    assigned: dict[int, list[int]] = {}
    for p in open_proposals:
        if p.participant_id != participant.pk:
            assigned.setdefault(p.volunteer_id, []).append(p.participant_id)
    taken = set(taken_in_optimum(found, room_left(problem), assigned))
    own = next((p for p in open_proposals if p.participant_id == participant.pk), None)
    if own is not None and suggested and own.volunteer_id == suggested[0]:
        own = None
    volunteers = Volunteer.objects.in_bulk(suggested)
    return ParticipantSuggestion(
        participant=participant,
        volunteers=[SuggestedVolunteer(
            volunteers[s.volunteer_id], s.score, dict(s.parts), s.distance_km,
            [p for p in open_proposals if n == 0 and p.volunteer_id == s.volunteer_id and p.participant_id in taken]
        ) for n, s in enumerate(found.volunteers)],
        feasible=found.feasible, weights=weights, seconds=time.perf_counter() - started, own_proposal=own,
    )
