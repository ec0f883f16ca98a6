"""Who is this user? Role look-ups that every access helper starts from.

The answer is cached on the user object for the length of one request, so scoping a list and
checking a write costs one query, not one per check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Max, Q, QuerySet, Value, When
from django.utils import timezone

from buddynet.records.accounts.models import Invitation, Membership, Role, SupportAccess
from buddynet.records.accounts.types import Actor


@dataclass(frozen=True)
class Roles:
    administrator: bool = False
    coordinated_project_ids: frozenset[int] = field(default_factory=frozenset)
    volunteer_id: int | None = None
    funder_ids: frozenset[int] = field(default_factory=frozenset)
    # Organisation administrators (issue 16): the organisations whose projects, coordinators and
    # accounts they manage on buddynet's own pages (web/orgadmin/). Reads no participant data.
    administered_organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_org_admin(self) -> bool:
        return bool(self.administered_organisation_ids)

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinated_project_ids)

    def coordinates(self, project_id: int) -> bool:
        return self.administrator or project_id in self.coordinated_project_ids


# The Membership columns a Roles is made of, in the order _roles_from_rows reads them.
_MEMBERSHIP_FIELDS = ("role", "project_id", "volunteer_id", "funder_id", "organisation_id")


# Where roles_of keeps its answer on the user object, for the rest of the request.
_ROLES_CACHE = "_buddynet_roles"


def roles_of(user: Actor) -> Roles:
    if user is None or not user.is_authenticated or not user.is_active:
        return Roles()
    cached = getattr(user, _ROLES_CACHE, None)
    if isinstance(cached, Roles):
        return cached
    rows = Membership.objects.filter(user=user).values_list(*_MEMBERSHIP_FIELDS)
    roles = _roles_from_rows(is_superuser=user.is_superuser, rows=rows)
    setattr(user, _ROLES_CACHE, roles)
    return roles


def volunteer_only(user: Actor) -> bool:
    """A volunteer and nothing else: no office role, no admin access. Such a user gets the
    volunteer's long phone session and may sign in by a link sent by e-mail (a coordinator's
    or administrator's mailbox must not be a second key to many people's records)."""
    roles = roles_of(user)
    return (
        roles.volunteer_id is not None
        and not roles.administrator
        and not roles.is_coordinator
        and not roles.funder_ids
        and not roles.administered_organisation_ids
        and user is not None and not user.is_staff
    )


def _roles_from_rows(*, is_superuser: bool, rows: Iterable[Sequence[Any]]) -> Roles:
    """Roles from (role, project_id, volunteer_id, funder_id, organisation_id) rows."""
    administrator = bool(is_superuser)
    projects: set[int] = set()
    volunteer_id = None
    funders: set[int] = set()
    organisations: set[int] = set()
    for role, project_id, vol_id, funder_id, *rest in rows:
        if role == Role.ADMINISTRATOR:
            administrator = True
        elif role == Role.ORG_ADMIN:
            organisations.add(rest[0])
        elif role == Role.COORDINATOR:
            projects.add(project_id)
        elif role == Role.VOLUNTEER:
            volunteer_id = vol_id
        elif role == Role.FUNDER:
            funders.add(funder_id)
    return Roles(administrator, frozenset(projects), volunteer_id, frozenset(funders), frozenset(organisations))


def forget_roles(user: Actor) -> None:
    """Drop the cached roles (after a membership changes within the same request or test)."""
    if hasattr(user, _ROLES_CACHE):
        delattr(user, _ROLES_CACHE)


def volunteer_account(*, volunteer: Any) -> dict[str, Any] | None:
    """What the volunteer's page shows about their account: None without one; else
    {"user", "active", "signed_in": bool, "last_sent": datetime | None, "sent_count": int}."""
    membership = Membership.objects.select_related("user").filter(volunteer=volunteer).first()
    if membership is None:
        return None
    user = membership.user
    sent = list(Invitation.objects.filter(user=user).values_list("sent_at", flat=True)[:50])
    return {"user": user, "active": user.is_active, "signed_in": user.last_login is not None,
            "last_sent": sent[0] if sent else None, "sent_count": len(sent)}


def coordinators_of_organisation(*, organisation_id: int) -> list[Membership]:
    """The coordinator memberships of an organisation's projects, with their users (one query)."""
    return list(
        Membership.objects.filter(role=Role.COORDINATOR, project__organisation_id=organisation_id)
        .select_related("user", "project").order_by("project__name", "user__email")
    )


def participant_data_scope(*, user: Actor, project: str = "project") -> Q:
    """The one rule of whose participant data an office user reads, as a filter on any model
    that hangs on a project: participants, duos, goals, check-ins, network maps, signals,
    aftercare, referrals, evaluations, match runs and proposals (each app's selector calls this).

    `project` is the path from the filtered model to the project ("duo__project",
    "participant__project", "run__project"; "" when the model is Project). The rows in scope:
    - the projects the user coordinates;
    - for the platform administrator besides, the projects of every organisation whose
      administrator granted a support access that has not ended or expired (support.py, issue 16).
      Nothing else: the role alone opens no participant record.
    Volunteers, funders and organisation administrators get nothing here (a volunteer's own duos
    are added by duos.selectors). The support check is a subquery, not a second query, so
    list pages keep their pinned query counts and the answer is evaluated when the list is.
    """
    roles = roles_of(user)
    project_id = f"{project}_id" if project else "pk"
    scope = Q(**{f"{project_id}__in": roles.coordinated_project_ids})
    if roles.administrator:
        # `project_id IN (the projects of the organisations under support)`: a subquery the
        # database evaluates once, not an EXISTS per row (the back office's check-in list at
        # the umbrella size scanned every check-in with it; issue 20).
        scope |= Q(**{f"{project_id}__in": _live_support_accesses().values("organisation__projects")})
    return scope


def works_on_participant_data(*, user: Actor, project_id: int) -> bool:
    """participant_data_scope for one project, for the services that write participant data
    (duo lifecycle, matching): a coordinator of the project, or the platform administrator under a
    live support access of its organisation. A query only for an administrator who does not
    coordinate the project."""
    roles = roles_of(user)
    if project_id in roles.coordinated_project_ids:
        return True
    return roles.administrator and _live_support_accesses().filter(organisation__projects=project_id).exists()


def may_change_project_settings(*, user: Actor, project: Any) -> bool:
    """The one rule of who changes a project's follow-up settings (the notification rules and their
    thresholds, the contact cadence, the aftercare rules), whichever page, endpoint or back-office
    form asks: the project's coordinators, the platform administrator (settings, not participant
    data: no support access needed, as in the back office), and the administrator of the project's
    organisation. `project` is anything with `pk` and `organisation_id`."""
    roles = roles_of(user)
    return roles.coordinates(project.pk) or project.organisation_id in roles.administered_organisation_ids


def _live_support_accesses() -> QuerySet[SupportAccess]:
    return SupportAccess.objects.filter(until__gt=timezone.now(), revoked_at=None)


def support_accesses_of(*, organisation_id: int) -> list[Any]:
    return list(SupportAccess.objects.filter(organisation_id=organisation_id).select_related(
        "granted_by", "revoked_by")[:50])


# The states of a volunteer's account on the organisation administrator's list (issue 16), as
# filters on a volunteer: the one definition, which the list filters by and annotates each row with
# (account_state reads the annotation), so the label a row shows is the filter it falls under.
ACCOUNT_STATE_FILTERS: dict[str, Q] = {
    "none": Q(membership=None),  # never invited
    "waiting": Q(membership__user__is_active=True, membership__user__last_login=None),  # first sign-in expected
    "active": Q(membership__user__is_active=True, membership__user__last_login__isnull=False),
    "closed": Q(membership__user__is_active=False),  # deactivated
}
ACCOUNT_STATES = tuple(ACCOUNT_STATE_FILTERS)


def volunteer_accounts_of_organisation(*, organisation_id: int, q: str = "", state: str = "") -> QuerySet[Any]:
    """The organisation's volunteers (not anonymised) with their project and account user in one
    query, by project and name, each annotated with its `account_state` (ACCOUNT_STATE_FILTERS):
    for the organisation administrator's paged list. `q` matches words of the name or of an e-mail
    address; `state`, one of ACCOUNT_STATES, keeps the volunteers in that state."""
    from buddynet.records.people.models import Volunteer

    qs = Volunteer.objects.filter(project__organisation_id=organisation_id, anonymised_at=None).select_related(
        "project", "membership__user").annotate(account_state=Case(
            *(When(rule, then=Value(name)) for name, rule in ACCOUNT_STATE_FILTERS.items()),
            output_field=CharField()))
    for word in q.split()[:5]:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
                       | Q(membership__user__email__icontains=word))
    if state in ACCOUNT_STATE_FILTERS:
        qs = qs.filter(ACCOUNT_STATE_FILTERS[state])
    # The id last, so people with the same name fall on one page only.
    return qs.order_by("project__name", "last_name", "first_name", "pk")


def account_state(volunteer: Any) -> str:
    """The ACCOUNT_STATES value of a volunteer loaded by volunteer_accounts_of_organisation."""
    return str(volunteer.account_state)


def last_invitations(*, user_ids: Iterable[int]) -> dict[int, Any]:
    """When each of these users was last sent an invitation (one query; absent: never)."""
    ids = list(user_ids)
    if not ids:
        return {}
    return dict(Invitation.objects.filter(user_id__in=ids).order_by().values("user_id")
                .annotate(last=Max("sent_at")).values_list("user_id", "last"))
