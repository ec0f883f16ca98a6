"""What a coordinator must look at today, for one project, in a fixed number of queries.

Everything is read through the scoped selectors; each section is one query whatever the size
of the project (tests/web/test_coordinator_queries.py pins the count at 50 and 500 duos).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from buddynet.features.funding.selectors import open_obligations_of_project
from buddynet.records.accounts.types import Actor
from buddynet.records.duos.models import OPEN_STATUSES, CheckIn, Duo, DuoStatus
from buddynet.records.duos.selectors import check_ins_for_user, duos_for_user
from buddynet.records.people.models import Participant, Project, Volunteer
from buddynet.records.people.selectors import participants_for_user, volunteers_for_user

ENDING_WITHIN_DAYS = 30
LATEST_CHECK_INS = 8


@dataclass
class Attention:
    duo: Duo
    reasons: list[str] = field(default_factory=list)
    severity: int = 0  # higher first: concerns, then silence, then endings


@dataclass
class Waiting:
    participant: Participant
    days: int


@dataclass
class Available:
    volunteer: Volunteer
    room: int
    missing_screening: list[str]


@dataclass
class Today:
    project: Project
    today: date
    attention: list[Attention]
    open_duo_count: int
    waiting: list[Waiting]
    available: list[Available]
    latest_check_ins: list[CheckIn]
    deadlines: list[Any]


def reporting_deadlines(*, user: Actor, project: Project) -> list[Any]:
    """Reporting deadlines of the project's grants, soonest first.

    Each item needs `due_on` (date) and `label` (str), and may have `url` (the funding page where
    the report is prepared); today.html, section "deadlines", reads those three.
    """
    return [
        {"due_on": o.due_on, "label": f"{o.get_kind_display()} · {o.grant.reference}",
         "url": reverse("funding:grant", args=[o.grant_id])}
        for o in open_obligations_of_project(user=user, project_id=project.pk)
    ]


# Only what the page shows: the people's JSON columns (needs, availability, ...) cost more to
# decode than everything else together once a project has hundreds of duos.
PERSON_FIELDS = ("id", "first_name", "last_name", "municipality")


def duos_with_follow_up(*, user: Actor, project: Project) -> Any:
    """Open duos, and closed ones with a concern still unhandled, with their check-in figures."""
    return (
        duos_for_user(user=user)
        .filter(project=project)
        .select_related(None)
        .select_related("participant", "volunteer")
        .only("id", "project_id", "status", "introduced_on", "planned_end_on", "proposed_on",
              *(f"participant__{name}" for name in PERSON_FIELDS), *(f"volunteer__{name}" for name in PERSON_FIELDS))
        .annotate(
            check_in_count=Count("check_ins"),
            unhandled_concerns=Count(
                "check_ins", filter=Q(check_ins__concern=True, check_ins__concern_handled_at__isnull=True)
            ),
        )
        .filter(Q(status__in=OPEN_STATUSES) | Q(unhandled_concerns__gt=0))
    )


def attention_for(duo: Any, *, project: Project, today: date) -> Attention | None:
    """Why this duo needs the coordinator now, or None."""
    item = Attention(duo)
    if duo.unhandled_concerns:
        item.reasons.append(ngettext("%(n)d concern not yet handled", "%(n)d concerns not yet handled",
                                     duo.unhandled_concerns) % {"n": duo.unhandled_concerns})
        item.severity += 100
    if duo.status in (DuoStatus.INTRODUCED, DuoStatus.ACTIVE):
        if duo.check_in_count == 0 and duo.introduced_on is not None:
            item.reasons.append(_("No check-in since the introduction on %(day)s")
                                % {"day": duo.introduced_on.strftime("%d/%m/%Y")})
            item.severity += 20
        last = duo.last_check_in_on
        if last is not None:
            quiet = (today - last).days
            if quiet > project.contact_cadence_days:
                item.reasons.append(
                    _("Quiet for %(days)d days (expected every %(cadence)d days)")
                    % {"days": quiet, "cadence": project.contact_cadence_days}
                )
                item.severity += 50 if quiet > project.quiet_alert_days else 30
    if duo.status in OPEN_STATUSES and duo.planned_end_on is not None:
        left = (duo.planned_end_on - today).days
        if 0 <= left <= ENDING_WITHIN_DAYS:
            item.reasons.append(ngettext("Ends in %(n)d day", "Ends in %(n)d days", left) % {"n": left})
            item.severity += 10
        elif left < 0:
            item.reasons.append(_("Planned end passed on %(day)s") % {"day": duo.planned_end_on.strftime("%d/%m/%Y")})
            item.severity += 15
    return item if item.reasons else None


def missing_screening(volunteer: Volunteer) -> list[str]:
    missing = []
    if volunteer.intake_date is None:
        missing.append(_("intake interview"))
    if volunteer.criminal_record_checked_on is None:
        missing.append(_("criminal record extract"))
    if volunteer.training_date is None:
        missing.append(_("training"))
    return missing


def today_for(*, user: Actor, project: Project) -> Today:
    today = timezone.localdate()
    attention = []
    open_count = 0
    for duo in duos_with_follow_up(user=user, project=project):
        open_count += duo.status in OPEN_STATUSES
        item = attention_for(duo, project=project, today=today)
        if item is not None:
            attention.append(item)
    attention.sort(key=lambda a: (-a.severity, a.duo.last_check_in_on or date.min, a.duo.pk))

    waiting = [
        Waiting(p, (today - p.waiting_since).days if p.waiting_since else 0)
        for p in participants_for_user(user=user)
        .filter(project=project, status=Participant.Status.WAITING)
        # Someone with an open duo is not waiting, whatever their status says.
        .exclude(duos__status__in=OPEN_STATUSES)
        .order_by(F("waiting_since").asc(nulls_last=True), "pk")
    ]
    available = [
        Available(vol, vol.capacity - vol.open_duo_count, missing_screening(vol))
        for vol in volunteers_for_user(user=user)
        .filter(project=project, status__in=[Volunteer.Status.APPLICANT, Volunteer.Status.SCREENING,
                                             Volunteer.Status.ACTIVE])
        .filter(open_duo_count__lt=F("capacity"))
        .only(*PERSON_FIELDS, "project_id", "status", "capacity", "waiting_since", "intake_date", "training_date",
              "criminal_record_checked_on")
    ]
    # Ready volunteers first, then those who still miss a screening step.
    available.sort(key=lambda a: (bool(a.missing_screening), a.volunteer.waiting_since or today, a.volunteer.pk))
    latest = list(
        check_ins_for_user(user=user)
        .filter(duo__project=project)
        .select_related(None)
        .select_related("duo__participant", "duo__volunteer")
        .only("id", "date", "mode", "duration_minutes", "concern", "concern_handled_at", "duo__id",
              "duo__participant__id", "duo__participant__first_name", "duo__volunteer__id",
              "duo__volunteer__first_name")
        .order_by("-date", "-id")[:LATEST_CHECK_INS]
    )
    return Today(project, today, attention, open_count, waiting, available, latest,
                 reporting_deadlines(user=user, project=project))
