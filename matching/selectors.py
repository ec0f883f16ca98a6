"""Reads for matching, scoped by who asks: only administrators and the project's coordinators
see match runs, proposals and pair rules; for everyone else they do not exist (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from buddynet.access import get_from_scope as _get
from buddynet.records.accounts.selectors import participant_data_scope, roles_of, works_on_participant_data
from buddynet.records.accounts.types import Actor
from buddynet.records.duos.models import OPEN_STATUSES
from buddynet.records.people.models import Participant, Project, Volunteer
from buddynet.records.people.selectors import projects_for_user
from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal
from netwerk.selectors import uncovered_life_domains, volunteer_strengths


def _run_scope(user: Actor, prefix: str = "") -> Q:
    """Runs (or their proposals) whose participant data the user reads (participant_data_scope);
    for a coordinator, a pooled run only when they coordinate every project in it, since its
    proposals pair people of all of them. The platform administrator's support access is per
    organisation, and a pooled run stays within one. A subquery, so lists keep their query counts."""
    scope = participant_data_scope(user=user, project=f"{prefix}project")
    roles = roles_of(user)
    if roles.administrator:
        return scope
    run = OuterRef(f"{prefix}pk" if prefix == "" else prefix.removesuffix("__") + "_id")
    outside = (MatchRun.projects.through.objects.filter(matchrun_id=run)
               .exclude(project_id__in=roles.coordinated_project_ids))
    return scope & Q(~Exists(outside))


def _scoped(qs: QuerySet[Any], user: Actor, prefix: str = "") -> QuerySet[Any]:
    """Runs, proposals and pair rules name participants: the project's coordinators see them,
    the platform administrator only under a support access (participant_data_scope); a
    volunteer or funder nothing."""
    return qs.filter(participant_data_scope(user=user, project=f"{prefix}project"))


def may_match(*, user: Actor, project_id: int) -> bool:
    return works_on_participant_data(user=user, project_id=project_id)


def match_runs_for_user(*, user: Actor) -> QuerySet[MatchRun]:
    qs = MatchRun.objects.select_related("project", "created_by")
    return qs.filter(_run_scope(user))


def match_run_get_for_user(*, user: Actor, run_id: Any) -> MatchRun:
    return _get(match_runs_for_user(user=user), run_id)


def proposals_for_user(*, user: Actor, run_id: int | None = None) -> QuerySet[Proposal]:
    qs = Proposal.objects.select_related("run__project", "participant", "volunteer", "decided_by")
    if run_id is not None:
        qs = qs.filter(run_id=run_id)
    return qs.filter(_run_scope(user, "run__"))


def proposal_get_for_user(*, user: Actor, proposal_id: Any) -> Proposal:
    return _get(proposals_for_user(user=user), proposal_id)


def forbidden_pairs_for_user(*, user: Actor) -> QuerySet[ForbiddenPair]:
    return _scoped(ForbiddenPair.objects.select_related("participant", "volunteer", "project"), user)


def locked_pairs_for_user(*, user: Actor) -> QuerySet[LockedPair]:
    return _scoped(LockedPair.objects.select_related("participant", "volunteer", "project"), user)


def matchable_projects_for_user(*, user: Actor) -> QuerySet[Project]:
    """A run reads the project's participants: the platform administrator matches only under a
    support access (participant_data_scope)."""
    return projects_for_user(user=user).filter(participant_data_scope(user=user, project="")).order_by("name", "pk")


def latest_run(*, project: Project, done: bool = False) -> MatchRun | None:
    """The project's latest run of its own (a pooled run of several projects is not one)."""
    qs = MatchRun.objects.filter(project=project, pooled=False)
    if done:
        qs = qs.filter(status=MatchRun.Status.DONE)
    return qs.order_by("-created_at", "-id").first()


def open_proposals_of(*, run: MatchRun, volunteer_ids: list[int], participant_id: int) -> list[Proposal]:
    """A run's undecided proposals with these volunteers or this participant (one query)."""
    return list(Proposal.objects.filter(Q(volunteer_id__in=volunteer_ids) | Q(participant_id=participant_id),
                                        run=run, decision=Proposal.Decision.PENDING)
                .select_related("participant", "volunteer").order_by("participant_id", "pk"))


# --- pooled runs of several projects (issue 20) ------------------------------------------------
def _pool_scope(user: Actor) -> Q:
    """The one rule of who may pool projects into one run, as a filter on projects: the projects
    of the organisations the user administers, and those whose participant data they work on
    (participant_data_scope: the ones they coordinate; for the platform administrator, those under
    a support access, since a run reads participants). Pooling several projects needs every one of
    them in this scope (may_pool); the API's project field and the page's choices list it."""
    return (Q(organisation_id__in=roles_of(user).administered_organisation_ids)
            | participant_data_scope(user=user, project=""))


def poolable_projects_for_user(*, user: Actor) -> QuerySet[Project]:
    """Projects a user may pool into one run (_pool_scope); the service then asks for all of one
    organisation and municipality."""
    return (Project.objects.filter(_pool_scope(user)).select_related("organisation")
            .order_by("organisation__name", "name", "pk"))


def may_pool(*, user: Actor, project_ids: list[int]) -> bool:
    """Whether the user may pool these projects: every one of them in _pool_scope. One query."""
    ids = set(project_ids)
    return Project.objects.filter(_pool_scope(user), pk__in=ids).count() == len(ids)


def may_decide_run(*, user: Actor, run: MatchRun) -> bool:
    """Whether the user opens this run and decides its proposals: _run_scope, the rule the lists
    and look-ups filter by, asked of one run (one query). Of a pooled run, only who coordinates
    every one of its projects."""
    return MatchRun.objects.filter(_run_scope(user), pk=run.pk).exists()


def coordinator_ids_of_every(*, project_ids: list[int]) -> QuerySet[Any]:
    """The ids of the active accounts that coordinate every one of these projects: who may open
    and decide a pooled run over them (_run_scope), and so who hears that it finished."""
    from buddynet.records.accounts.models import Membership, Role

    return (Membership.objects.filter(role=Role.COORDINATOR, project_id__in=project_ids, user__is_active=True)
            .values("user_id").annotate(n=Count("project_id", distinct=True)).filter(n=len(set(project_ids)))
            .values_list("user_id", flat=True))


def someone_coordinates_all(*, project_ids: list[int]) -> bool:
    """Whether one active account coordinates every one of these projects (else nobody could
    decide a pooled run over them). One query."""
    return coordinator_ids_of_every(project_ids=project_ids).exists()


def pooled_runs_for_organisation(*, organisation_id: int) -> QuerySet[MatchRun]:
    """An organisation's pooled runs, newest first: status and counts only for who reads no names."""
    return (MatchRun.objects.filter(pooled=True, project__organisation_id=organisation_id)
            .select_related("project", "created_by").prefetch_related("projects").order_by("-created_at", "-id"))


def project_municipalities(*, project_ids: list[int]) -> dict[int, str]:
    """Each project's municipality: where most of its participants and volunteers live (their
    postcodes name it, people/postcodes.py), ties to the first name in the alphabet; "" for a
    project with nobody located yet. Two queries, whatever the projects' size."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in project_ids}
    for model in (Participant, Volunteer):
        rows = (model.objects.filter(project_id__in=project_ids, anonymised_at=None).exclude(municipality="")
                .values("project_id", "municipality").annotate(n=Count("pk")).order_by())
        for row in rows:
            towns = counts[row["project_id"]]
            towns[row["municipality"]] = towns.get(row["municipality"], 0) + row["n"]
    return {pk: min(towns, key=lambda town: (-towns[town], town)) if towns else "" for pk, towns in counts.items()}


# --- the pool of one project or of several (read by the service that runs the matcher) ---------
def pool_participants(*, project: Project | None = None, project_ids: list[int] | None = None,
                      ) -> QuerySet[Participant]:
    """Waiting participants without an open duo (an erased one, whatever their status, is no one)."""
    ids = [project.pk] if project is not None else list(project_ids or [])
    return (
        Participant.objects.filter(project_id__in=ids, status=Participant.Status.WAITING, anonymised_at=None)
        .exclude(duos__status__in=OPEN_STATUSES)
        .order_by("pk")
    )


def pool_volunteers(*, project: Project | None = None, project_ids: list[int] | None = None) -> QuerySet[Volunteer]:
    """Active volunteers, with their open duos counted (capacity left = capacity − open); not an
    erased one (erasure on request leaves the status as it was, and the account cannot sign in)."""
    ids = [project.pk] if project is not None else list(project_ids or [])
    return (
        Volunteer.objects.filter(project_id__in=ids, status=Volunteer.Status.ACTIVE, anonymised_at=None)
        .annotate(open_duos=Count("duos", filter=Q(duos__status__in=OPEN_STATUSES)))
        .order_by("pk")
    )


def uncovered_domains_for(*, participant_ids: list[int]) -> dict[int, frozenset[str]]:
    """Life domains without a supportive informal tie on each participant's latest network map.

    Participants without a map are absent; the engine then counts every domain where they have
    a need as uncovered.
    """
    return uncovered_life_domains(participant_ids=participant_ids)


def strengths_for(*, volunteer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each volunteer's strength (0–3) in every life domain, as netwerk exposes it for the matcher
    (unknown domains dropped, unreadable levels as 0). One query."""
    return volunteer_strengths(volunteer_ids=volunteer_ids)
