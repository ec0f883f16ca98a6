"""Reads for matching, scoped by who asks: only administrators and the project's coordinators
see match runs, proposals and pair rules; for everyone else they do not exist (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from buddynet.access import get_from_scope as _get
from buddynet.records.accounts.selectors import participant_data_scope, roles_of
from buddynet.records.duos.models import OPEN_STATUSES
from buddynet.records.people.models import Participant, Project, Volunteer
from buddynet.records.people.selectors import projects_for_user
from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal
from netwerk.selectors import uncovered_life_domains, volunteer_strengths


def _scoped(qs: QuerySet[Any], user: Any, prefix: str = "") -> QuerySet[Any]:
    """Runs, proposals and pair rules name participants: the project's coordinators see them,
    the platform administrator only under a support access (participant_data_scope); a
    volunteer or funder nothing."""
    return qs.filter(participant_data_scope(user=user, project=f"{prefix}project"))


def may_match(*, user: Any, project_id: int) -> bool:
    return roles_of(user).coordinates(project_id)


def match_runs_for_user(*, user: Any) -> QuerySet[MatchRun]:
    return _scoped(MatchRun.objects.select_related("project", "created_by"), user)


def match_run_get_for_user(*, user: Any, run_id: Any) -> MatchRun:
    return _get(match_runs_for_user(user=user), run_id)


def proposals_for_user(*, user: Any, run_id: int | None = None) -> QuerySet[Proposal]:
    qs = Proposal.objects.select_related("run__project", "participant", "volunteer", "decided_by")
    if run_id is not None:
        qs = qs.filter(run_id=run_id)
    return _scoped(qs, user, "run__")


def proposal_get_for_user(*, user: Any, proposal_id: Any) -> Proposal:
    return _get(proposals_for_user(user=user), proposal_id)


def forbidden_pairs_for_user(*, user: Any) -> QuerySet[ForbiddenPair]:
    return _scoped(ForbiddenPair.objects.select_related("participant", "volunteer", "project"), user)


def locked_pairs_for_user(*, user: Any) -> QuerySet[LockedPair]:
    return _scoped(LockedPair.objects.select_related("participant", "volunteer", "project"), user)


def matchable_projects_for_user(*, user: Any) -> QuerySet[Project]:
    """A run reads the project's participants: the platform administrator matches only under a
    support access (participant_data_scope)."""
    return projects_for_user(user=user).filter(participant_data_scope(user=user, project="")).order_by("name", "pk")


def latest_run(*, project: Project) -> MatchRun | None:
    return MatchRun.objects.filter(project=project).order_by("-created_at", "-id").first()


# --- the pool of one project (read by the service that runs the matcher) ---------------------
def pool_participants(*, project: Project) -> QuerySet[Participant]:
    """Waiting participants without an open duo (an erased one, whatever their status, is no one)."""
    return (
        Participant.objects.filter(project=project, status=Participant.Status.WAITING, anonymised_at=None)
        .exclude(duos__status__in=OPEN_STATUSES)
        .order_by("pk")
    )


def pool_volunteers(*, project: Project) -> QuerySet[Volunteer]:
    """Active volunteers, with their open duos counted (capacity left = capacity − open); not an
    erased one (erasure on request leaves the status as it was, and the account cannot sign in)."""
    return (
        Volunteer.objects.filter(project=project, status=Volunteer.Status.ACTIVE, anonymised_at=None)
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
