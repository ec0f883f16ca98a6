"""Reads of duos, goals and check-ins, scoped by who asks (see people/selectors.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Q, QuerySet

from buddynet.access import get_from_scope as _get
from buddynet.accounts.selectors import roles_of
from buddynet.duos.models import CheckIn, Duo, Goal


def _duo_scope(user: Any, prefix: str = "") -> Q | None:
    """None means everything (administrator)."""
    roles = roles_of(user)
    if roles.administrator:
        return None
    scope = Q(**{f"{prefix}project_id__in": roles.coordinated_project_ids})
    if roles.volunteer_id is not None:
        scope |= Q(**{f"{prefix}volunteer_id": roles.volunteer_id})
    return scope


def duos_for_user(*, user: Any) -> QuerySet[Duo]:
    qs = Duo.objects.select_related("volunteer", "participant", "project").annotate(
        last_check_in_on=Max("check_ins__date")
    ).order_by(*Duo._meta.ordering)  # an aggregate's GROUP BY drops Meta.ordering
    scope = _duo_scope(user)
    return qs if scope is None else qs.filter(scope)


def goals_for_user(*, user: Any) -> QuerySet[Goal]:
    qs = Goal.objects.select_related("duo")
    scope = _duo_scope(user, "duo__")
    return qs if scope is None else qs.filter(scope)


def check_ins_for_user(*, user: Any) -> QuerySet[CheckIn]:
    qs = CheckIn.objects.select_related("duo", "author")
    scope = _duo_scope(user, "duo__")
    return qs if scope is None else qs.filter(scope)


def duo_get_for_user(*, user: Any, duo_id: Any) -> Duo:
    return _get(duos_for_user(user=user), duo_id)


def goal_get_for_user(*, user: Any, goal_id: Any) -> Goal:
    return _get(goals_for_user(user=user), goal_id)


def check_in_get_for_user(*, user: Any, check_in_id: Any) -> CheckIn:
    return _get(check_ins_for_user(user=user), check_in_id)
