"""Reads of duos, goals and check-ins, scoped by who asks (see people/selectors.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Q, QuerySet

from buddynet.access import get_from_scope as _get
from buddynet.accounts.selectors import roles_of
from buddynet.duos.models import OPEN_STATUSES, CheckIn, Duo, Goal, VolunteerDay


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


def duos_in_scope(*, user: Any) -> QuerySet[Duo]:
    """The same duos as duos_for_user, without the joins and the last-contact aggregate: for
    checking that an id sent by the caller is theirs (e.g. the duo of a new check-in)."""
    scope = _duo_scope(user)
    return Duo.objects.all() if scope is None else Duo.objects.filter(scope)


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


# --- The volunteer's own pages --------------------------------------------------------------
def duos_of_volunteer(*, user: Any) -> QuerySet[Duo]:
    """The duos in which `user` is the volunteer — nothing they see as coordinator or admin.

    The volunteer's phone pages show a volunteer's view (buddy's first name), so a coordinator
    who also volunteers must not find their projects' duos there.
    """
    volunteer_id = roles_of(user).volunteer_id
    if volunteer_id is None:
        return Duo.objects.none()
    return Duo.objects.filter(volunteer_id=volunteer_id).select_related("participant", "project").annotate(
        last_check_in_on=Max("check_ins__date")
    ).order_by("participant__first_name", "id")


def open_duos_of_volunteer(*, user: Any) -> QuerySet[Duo]:
    return duos_of_volunteer(user=user).filter(status__in=OPEN_STATUSES)


def duo_get_for_volunteer(*, user: Any, duo_id: Any) -> Duo:
    return _get(duos_of_volunteer(user=user), duo_id)


def check_in_get_for_volunteer(*, user: Any, check_in_id: Any) -> CheckIn:
    volunteer_id = roles_of(user).volunteer_id
    qs = CheckIn.objects.select_related("duo", "duo__participant").filter(duo__volunteer_id=volunteer_id)
    return _get(qs if volunteer_id is not None else qs.none(), check_in_id)


def volunteer_days_for_user(*, user: Any) -> QuerySet[VolunteerDay]:
    """Days volunteered that `user` may see: their own, their projects' volunteers', or all (admin)."""
    roles = roles_of(user)
    qs = VolunteerDay.objects.select_related("volunteer")
    if roles.administrator:
        return qs
    scope = Q(volunteer__project_id__in=roles.coordinated_project_ids)
    if roles.volunteer_id is not None:
        scope |= Q(volunteer_id=roles.volunteer_id)
    return qs.filter(scope)


def volunteer_days_in_year(*, volunteer_id: int, year: int) -> QuerySet[VolunteerDay]:
    """Unscoped on purpose: for funding's allowance computation, which scopes the volunteer itself."""
    return VolunteerDay.objects.filter(volunteer_id=volunteer_id, date__year=year)
