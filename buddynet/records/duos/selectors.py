"""Reads of duos, goals and check-ins, scoped by who asks (see people/selectors.py)."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import OuterRef, Q, QuerySet, Subquery

from buddynet.access import get_from_scope as _get
from buddynet.records.accounts.selectors import participant_data_scope, roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.duos.models import OPEN_STATUSES, CheckIn, Duo, Goal, VolunteerDay

# Whose duos: "any" = every duo the user may see (coordinated projects, their own as volunteer;
# a platform administrator's under a support access); "coordinator" = only those they manage (the coordinator's
# pages, the admin's choices, the goal API: someone who also volunteers does not manage their
# own duo there); "volunteer" = only those in which they are the volunteer (the phone pages,
# which show a volunteer's view even to a coordinator or administrator who volunteers).
DuoRole = Literal["any", "coordinator", "volunteer"]


def _duo_scope(user: Actor, prefix: str = "", role: DuoRole = "any") -> Q:
    """The one rule of who sees which duo, as a filter on duos (`prefix` for rows that hang on
    a duo, e.g. "duo__"): the participant data the user reads (their projects; for the platform
    administrator only under a support access: accounts.selectors.participant_data_scope) and,
    for "any", their own duos as a volunteer."""
    roles = roles_of(user)
    if role == "volunteer":
        return Q(**{f"{prefix}volunteer_id": roles.volunteer_id}) if roles.volunteer_id is not None else Q(pk__in=[])
    scope = participant_data_scope(user=user, project=f"{prefix}project")
    if role == "any" and roles.volunteer_id is not None:
        scope |= Q(**{f"{prefix}volunteer_id": roles.volunteer_id})
    return scope


def duos_for_user(*, user: Actor, role: DuoRole = "any") -> QuerySet[Duo]:
    """The scoped queryset of duos for every channel (API, pages, admin), with their people and
    the date of the last contact."""
    # The last contact as a subquery per duo (an index look-up on check-in (duo, date)), not
    # Max() over a join: that grouped every check-in of every duo in scope by all the columns of
    # four tables before the page was cut, so a page of duos cost more the more check-ins the
    # project had (issue 20: 2.5x the time at 10x the data, benchmarks/scale.py and load_api.py).
    last = CheckIn.objects.filter(duo=OuterRef("pk")).order_by("-date").values("date")[:1]
    qs = Duo.objects.select_related("volunteer", "participant", "project").annotate(
        last_check_in_on=Subquery(last)
    ).order_by(*(Duo._meta.ordering or ()))
    return qs.filter(_duo_scope(user, role=role))


def duos_in_scope(*, user: Actor, role: DuoRole = "any") -> QuerySet[Duo]:
    """The same duos as duos_for_user, without the joins and the last-contact aggregate: for
    checking that an id sent by the caller is theirs (e.g. the duo of a new check-in)."""
    return Duo.objects.filter(_duo_scope(user, role=role))


def goals_for_user(*, user: Actor, role: DuoRole = "any") -> QuerySet[Goal]:
    qs = Goal.objects.select_related("duo")
    return qs.filter(_duo_scope(user, "duo__", role))


def check_ins_for_user(*, user: Actor, role: DuoRole = "any") -> QuerySet[CheckIn]:
    qs = CheckIn.objects.select_related("duo", "author")
    return qs.filter(_duo_scope(user, "duo__", role))


def duo_get_for_user(*, user: Actor, duo_id: Any, role: DuoRole = "any") -> Duo:
    """The one access helper of a duo: the duo with this id in the user's scope for `role`, or
    Http404 (also for a duo that exists outside it)."""
    return _get(duos_for_user(user=user, role=role), duo_id)


def goal_get_for_user(*, user: Actor, goal_id: Any, role: DuoRole = "any") -> Goal:
    return _get(goals_for_user(user=user, role=role), goal_id)


def check_in_get_for_user(*, user: Actor, check_in_id: Any, role: DuoRole = "any") -> CheckIn:
    return _get(check_ins_for_user(user=user, role=role), check_in_id)


# --- The volunteer's own pages --------------------------------------------------------------
def duos_of_volunteer(*, user: Actor) -> QuerySet[Duo]:
    """The duos in which `user` is the volunteer, by buddy's first name (the phone's list)."""
    return duos_for_user(user=user, role="volunteer").order_by("participant__first_name", "id")


def open_duos_of_volunteer(*, user: Actor) -> QuerySet[Duo]:
    return duos_of_volunteer(user=user).filter(status__in=OPEN_STATUSES)


def check_in_get_for_volunteer(*, user: Actor, check_in_id: Any) -> CheckIn:
    qs = CheckIn.objects.select_related("duo", "duo__participant").filter(_duo_scope(user, "duo__", role="volunteer"))
    return _get(qs, check_in_id)


def volunteer_days_for_user(*, user: Actor) -> QuerySet[VolunteerDay]:
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
