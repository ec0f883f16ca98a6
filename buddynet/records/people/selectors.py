"""Reads of organisations, projects, participants and volunteers, scoped by who asks.

An unscoped query of these tables outside this module is a bug. `*_get_for_user` raises
Http404 for anything the user may not see, so an outsider cannot even learn that it exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from buddynet.access import get_from_scope as _get
from buddynet.records.accounts.selectors import participant_data_scope, roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.people.models import Funder, NeedsMeasurement, Organisation, Participant, Project, Volunteer
from buddynet.records.people.needs import NeedsChange, needs_change
from buddynet.vocabulary import LIFE_DOMAINS


def organisations_for_user(*, user: Actor) -> QuerySet[Organisation]:
    roles = roles_of(user)
    if roles.administrator:
        return Organisation.objects.all()
    return Organisation.objects.filter(projects__in=roles.coordinated_project_ids).distinct()


def projects_for_user(*, user: Actor) -> QuerySet[Project]:
    roles = roles_of(user)
    qs = Project.objects.select_related("organisation")
    if roles.administrator:
        return qs
    return qs.filter(pk__in=roles.coordinated_project_ids)


def participants_for_user(*, user: Actor) -> QuerySet[Participant]:
    # Coordinators their projects'; the platform administrator only under a support access
    # (accounts.selectors.participant_data_scope, issue 16). Volunteers see their buddy's first
    # name through their duo, never the participant record.
    qs = Participant.objects.select_related("project", "consent_recorded_by")
    return qs.filter(participant_data_scope(user=user))


def volunteers_for_user(*, user: Actor) -> QuerySet[Volunteer]:
    roles = roles_of(user)
    qs = Volunteer.objects.select_related("project").annotate(
        # "closed" is the one status that frees capacity (duos.models.DuoStatus); named here
        # as a string because the people app does not import the duos app.
        open_duo_count=Count("duos", filter=~Q(duos__status="closed"))
    ).order_by(*(Volunteer._meta.ordering or ()), "pk")  # an aggregate's GROUP BY drops Meta.ordering
    if roles.administrator:
        return qs
    scope = Q(project_id__in=roles.coordinated_project_ids)
    if roles.volunteer_id is not None:
        scope |= Q(pk=roles.volunteer_id)
    return qs.filter(scope)


def funders_for_user(*, user: Actor) -> QuerySet[Funder]:
    roles = roles_of(user)
    if roles.administrator:
        return Funder.objects.all()
    return Funder.objects.filter(pk__in=roles.funder_ids)



def organisation_get_for_org_admin(*, user: Actor, organisation_id: Any) -> Organisation:
    """An organisation that the user administers (issue 16); 404 for everyone else, the platform
    administrator included (the organisation administrator's pages under /organisatie/)."""
    return _get(Organisation.objects.filter(pk__in=roles_of(user).administered_organisation_ids), organisation_id)


def project_get_for_org_admin(*, user: Actor, organisation_id: Any, project_id: Any) -> Project:
    """A project of an organisation that the user administers; 404 for anything else."""
    organisation = organisation_get_for_org_admin(user=user, organisation_id=organisation_id)
    project = _get(Project.objects.filter(organisation=organisation), project_id)
    project.organisation = organisation
    return project


def organisation_get_for_user(*, user: Actor, organisation_id: Any) -> Organisation:
    return _get(organisations_for_user(user=user), organisation_id)


def project_get_for_user(*, user: Actor, project_id: Any) -> Project:
    return _get(projects_for_user(user=user), project_id)


def participant_get_for_user(*, user: Actor, participant_id: Any) -> Participant:
    return _get(participants_for_user(user=user), participant_id)


def volunteer_get_for_user(*, user: Actor, volunteer_id: Any) -> Volunteer:
    return _get(volunteers_for_user(user=user), volunteer_id)


def funder_get_for_user(*, user: Actor, funder_id: Any) -> Funder:
    return _get(funders_for_user(user=user), funder_id)


def organisation_of_user(*, user: Actor) -> Organisation | None:
    """The one organisation a person works or volunteers for (their coordinator and volunteer
    memberships), or None for administrators, funders and people of several organisations:
    what notification e-mail to them is sent on behalf of."""
    ids = set(
        Organisation.objects.filter(
            Q(projects__memberships__user=user) | Q(projects__volunteers__membership__user=user)
        ).values_list("pk", flat=True).distinct()[:2]
    )
    if len(ids) != 1 or roles_of(user).administrator:
        return None
    return Organisation.objects.get(pk=ids.pop())


def needs_history(*, participant: Participant) -> tuple[list[NeedsMeasurement], NeedsChange | None]:
    """A participant's needs measurements, oldest first, and the change from the first to the
    latest (None with fewer than two). The participant comes from a scoped look-up."""
    measurements = list(NeedsMeasurement.objects.filter(participant=participant).order_by("date", "id"))
    if len(measurements) < 2:
        return measurements, None
    return measurements, needs_change(measurements[0].needs, measurements[-1].needs, LIFE_DOMAINS)
