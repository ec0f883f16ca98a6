"""Reads of aftercare, scoped by who asks: the coordinators of the duo's project (and administrators)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from buddynet.access import get_from_scope
from buddynet.features.aftercare.models import (
    AftercareItem,
    AftercareSettings,
    Evaluation,
    ItemStatus,
    Referral,
    ReferralService,
)
from buddynet.records.accounts.selectors import participant_data_scope, roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.people.models import Participant
from buddynet.records.people.selectors import participants_for_user


def settings_of(*, project_id: int) -> AftercareSettings:
    """The project's aftercare rules; an unsaved row with the defaults when it has none."""
    found = AftercareSettings.objects.filter(project_id=project_id).first()
    return found if found is not None else AftercareSettings(project_id=project_id)


def settings_by_project(*, project_ids: Iterable[int]) -> dict[int, AftercareSettings]:
    """Every asked project's rules (defaults where there is no row), in one query."""
    ids = list(project_ids)
    found = {s.project_id: s for s in AftercareSettings.objects.filter(project_id__in=ids)}
    return {pk: found.get(pk) or AftercareSettings(project_id=pk) for pk in ids}


def items_for_user(*, user: Actor) -> QuerySet[AftercareItem]:
    """The aftercare items a coordinator works on: their projects' (a volunteer or funder: none;
    the platform administrator only under a support access: participant_data_scope)."""
    qs = AftercareItem.objects.select_related("duo__participant", "duo__volunteer", "duo__project")
    return qs.filter(participant_data_scope(user=user, project="duo__project"))


def item_get_for_user(*, user: Actor, item_id: Any) -> AftercareItem:
    return get_from_scope(items_for_user(user=user), item_id)


@dataclass(frozen=True)
class DueItem:
    id: int
    kind: str
    due_on: date
    duo_id: int
    project_id: int
    participant_id: int
    participant: str  # first name: the coordinator's message names the duo
    volunteer: str
    closed_on: date | None
    proposed_on: date


def items_due(*, today: date) -> list[DueItem]:
    """Planned items whose day has come (for the notification rules): one query."""
    rows = (
        AftercareItem.objects.filter(status=ItemStatus.PLANNED, due_on__lte=today)
        .values_list("id", "kind", "due_on", "duo_id", "duo__project_id", "duo__participant_id",
                     "duo__participant__first_name", "duo__volunteer__first_name", "duo__closed_on",
                     "duo__proposed_on")
        .order_by("id")
    )
    return [DueItem(*row) for row in rows]


# --- referrals (issue 18 item 3) ---------------------------------------------------------------
def _project_ids(user: Actor) -> list[int] | None:
    roles = roles_of(user)
    return None if roles.administrator else list(roles.coordinated_project_ids)


def referral_services_for_user(*, user: Actor) -> QuerySet[ReferralService]:
    qs = ReferralService.objects.select_related("project")
    ids = _project_ids(user)
    return qs if ids is None else qs.filter(project_id__in=ids)


def referral_service_get_for_user(*, user: Actor, service_id: Any) -> ReferralService:
    return get_from_scope(referral_services_for_user(user=user), service_id)


def referral_services_of_project(*, user: Actor, project_id: int) -> QuerySet[ReferralService]:
    """The services in use of one project's directory: what a participant of it may be referred to."""
    return referral_services_for_user(user=user).filter(project_id=project_id, active=True)


REFERRAL_CANDIDATES = 10  # matches shown for a search; more asks for more of the name


def referral_candidates(*, user: Actor, q: str) -> list[Participant]:
    """The participants (of the asker's scope) whose name, postcode or municipality hold every word
    of `q`, at most REFERRAL_CANDIDATES + 1 (the one more tells the page to ask for more of the
    name): the new-referral form never lists a whole project (at 10x people, 35 -> 273 ms)."""
    qs = participants_for_user(user=user)
    for word in q.split()[:5]:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                       | Q(municipality__icontains=word) | Q(postcode__startswith=word))
    return list(qs.order_by("last_name", "first_name", "pk")[: REFERRAL_CANDIDATES + 1])


def referrals_for_user(*, user: Actor) -> QuerySet[Referral]:
    qs = Referral.objects.select_related("participant", "service")
    return qs.filter(participant_data_scope(user=user, project="participant__project"))


def referral_get_for_user(*, user: Actor, referral_id: Any) -> Referral:
    return get_from_scope(referrals_for_user(user=user), referral_id)


OUTCOME_REMINDER_DAYS = 30


@dataclass(frozen=True)
class OpenReferral:
    id: int
    project_id: int
    participant_id: int
    participant: str
    service: str
    date: date


def referrals_awaiting_outcome(*, today: date) -> list[OpenReferral]:
    """Referrals of at least 30 days without an outcome (for the notification rules): one query."""
    rows = (
        Referral.objects.filter(outcome="", date__lte=today - timedelta(days=OUTCOME_REMINDER_DAYS))
        .values_list("id", "participant__project_id", "participant_id", "participant__first_name", "service__name",
                     "date")
        .order_by("id")
    )
    return [OpenReferral(*row) for row in rows]


# --- the participant's voice (issue 18 item 4) --------------------------------------------------
def evaluations_for_user(*, user: Actor) -> QuerySet[Evaluation]:
    """Coordinators (and administrators) read evaluations; a volunteer records them but reads none back."""
    qs = Evaluation.objects.select_related("participant", "duo")
    return qs.filter(participant_data_scope(user=user, project="participant__project"))


def evaluation_get_for_user(*, user: Actor, evaluation_id: Any) -> Evaluation:
    return get_from_scope(evaluations_for_user(user=user), evaluation_id)
