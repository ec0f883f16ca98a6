"""Reads of the notifications engine: who hears what, and a user's own inbox."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from buddynet.access import get_from_scope
from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.accounts.types import Actor
from notifications.models import Channel, Frequency, Notification, Preference, ProjectRules


@dataclass(frozen=True)
class Recipient:
    user_id: int
    language: str
    daily_digest: bool


_FIELDS = ("user_id", "user__language", "user__notification_preference__email_frequency")


def _recipient(user_id: int, language: str, frequency: str | None) -> Recipient:
    return Recipient(user_id, language or "nl-be", frequency == Frequency.DAILY)


def coordinators_by_project(*, project_ids: Iterable[int] | None = None) -> dict[int, list[Recipient]]:
    """Active coordinators of each project, in one query (the preference comes along by a join)."""
    qs = Membership.objects.filter(role=Role.COORDINATOR, user__is_active=True)
    if project_ids is not None:
        qs = qs.filter(project_id__in=list(project_ids))
    found: dict[int, list[Recipient]] = defaultdict(list)
    for project_id, *user in qs.order_by("project_id", "user_id").values_list("project_id", *_FIELDS):
        found[project_id].append(_recipient(*user))
    return found


def users_by_volunteer(*, volunteer_ids: Iterable[int] | None = None) -> dict[int, Recipient]:
    """The signed-in user of each volunteer record that has one."""
    qs = Membership.objects.filter(role=Role.VOLUNTEER, user__is_active=True)
    if volunteer_ids is not None:
        qs = qs.filter(volunteer_id__in=list(volunteer_ids))
    return {volunteer_id: _recipient(*user) for volunteer_id, *user in qs.values_list("volunteer_id", *_FIELDS)}


def users_by_funder(*, funder_ids: Iterable[int] | None = None) -> dict[int, list[Recipient]]:
    """Active users who view each funder (role funder), in one query."""
    qs = Membership.objects.filter(role=Role.FUNDER, user__is_active=True)
    if funder_ids is not None:
        qs = qs.filter(funder_id__in=list(funder_ids))
    found: dict[int, list[Recipient]] = defaultdict(list)
    for funder_id, *user in qs.order_by("funder_id", "user_id").values_list("funder_id", *_FIELDS):
        found[funder_id].append(_recipient(*user))
    return found


def funder_users(*, funder_id: int) -> list[Recipient]:
    qs = Membership.objects.filter(role=Role.FUNDER, funder_id=funder_id, user__is_active=True)
    return [_recipient(*user) for user in qs.order_by("user_id").values_list(*_FIELDS)]


def inbox_for_user(*, user: Actor) -> QuerySet[Notification]:
    """A user's own inbox: nobody, an administrator included, reads someone else's messages."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX).order_by("-created_at", "-id")


def inbox_get_for_user(*, user: Actor, notification_id: Any) -> Notification:
    return get_from_scope(inbox_for_user(user=user), notification_id)


def unread_count(*, user: Actor) -> int:
    return inbox_for_user(user=user).filter(read_at=None).count()


def preference_of(*, user: User) -> str:
    found = Preference.objects.filter(user=user).values_list("email_frequency", flat=True).first()
    return found or Frequency.IMMEDIATELY


def project_rules_for_user(*, user: Actor) -> QuerySet[ProjectRules]:
    roles = roles_of(user)
    qs = ProjectRules.objects.select_related("project").order_by("project__name")
    return qs if roles.administrator else qs.filter(project_id__in=roles.coordinated_project_ids)
