"""The time-based rules: what is due today, for whom. Evaluated by the periodic task.

Cost is a fixed number of queries whatever the number of duos: one snapshot loads every open
duo (with its last check-in), the first-month check-ins, the screened volunteers, the open
reporting obligations, the projects' settings and all recipients — then each rule is plain
Python over that snapshot — then one INSERT writes every message (notifications/outbox.py).
Each message carries a de-duplication key naming its cause (e.g. the duo and the date of its
last contact), so evaluating again — an hour later, or by two beat processes at once — adds
nothing until the cause changes.

Per project, ProjectRules holds the settings (defaults from the MENTOR standard) and a list of
rules switched off; the contact cadence itself is the project's own contact_cadence_days and
quiet_alert_days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max

from buddynet.dates import add_months
from buddynet.features.aftercare import selectors as aftercare_selectors
from buddynet.features.aftercare.models import (
    DEFAULT_INTERIM_MAP_MONTHS,
    AftercareItem,
    AftercareSettings,
    ItemKind,
    Referral,
)
from buddynet.features.funding.models import ObligationKind, ReportingObligation
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus
from buddynet.records.people.models import NETWORK_SCOPES, Participant, Project, Volunteer
from buddynet.records.people.screening import extract_valid_until
from notifications import links, outbox, selectors, services
from notifications.models import Kind, ProjectRules
from notifications.selectors import Recipient
from notifications.services import Message

DEFAULTS = ProjectRules()  # an unsaved instance: the field defaults


@dataclass(frozen=True)
class ProjectSettings:
    cadence_days: int
    quiet_days: int
    rules: ProjectRules
    screening_valid_months: int
    disabled: frozenset[str]

    def on(self, kind: str) -> bool:
        return kind not in self.disabled


@dataclass(frozen=True)
class OpenDuo:
    id: int
    project_id: int
    volunteer_id: int
    status: str
    introduced_on: date | None
    started_on: date | None
    planned_end_on: date | None
    next_meeting_on: date | None
    last_check_in: date | None
    check_ins: int
    buddy: str  # the participant's first name: all a volunteer's message may say
    volunteer: str
    participant_id: int = 0

    @property
    def name(self) -> str:
        return f"{self.volunteer} & {self.buddy}"


@dataclass(frozen=True)
class OpenObligation:
    id: int
    kind: str  # funding's ObligationKind: its label is the message's "what"
    due_on: date
    grant_id: int
    project_id: int
    project: str
    funder_id: int
    funder: str


@dataclass
class Snapshot:
    today: date
    projects: dict[int, ProjectSettings]
    duos: list[OpenDuo]
    first_month_dates: dict[int, list[date]]
    volunteers: list[dict[str, Any]]
    coordinators: dict[int, list[Recipient]]
    volunteer_users: dict[int, Recipient]
    duo_type: tuple[int, int] = field(default=(0, 0))
    volunteer_type: tuple[int, int] = field(default=(0, 0))
    # Reporting obligations not yet submitted, and who views each funder (funding app).
    obligations: list[OpenObligation] = field(default_factory=list)
    funder_users: dict[int, list[Recipient]] = field(default_factory=dict)
    obligation_type: tuple[int, int] = field(default=(0, 0))
    # Aftercare (issue 18): planned items whose day has come, each project's aftercare rules, the
    # date of each participant's latest network map (and latest closure map), who consented to maps.
    aftercare: list[aftercare_selectors.DueItem] = field(default_factory=list)
    aftercare_rules: dict[int, AftercareSettings] = field(default_factory=dict)
    latest_map: dict[int, date] = field(default_factory=dict)
    latest_closure_map: dict[int, date] = field(default_factory=dict)
    map_consent: frozenset[int] = frozenset()
    aftercare_type: tuple[int, int] = field(default=(0, 0))
    referrals: list[aftercare_selectors.OpenReferral] = field(default_factory=list)
    referral_type: tuple[int, int] = field(default=(0, 0))


def load(*, today: date) -> Snapshot:
    projects = {
        p.pk: ProjectSettings(
            cadence_days=p.contact_cadence_days, quiet_days=p.quiet_alert_days,
            screening_valid_months=p.screening_valid_months,
            rules=getattr(p, "notification_rules", None) or DEFAULTS,
            disabled=frozenset((getattr(p, "notification_rules", None) or DEFAULTS).disabled_kinds or ()),
        )
        for p in Project.objects.select_related("notification_rules").only(
            "pk", "contact_cadence_days", "quiet_alert_days", "screening_valid_months", "notification_rules",
        )
    }
    open_statuses = (DuoStatus.INTRODUCED, DuoStatus.ACTIVE, DuoStatus.PAUSED)
    duos = _load_duos(open_statuses)
    longest_first_month = max([s.rules.first_month_days for s in projects.values()] or [DEFAULTS.first_month_days])
    first_month: dict[int, list[date]] = defaultdict(list)
    for duo_id, day in CheckIn.objects.filter(
        duo__status=DuoStatus.ACTIVE, duo__started_on__gte=today - timedelta(days=2 * longest_first_month),
    ).values_list("duo_id", "date"):
        first_month[duo_id].append(day)
    volunteers = list(
        Volunteer.objects.filter(
            status__in=(Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED), criminal_record_checked_on__isnull=False,
        ).values("id", "project_id", "first_name", "last_name", "criminal_record_checked_on").order_by("id")
    )
    return Snapshot(
        today=today, projects=projects, duos=duos, first_month_dates=first_month, volunteers=volunteers,
        coordinators=selectors.coordinators_by_project(), volunteer_users=selectors.users_by_volunteer(),
        duo_type=services.about(Duo(pk=0)), volunteer_type=services.about(Volunteer(pk=0)),
        obligations=_load_obligations(), funder_users=selectors.users_by_funder(),
        obligation_type=services.about(ReportingObligation(pk=0)),
        **_load_aftercare(today, duos, projects),
    )


def _load_aftercare(today: date, duos: list[OpenDuo], projects: dict[int, ProjectSettings]) -> dict[str, Any]:
    """Aftercare's part of the snapshot: four queries, whatever the number of duos."""
    from netwerk.models import NetworkMap, Occasion

    due_items = aftercare_selectors.items_due(today=today)
    participant_ids = {d.participant_id for d in duos} | {i.participant_id for i in due_items}
    latest: dict[int, date] = {}
    closure: dict[int, date] = {}
    for participant_id, occasion, day in NetworkMap.objects.filter(participant_id__in=participant_ids).values_list(
            "participant_id", "occasion", "date"):
        latest[participant_id] = max(latest.get(participant_id, day), day)
        if occasion == Occasion.CLOSURE:
            closure[participant_id] = max(closure.get(participant_id, day), day)
    consent = frozenset(Participant.objects.filter(pk__in={d.participant_id for d in duos},
                                                   consent_scope__in=NETWORK_SCOPES).values_list("pk", flat=True))
    return {
        "aftercare": due_items, "aftercare_rules": aftercare_selectors.settings_by_project(project_ids=projects),
        "latest_map": latest, "latest_closure_map": closure, "map_consent": consent,
        "aftercare_type": services.about(AftercareItem(pk=0)),
        "referrals": aftercare_selectors.referrals_awaiting_outcome(today=today),
        "referral_type": services.about(Referral(pk=0)),
    }


def _load_duos(statuses: tuple[str, ...]) -> list[OpenDuo]:
    rows = (
        Duo.objects.filter(status__in=statuses)
        .annotate(last_check_in=Max("check_ins__date"), check_in_count=Count("check_ins"))
        .values_list("id", "project_id", "volunteer_id", "status", "introduced_on", "started_on", "planned_end_on",
                     "next_meeting_on", "last_check_in", "check_in_count", "participant__first_name",
                     "volunteer__first_name", "participant_id")
        .order_by("id")
    )
    return [OpenDuo(*row) for row in rows]


def _load_obligations() -> list[OpenObligation]:
    """Every obligation not yet submitted, with its project and funder: one query. A submitted
    one needs no reminder (its approval is the funder's part)."""
    rows = (
        ReportingObligation.objects.filter(submitted_on=None)
        .values_list("id", "kind", "due_on", "grant_id", "grant__project_id", "grant__project__name",
                     "grant__funder_id", "grant__funder__name")
        .order_by("id")
    )
    return [OpenObligation(*row) for row in rows]


# --- the rules ----------------------------------------------------------------------------
def _to_coordinators(s: Snapshot, project_id: int, kind: str, key: str, context: dict[str, Any], link: str,
                     about: tuple[int, int]) -> Iterable[Message]:
    for recipient in s.coordinators.get(project_id, ()):
        yield Message(recipient, kind, key, context, link, about)


def check_in_reminder(s: Snapshot) -> Iterable[Message]:
    """Volunteer: no contact logged for the project's cadence (default 14 days)."""
    for duo in s.duos:
        settings = s.projects[duo.project_id]
        if duo.status == DuoStatus.PAUSED or not settings.on(Kind.CHECK_IN_REMINDER):
            continue
        known = [d for d in (duo.last_check_in, duo.started_on, duo.introduced_on) if d is not None]
        last = max(known) if known else None
        recipient = s.volunteer_users.get(duo.volunteer_id)
        if last is None or recipient is None or s.today < last + timedelta(days=settings.cadence_days):
            continue
        yield Message(recipient, Kind.CHECK_IN_REMINDER, f"check_in_reminder:duo:{duo.id}:{last}",
                      {"buddy": duo.buddy, "last": last}, links.volunteer_duo(duo.id), (s.duo_type[0], duo.id))


def meeting_tomorrow(s: Snapshot) -> Iterable[Message]:
    """Volunteer: the next planned meeting is tomorrow."""
    tomorrow = s.today + timedelta(days=1)
    for duo in s.duos:
        if duo.next_meeting_on != tomorrow or not s.projects[duo.project_id].on(Kind.MEETING_TOMORROW):
            continue
        recipient = s.volunteer_users.get(duo.volunteer_id)
        if recipient is not None:
            yield Message(recipient, Kind.MEETING_TOMORROW, f"meeting_tomorrow:duo:{duo.id}:{tomorrow}",
                          {"buddy": duo.buddy, "on": tomorrow}, links.volunteer_duo(duo.id),
                          (s.duo_type[0], duo.id))


def duo_quiet(s: Snapshot) -> Iterable[Message]:
    """Coordinator: fewer than N contacts in the first month (default 2 in 30 days); after that,
    no contact for the project's quiet_alert_days (default 30). While the first-month alert
    stands (its second month), the silence alert waits, so one problem gives one message."""
    for duo in s.duos:
        settings = s.projects[duo.project_id]
        if duo.status != DuoStatus.ACTIVE or duo.started_on is None or not settings.on(Kind.DUO_QUIET):
            continue
        first_month_end = duo.started_on + timedelta(days=settings.rules.first_month_days)
        if s.today < first_month_end:
            continue
        about = (s.duo_type[0], duo.id)
        if s.today < first_month_end + timedelta(days=settings.rules.first_month_days):
            count = sum(1 for d in s.first_month_dates.get(duo.id, ()) if d < first_month_end)
            if count < settings.rules.first_month_min_check_ins:
                yield from _to_coordinators(
                    s, duo.project_id, Kind.DUO_QUIET, f"duo_quiet:duo:{duo.id}:first_month",
                    {"duo": duo.name, "started": duo.started_on, "count": count,
                     "minimum": settings.rules.first_month_min_check_ins, "first_month": True},
                    links.coordinator_duo(duo.id), about)
                continue
        last = max(duo.last_check_in or duo.started_on, duo.started_on)
        if s.today >= last + timedelta(days=settings.quiet_days):
            yield from _to_coordinators(
                s, duo.project_id, Kind.DUO_QUIET, f"duo_quiet:duo:{duo.id}:{last}",
                {"duo": duo.name, "last": last, "days": (s.today - last).days}, links.coordinator_duo(duo.id), about)


def new_duo_no_check_in(s: Snapshot) -> Iterable[Message]:
    """Coordinator: a duo introduced N days ago (default 14) has not logged one contact."""
    for duo in s.duos:
        settings = s.projects[duo.project_id]
        if (duo.status == DuoStatus.PAUSED or duo.introduced_on is None or duo.check_ins
                or not settings.on(Kind.NEW_DUO_NO_CHECK_IN)
                or s.today < duo.introduced_on + timedelta(days=settings.rules.new_duo_days)):
            continue
        yield from _to_coordinators(
            s, duo.project_id, Kind.NEW_DUO_NO_CHECK_IN, f"new_duo_no_check_in:duo:{duo.id}",
            {"duo": duo.name, "introduced": duo.introduced_on}, links.coordinator_duo(duo.id), (s.duo_type[0], duo.id))


def duo_ending(s: Snapshot) -> Iterable[Message]:
    """Coordinator: the duo reaches its planned end within N days (default 30): plan the closing."""
    for duo in s.duos:
        settings = s.projects[duo.project_id]
        if duo.planned_end_on is None or duo.status == DuoStatus.INTRODUCED or not settings.on(Kind.DUO_ENDING):
            continue
        if duo.planned_end_on - timedelta(days=settings.rules.planned_end_warn_days) <= s.today <= duo.planned_end_on:
            yield from _to_coordinators(
                s, duo.project_id, Kind.DUO_ENDING, f"duo_ending:duo:{duo.id}:{duo.planned_end_on}",
                {"duo": duo.name, "end": duo.planned_end_on}, links.coordinator_duo(duo.id), (s.duo_type[0], duo.id))


def screening_expiring(s: Snapshot) -> Iterable[Message]:
    """Coordinator: a volunteer's criminal record extract (model 2) expires within N days
    (default 30; valid for 36 months unless the project says otherwise)."""
    for volunteer in s.volunteers:
        settings = s.projects[volunteer["project_id"]]
        if not settings.on(Kind.SCREENING_EXPIRING):
            continue
        checked = volunteer["criminal_record_checked_on"]
        expires = extract_valid_until(checked, settings.screening_valid_months)
        if s.today < expires - timedelta(days=settings.rules.screening_warn_days) or s.today >= expires:
            continue
        name = f"{volunteer['first_name']} {volunteer['last_name']}"
        yield from _to_coordinators(
            s, volunteer["project_id"], Kind.SCREENING_EXPIRING,
            f"screening_expiring:volunteer:{volunteer['id']}:{expires}",
            {"volunteer": name, "checked": checked, "expires": expires},
            links.coordinator_volunteer(volunteer["id"]), (s.volunteer_type[0], volunteer["id"]))


def screening_expired(s: Snapshot) -> Iterable[Message]:
    """Coordinator: on the day a volunteer's extract stops counting (people/screening.py), so they
    know why the volunteer drops out of the next match run and cannot get a new duo. Once: the key
    names the day; a new extract is a new cause."""
    for volunteer in s.volunteers:
        settings = s.projects[volunteer["project_id"]]
        if not settings.on(Kind.SCREENING_EXPIRED):
            continue
        checked = volunteer["criminal_record_checked_on"]
        expires = extract_valid_until(checked, settings.screening_valid_months)
        if s.today != expires:
            continue
        name = f"{volunteer['first_name']} {volunteer['last_name']}"
        yield from _to_coordinators(
            s, volunteer["project_id"], Kind.SCREENING_EXPIRED,
            f"screening_expired:volunteer:{volunteer['id']}:{expires}",
            {"volunteer": name, "checked": checked, "expires": expires},
            links.coordinator_volunteer(volunteer["id"]), (s.volunteer_type[0], volunteer["id"]))


def _obligation_messages(s: Snapshot, o: OpenObligation, kind: str, key: str) -> Iterable[Message]:
    """To the project's coordinators (link: the grant page) and the funder's viewers (link: their
    portal), each person once: someone who is both hears it as coordinator. No participant is
    named: the message speaks of the project and the report only."""
    what = ObligationKind(o.kind).label if o.kind in ObligationKind.values else o.kind
    context = {"what": what, "project": o.project, "funder": o.funder, "due": o.due_on}
    about = (s.obligation_type[0], o.id)
    seen: set[int] = set()
    for recipients, link in ((s.coordinators.get(o.project_id, ()), links.grant(o.grant_id)),
                             (s.funder_users.get(o.funder_id, ()), links.funder_portal())):
        for recipient in recipients:
            if recipient.user_id not in seen:
                seen.add(recipient.user_id)
                yield Message(recipient, kind, key, context, link, about)


def obligation_due(s: Snapshot) -> Iterable[Message]:
    """Coordinator and funder: a report is due within the project's obligation_warn_days
    (default 14) and not yet submitted."""
    for o in s.obligations:
        settings = s.projects.get(o.project_id)
        if settings is None or not settings.on(Kind.OBLIGATION_DUE):
            continue
        if o.due_on - timedelta(days=settings.rules.obligation_warn_days) <= s.today <= o.due_on:
            yield from _obligation_messages(s, o, Kind.OBLIGATION_DUE, f"obligation_due:obligation:{o.id}:{o.due_on}")


def obligation_overdue(s: Snapshot) -> Iterable[Message]:
    """Coordinator and funder: the due day has passed and the report is not submitted (once; a
    new due date is a new cause)."""
    for o in s.obligations:
        settings = s.projects.get(o.project_id)
        if settings is None or not settings.on(Kind.OBLIGATION_OVERDUE) or s.today <= o.due_on:
            continue
        yield from _obligation_messages(s, o, Kind.OBLIGATION_OVERDUE,
                                        f"obligation_overdue:obligation:{o.id}:{o.due_on}")


def aftercare_due(s: Snapshot) -> Iterable[Message]:
    """Coordinator: a planned aftercare item of a closed duo has come (default a contact 1 and 3
    months after the closure; a closure network map on the closing day when none was made).
    Once per item: a re-opened duo's items are cancelled, so they are no longer loaded; a closure
    map made in the meantime answers its item."""
    for item in s.aftercare:
        settings = s.projects.get(item.project_id)
        if settings is None or not settings.on(Kind.AFTERCARE_DUE):
            continue
        closure_map = item.kind == ItemKind.CLOSURE_MAP
        if closure_map and s.latest_closure_map.get(item.participant_id, date.min) >= item.proposed_on:
            continue
        yield from _to_coordinators(
            s, item.project_id, Kind.AFTERCARE_DUE, f"aftercare_due:item:{item.id}",
            {"duo": f"{item.volunteer} & {item.participant}", "participant": item.participant,
             "closed": item.closed_on, "due": item.due_on, "closure_map": closure_map},
            links.participant_maps(item.participant_id) if closure_map
            else links.aftercare_item(participant_id=item.participant_id, item_id=item.id),
            (s.aftercare_type[0], item.id))


def network_map_due(s: Snapshot) -> Iterable[Message]:
    """Coordinator: an active duo's participant has had no network map for the project's interval
    (aftercare rules, default 6 months) since the later of their last map and the duo's start, so
    the funder's network indicators do not stay empty. Once per last map: a new map is a new cause."""
    for duo in s.duos:
        settings = s.projects[duo.project_id]
        if (duo.status != DuoStatus.ACTIVE or duo.started_on is None or duo.participant_id not in s.map_consent
                or not settings.on(Kind.NETWORK_MAP_DUE)):
            continue
        rules = s.aftercare_rules.get(duo.project_id)
        months = rules.interim_map_months if rules is not None else DEFAULT_INTERIM_MAP_MONTHS
        last = max(s.latest_map.get(duo.participant_id, duo.started_on), duo.started_on)
        if s.today < add_months(last, months):
            continue
        yield from _to_coordinators(
            s, duo.project_id, Kind.NETWORK_MAP_DUE, f"network_map_due:duo:{duo.id}:{last}",
            {"duo": duo.name, "participant": duo.buddy, "last": last, "months": months},
            links.participant_maps(duo.participant_id), (s.duo_type[0], duo.id))


def referral_outcome_due(s: Snapshot) -> Iterable[Message]:
    """Coordinator: a referral is 30 days old without an outcome. Once per referral."""
    for r in s.referrals:
        settings = s.projects.get(r.project_id)
        if settings is None or not settings.on(Kind.REFERRAL_OUTCOME_DUE):
            continue
        yield from _to_coordinators(
            s, r.project_id, Kind.REFERRAL_OUTCOME_DUE, f"referral_outcome_due:referral:{r.id}",
            {"participant": r.participant, "service": r.service, "on": r.date},
            links.referral(participant_id=r.participant_id, referral_id=r.id),
            (s.referral_type[0], r.id))


# The registry: every rule the periodic task evaluates.
RULES: tuple[Callable[[Snapshot], Iterable[Message]], ...] = (
    check_in_reminder, meeting_tomorrow, duo_quiet, new_duo_no_check_in, duo_ending, screening_expiring,
    screening_expired, obligation_due, obligation_overdue, aftercare_due, network_map_due,
    referral_outcome_due,
)


def due(*, today: date) -> list[Message]:
    """Every message the rules want sent today (before de-duplication against the outbox)."""
    snapshot = load(today=today)
    return [message for rule in RULES for message in rule(snapshot)]


@transaction.atomic
def evaluate(*, today: date) -> list[outbox.Inserted]:
    """Write today's messages; the rows that are new (duplicates of earlier ones are skipped)."""
    return services.notification_create(due(today=today))
