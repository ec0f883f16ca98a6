"""Reads of barrier signals, scoped by who asks: a project's coordinators (and administrators)
see its signals; volunteers and funders none (a funder gets only the signal report's counts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from buddynet.access import get_from_scope
from buddynet.features.signals.models import BarrierType, Signal
from buddynet.records.accounts.selectors import participant_data_scope, roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.people.models import Project


def barrier_types_offered() -> list[BarrierType]:
    """The active types, in their order: the chips of the check-in and the coordinator's form."""
    return list(BarrierType.objects.filter(active=True))


def signals_for_user(*, user: Actor) -> QuerySet[Signal]:
    # The platform administrator only under a support access (participant_data_scope).
    qs = Signal.objects.select_related("barrier_type", "participant", "project")
    return qs.filter(participant_data_scope(user=user))


def signal_get_for_user(*, user: Actor, signal_id: Any) -> Signal:
    return get_from_scope(signals_for_user(user=user), signal_id)


def signals_of_participant(*, user: Actor, participant_id: int) -> QuerySet[Signal]:
    return signals_for_user(user=user).filter(participant_id=participant_id)


def signals_filtered(
    *, user: Actor, project_ids: list[int] | None = None, start: date | None = None, end: date | None = None,
    municipality: str = "", status: str = "", barrier_type: str = "", life_domain: str = "",
) -> QuerySet[Signal]:
    qs = signals_for_user(user=user)
    if project_ids is not None:
        qs = qs.filter(project_id__in=project_ids)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    if municipality:
        qs = qs.filter(municipality__iexact=municipality)
    if status:
        qs = qs.filter(status=status)
    if barrier_type:
        qs = qs.filter(barrier_type__code=barrier_type)
    if life_domain:
        qs = qs.filter(life_domain=life_domain)
    return qs


def report_projects_for_user(*, user: Actor) -> QuerySet[Project]:
    """The projects whose signal report the user may make: a coordinator's own projects, an
    organisation administrator's organisations' projects (issue 18: the organisation administrator
    bundles the signals into the report), every project for the platform administrator."""
    roles = roles_of(user)
    qs = Project.objects.select_related("organisation")
    if roles.administrator:
        return qs
    return qs.filter(Q(pk__in=roles.coordinated_project_ids)
                     | Q(organisation_id__in=roles.administered_organisation_ids))


def report_signals(*, user: Actor, project_ids: list[int]) -> QuerySet[Signal]:
    """The signals the report counts: only within report_projects_for_user (counts, never the
    signals themselves, reach an organisation administrator)."""
    allowed = report_projects_for_user(user=user).filter(pk__in=project_ids).values("pk")
    return Signal.objects.select_related("barrier_type", "participant", "project").filter(project_id__in=allowed)


def municipalities_for_user(*, user: Actor) -> list[str]:
    return sorted(set(signals_for_user(user=user).exclude(municipality="").values_list("municipality", flat=True)))
