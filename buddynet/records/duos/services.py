"""Writes of duos, goals and check-ins: the duo lifecycle and its invariants.

Two invariants need other rows and so cannot be plain column checks:
- a participant has at most one open duo (also a partial unique index in the database);
- a volunteer's open duos never exceed their capacity.
Both are checked after locking the volunteer and participant rows (SELECT ... FOR UPDATE on
PostgreSQL; SQLite runs every transaction IMMEDIATE, which serialises writers), always in the
same order — volunteer, then participant — so two approvals cannot deadlock each other.
"""

from __future__ import annotations

import functools
import uuid
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, signals
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet import events
from buddynet.dates import add_months
from buddynet.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from buddynet.records.accounts.models import User
from buddynet.records.accounts.selectors import participant_data_scope, roles_of, works_on_participant_data
from buddynet.records.accounts.types import Actor
from buddynet.records.duos.models import (
    OPEN_STATUSES,
    CheckIn,
    ClosureReason,
    Duo,
    DuoStatus,
    Goal,
    NextStep,
    VolunteerDay,
)
from buddynet.records.people.models import Participant, Project, Volunteer
from buddynet.records.people.screening import screening_problems

CHECK_IN_EDIT_WINDOW = timedelta(hours=48)

# The lifecycle, per action: the statuses it may start from and the status it leads to.
# proposed → introduced → active ⇄ paused → closed; any open state may close. Keyed by action,
# not by target status: "activate" and "resume" both lead to active, but a paused duo comes
# back only through resume (which clears the pause), never through activate (which would
# restart the duo: a new start date and planned end, the pause left behind).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "introduce": (frozenset({DuoStatus.PROPOSED}), DuoStatus.INTRODUCED),
    "activate": (frozenset({DuoStatus.INTRODUCED}), DuoStatus.ACTIVE),
    "pause": (frozenset({DuoStatus.ACTIVE}), DuoStatus.PAUSED),
    "resume": (frozenset({DuoStatus.PAUSED}), DuoStatus.ACTIVE),
    "close": (frozenset(OPEN_STATUSES), DuoStatus.CLOSED),
}


def duo_actions_allowed(duo: Duo) -> list[str]:
    """The lifecycle actions the duo's status allows now, in lifecycle order (the page offers
    these; the services refuse the others whatever the channel)."""
    allowed = [action for action, (sources, _to) in TRANSITIONS.items() if duo.status in sources]
    if duo.status == DuoStatus.CLOSED:
        allowed.append("reopen")  # duo_reopen: back to the status it had reached, if still allowed
    return allowed


def duo_may_manage(*, user: User | None, project_id: int) -> bool:
    """Who may move a duo through its lifecycle or change its goals: a coordinator of the duo's
    project, or the platform administrator under a support access of its organisation
    (accounts.selectors.works_on_participant_data). Volunteers may not, also not for their own duo."""
    return works_on_participant_data(user=user, project_id=project_id)


def _require_manager(by: User | None, project_id: int) -> None:
    if not duo_may_manage(user=by, project_id=project_id):
        raise NotAllowed(_("Only a coordinator of the project can change this duo."))


def duo_across_projects_allowed(*, volunteer: Volunteer, participant: Participant, by: User | None) -> bool:
    """A duo belongs to the participant's project. Its volunteer may come from another project of
    the same organisation (a pooled match run, issue 20) when the one who proposes it coordinates
    both projects: the volunteer stays a volunteer of their own project (screening, allowances,
    account), their open duos count against their capacity wherever the duo is, and the duo is
    followed up by the participant's project."""
    if volunteer.project_id == participant.project_id:
        return True
    if by is None or not works_on_participant_data(user=by, project_id=volunteer.project_id):
        return False
    organisations = set(Project.objects.filter(pk__in=[volunteer.project_id, participant.project_id])
                        .values_list("organisation_id", flat=True))
    return len(organisations) == 1


# Whose status lets them into a duo. A new duo (duo_propose: the API, the admin, a match run's
# proposal accepted) takes an active volunteer — the matcher's pool (matching.selectors.
# pool_volunteers) holds only those, so a proposal made before the volunteer paused or stopped is
# refused when it is accepted. Re-opening a closed duo (duo_reopen) undoes a closure: a volunteer
# taking a break may keep their open duos (volunteer_save lets them pause with one), so a paused
# volunteer's duo may come back; a stopped one's never (their account is closed).
NEW_DUO_VOLUNTEER_STATUSES = frozenset({Volunteer.Status.ACTIVE})
REOPEN_VOLUNTEER_STATUSES = frozenset({Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED})
# A participant who dropped out or whose support ended gets no duo; one in intake is the consent
# rule's (duo_proposal_check: no duo without recorded consent), and one already matched the
# one-open-duo rule's.
UNAVAILABLE_PARTICIPANT_STATUSES = frozenset({Participant.Status.WITHDRAWN, Participant.Status.CLOSED})


def duo_people_available_check(
    *, volunteer: Volunteer, participant: Participant, reopening: Duo | None = None,
) -> None:
    """Raise InvalidInput (400, on the field of the person) when the volunteer's or the
    participant's own status keeps them out of a new duo, or out of `reopening` (a closed duo
    about to be re-opened). The one place of this rule: duo_proposal_check asks it for every
    channel that makes or re-opens a duo.

    Re-opening: the participant's status "closed" is what the duo's own closure set when it did
    not end in a re-match (duo_close), so that closure may be undone; a participant who dropped
    out, or was closed after a closure that put them back on the waiting list, stays out.
    """
    if volunteer.anonymised_at is not None:
        raise InvalidInput({"volunteer": _("This volunteer's data was erased: they cannot be in a duo.")})
    if participant.anonymised_at is not None:
        raise InvalidInput({"participant": _("This participant's data was erased: they cannot be in a duo.")})
    allowed = NEW_DUO_VOLUNTEER_STATUSES if reopening is None else REOPEN_VOLUNTEER_STATUSES
    if volunteer.status not in allowed:
        message = (_("%(name)s cannot get a new duo: their status is “%(status)s”. Only an active volunteer can.")
                   if reopening is None else
                   _("%(name)s cannot take up this duo again: their status is “%(status)s”."))
        raise InvalidInput({"volunteer": message % {
            "name": f"{volunteer.first_name} {volunteer.last_name}".strip(),
            "status": Volunteer.Status(volunteer.status).label}})
    # ... and only when no later duo of the participant ended since (that one's closure closed them;
    # a later duo still open is the one-open-duo rule's to refuse).
    closed_by_this_duo = (reopening is not None and participant.status == Participant.Status.CLOSED
                          and reopening.next_step != NextStep.REMATCH
                          and not Duo.objects.filter(participant=participant, pk__gt=reopening.pk,
                                                     status=DuoStatus.CLOSED).exists())
    if participant.status in UNAVAILABLE_PARTICIPANT_STATUSES and not closed_by_this_duo:
        raise InvalidInput({"participant": _(
            "%(name)s cannot get a duo: their status is “%(status)s”. Put them back on the waiting list first."
        ) % {"name": f"{participant.first_name} {participant.last_name}".strip(),
             "status": Participant.Status(participant.status).label}})


def duo_proposal_check(
    *, volunteer: Volunteer, participant: Participant, by: User | None = None, reopening: Duo | None = None,
) -> None:
    """Raise InvalidInput/Conflict when this pair cannot be proposed now (`by`: who proposes it;
    `reopening`: the closed duo of this pair about to be re-opened).

    Forms call it to show the problem next to the fields; duo_propose and duo_reopen call it
    again under the row locks, where the answer is final.
    """
    if not duo_across_projects_allowed(volunteer=volunteer, participant=participant, by=by):
        raise InvalidInput({"volunteer": _("The volunteer belongs to a different project than the participant.")})
    duo_people_available_check(volunteer=volunteer, participant=participant, reopening=reopening)
    problems = screening_problems(volunteer)
    if problems:
        # 409: the request is well-formed; the volunteer's screening (missing or expired) forbids it now.
        raise Conflict(" ".join([_("This volunteer cannot get a new duo:"), *problems]))
    if not participant.has_consent:
        raise InvalidInput({"participant": _("No consent has been recorded for this participant yet.")})
    if Duo.objects.filter(participant=participant, status__in=OPEN_STATUSES).exists():
        raise Conflict(_("This participant already has an open duo."))
    open_duos = Duo.objects.filter(volunteer=volunteer, status__in=OPEN_STATUSES).count()
    if open_duos >= volunteer.capacity:
        raise Conflict(
            _("This volunteer has no room left (%(open)d of %(capacity)d duos open).")
            % {"open": open_duos, "capacity": volunteer.capacity}
        )


@transaction.atomic
def duo_propose(
    *, volunteer: Volunteer, participant: Participant, by: User, proposed_on: date | None = None
) -> Duo:
    """Pair a volunteer with a participant (state *proposed*), enforcing both invariants."""
    _require_manager(by, participant.project_id)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    duo_proposal_check(volunteer=volunteer, participant=participant, by=by)
    try:
        # A savepoint, so that losing a race on the unique index leaves the outer
        # transaction usable and the caller gets a clean 409.
        with transaction.atomic():
            duo = Duo.objects.create(
                project_id=participant.project_id, volunteer=volunteer, participant=participant,
                status=DuoStatus.PROPOSED, proposed_on=proposed_on or timezone.localdate(),
                created_by=by,
            )
    except IntegrityError:
        raise Conflict(_("This participant already has an open duo.")) from None
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.MATCHED)
    events.duo_status_changed(duo, "")
    return duo


def _lock(duo: Duo) -> Duo:
    return Duo.objects.select_for_update().select_related("project", "participant", "volunteer").get(pk=duo.pk)


def _move(duo: Duo, action: str, by: User | None) -> str:
    """Check who acts and whether the lifecycle allows `action` now (on the locked row), then
    set the new status; returns the previous one."""
    _require_manager(by, duo.project_id)
    sources, to = TRANSITIONS[action]
    if duo.status not in sources:
        raise Conflict(
            _("A duo with status '%(status)s' cannot move to '%(to)s'.")
            % {"status": duo.get_status_display(), "to": DuoStatus(to).label}
        )
    previous = duo.status
    duo.status = to
    return previous


@transaction.atomic
def duo_introduce(*, duo: Duo, by: User, introduced_on: date | None = None) -> Duo:
    duo = _lock(duo)
    previous = _move(duo, "introduce", by)
    duo.introduced_on = introduced_on or timezone.localdate()
    if duo.introduced_on < duo.proposed_on:
        raise InvalidInput({"introduced_on": _("The introduction cannot be before the proposal.")})
    duo.save()
    events.duo_status_changed(duo, previous)
    return duo


@transaction.atomic
def duo_activate(*, duo: Duo, by: User, started_on: date | None = None) -> Duo:
    """Start an introduced duo. A paused duo is refused (Conflict): it comes back through
    duo_resume, which keeps its start date and clears the pause."""
    duo = _lock(duo)
    previous = _move(duo, "activate", by)
    duo.started_on = started_on or timezone.localdate()
    if duo.introduced_on and duo.started_on < duo.introduced_on:
        raise InvalidInput({"started_on": _("The start cannot be before the introduction.")})
    duo.planned_end_on = add_months(duo.started_on, duo.project.planned_duo_months)
    duo.save()
    events.duo_status_changed(duo, previous)
    return duo


@transaction.atomic
def duo_pause(*, duo: Duo, by: User, reason: str, paused_on: date | None = None) -> Duo:
    duo = _lock(duo)
    previous = _move(duo, "pause", by)
    duo.paused_on = paused_on or timezone.localdate()
    duo.pause_reason = reason
    duo.save()
    events.duo_status_changed(duo, previous)
    return duo


@transaction.atomic
def duo_resume(*, duo: Duo, by: User) -> Duo:
    duo = _lock(duo)
    _require_manager(by, duo.project_id)
    if duo.status != DuoStatus.PAUSED:
        raise Conflict(_("Only a paused duo can resume."))
    previous = _move(duo, "resume", by)
    duo.paused_on = None
    duo.pause_reason = ""
    duo.save()
    events.duo_status_changed(duo, previous)
    return duo


@transaction.atomic
def duo_close(
    *,
    duo: Duo,
    by: User,
    reason: str,
    closed_on: date | None = None,
    note: str = "",
    evaluation_volunteer: int | None = None,
    evaluation_participant: int | None = None,
    next_step: str = "",
) -> Duo:
    """Close a duo; the participant waits again for a re-match, or leaves the project."""
    duo = _lock(duo)
    previous = _move(duo, "close", by)
    duo.closed_on = closed_on or timezone.localdate()
    if duo.closed_on < duo.proposed_on:
        raise InvalidInput({"closed_on": _("The closing cannot be before the proposal.")})
    if reason == ClosureReason.GOALS_REACHED and not duo.goals.exists():
        raise InvalidInput({"reason": _(
            "This duo has no goals, so it cannot close with 'Goals reached'. Add the goals the duo reached, "
            "or choose another reason.")})
    duo.closure_reason = reason
    duo.closure_note = note
    duo.evaluation_volunteer = evaluation_volunteer
    duo.evaluation_participant = evaluation_participant
    duo.next_step = next_step
    duo.next_meeting_on = None
    duo.save()
    participant = duo.participant
    if next_step == NextStep.REMATCH:
        # Back on the waiting list with the time already waited: a re-match is not a new start.
        participant.status = Participant.Status.WAITING
        participant.waiting_since = participant.waiting_since or duo.closed_on
    else:
        participant.status = Participant.Status.CLOSED
    participant.save(update_fields=["status", "waiting_since", "updated_at"])
    events.duo_status_changed(duo, previous)
    return duo


@transaction.atomic
def duo_reopen(*, duo: Duo, by: User) -> Duo:
    """Undo a closure (closed by mistake, or the pair takes up again): the duo returns to the
    status it had reached (active, introduced or proposed) and its closure is cleared. The pair
    must still be allowed (the people's status, screening, consent, one open duo, capacity:
    duo_proposal_check), checked under the same locks and in the same order as duo_propose.
    Listeners hear previous="closed" (aftercare cancels what it planned)."""
    _require_manager(by, duo.project_id)
    volunteer = Volunteer.objects.select_for_update().get(pk=duo.volunteer_id)
    participant = Participant.objects.select_for_update().get(pk=duo.participant_id)
    duo = _lock(duo)
    if duo.status != DuoStatus.CLOSED:
        raise Conflict(_("Only a closed duo can be re-opened."))
    duo_proposal_check(volunteer=volunteer, participant=participant, by=by, reopening=duo)
    previous = duo.status
    duo.status = (DuoStatus.ACTIVE if duo.started_on else DuoStatus.INTRODUCED if duo.introduced_on
                  else DuoStatus.PROPOSED)
    duo.closed_on = None
    duo.closure_reason = ""
    duo.closure_note = ""
    duo.evaluation_volunteer = None
    duo.evaluation_participant = None
    duo.next_step = ""
    try:
        with transaction.atomic():
            duo.save()
    except IntegrityError:
        raise Conflict(_("This participant already has an open duo.")) from None
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.MATCHED)
    events.duo_status_changed(duo, previous)
    return duo


@transaction.atomic
def duo_plan_meeting(*, duo: Duo, by: User, on: date | None) -> Duo:
    """The next planned meeting: the duo's volunteer notes it, or its coordinator."""
    duo = _lock(duo)
    if not (duo_may_manage(user=by, project_id=duo.project_id) or roles_of(by).volunteer_id == duo.volunteer_id):
        raise NotAllowed(_("Only the duo's volunteer or a coordinator of the project can plan its meetings."))
    if not duo.is_open:
        raise Conflict(_("This duo is closed."))
    duo.next_meeting_on = on
    duo.save(update_fields=["next_meeting_on", "updated_at"])
    return duo


def goals_may_change(*, user: User | None, duo: Duo) -> bool:
    """Whether `user` may add, change or remove goals of `duo` now (what goal_save and
    goal_delete check, for the pages and the admin to offer only that)."""
    return duo.is_open and duo_may_manage(user=user, project_id=duo.project_id)


def _lock_goal_duo(goal: Goal | None, duo: Duo | None, by: User | None) -> Duo:
    """The goal's duo, locked (a goal cannot be added while the duo closes), after checking
    that `by` may change its goals and that it is still open."""
    duo_id = goal.duo_id if goal is not None else (duo.pk if duo is not None else None)
    if duo_id is None:
        raise InvalidInput({"duo": _("A goal belongs to a duo.")})
    locked = Duo.objects.select_for_update().get(pk=duo_id)
    _require_manager(by, locked.project_id)
    if not locked.is_open:
        raise Conflict(_("This duo is closed: its goals can no longer change."))
    return locked


@transaction.atomic
def goal_save(*, goal: Goal | None = None, duo: Duo | None = None, by: User, data: dict[str, Any]) -> Goal:
    """Add a goal to a duo, or change one: a coordinator of the duo's project (or an
    administrator), and only while the duo is open."""
    locked = _lock_goal_duo(goal, duo, by)
    goal = goal or Goal(duo=locked)
    for name, value in data.items():
        setattr(goal, name, value)
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, by: User) -> None:
    """Remove a goal: as goal_save, only a coordinator and only while the duo is open."""
    _lock_goal_duo(goal, None, by)
    goal.delete()


# The statuses in which contact is logged: introduced, active, or paused (a pause may end in a
# contact after all). Proposed duos have not met yet; closed duos are history.
LOGGABLE_STATUSES = (DuoStatus.INTRODUCED, DuoStatus.ACTIVE, DuoStatus.PAUSED)


class DuoOutOfReach(NotAllowed):
    """The duo of a new check-in does not exist, or its author may not log for it. Callers
    that validate input answer it as an unknown duo, so an id outside the caller's scope
    looks the same as one that does not exist."""


def check_in_record(
    *, duo: Duo | int, author: Any, client_uuid: uuid.UUID | None = None, data: dict[str, Any],
    barrier: dict[str, Any] | None = None,
) -> tuple[CheckIn, bool]:
    """Store a contact moment once. Returns (check_in, created).

    `duo` is a Duo or its id: the author must be its volunteer, a coordinator of its project or
    a platform administrator under a support access (DuoOutOfReach otherwise), and the duo must be loggable (introduced,
    active or paused) on or after the date it was proposed.

    A repeat with the same client UUID (a phone resending after a lost answer) returns the
    stored row unchanged. The same UUID used by someone else, or for another duo, is refused.

    Atomic: the row and what the events write (the notification outbox when a concern is
    raised) are stored together or not at all. This is the busiest write of the project, so the
    common case costs one statement (kept over the stock scoped look-up + save() in a savepoint
    because that cost more than 15 % on benchmarks/checkin_api.py against its stock reference:
    phone p95 ratio ≈ 0.65 with this, ≈ 0.9 without, on the shared machine; README): the fields are
    validated without the database, then `INSERT ... SELECT ... FROM duo WHERE <the duo is the
    author's and loggable> ON CONFLICT (client_uuid) DO NOTHING` decides everything that needs
    other rows at once. Only when it inserts nothing does a second look say why.

    `barrier` ("we met a barrier": life_domain, barrier_type, description) is not a field of the
    check-in: it goes with the `barrier_met` event to whoever keeps barrier signals, in this
    transaction, so a refusal there stores neither and a resend (stored before) adds nothing.
    """
    duo_id = duo.pk if isinstance(duo, Duo) else duo
    roles = roles_of(author)
    client_uuid = client_uuid or uuid.uuid4()
    check_in = CheckIn(duo_id=duo_id, author=author, client_uuid=client_uuid, **data)
    if isinstance(duo, Duo):
        check_in.duo = duo
    try:
        _check_new_check_in(check_in)
    except (ServiceError, ValidationError):
        # A resend of a stored check-in answers the stored row, even when the date would no
        # longer be accepted.
        existing = CheckIn.objects.filter(client_uuid=client_uuid).first()
        if existing is None:
            raise
        return _same_check_in(existing, duo_id=duo_id, author=author), False
    # savepoint=False: inside the caller's transaction (the API and the phone view write in
    # one) this adds no SAVEPOINT/RELEASE round trips. Nothing in the block raises an expected
    # error (the refusals come after it, and the INSERT that refuses wrote nothing), so a
    # failure here is one the caller's whole transaction must roll back for anyway.
    with transaction.atomic(savepoint=False):
        created = _insert_if_loggable(check_in, roles)
        if created:
            events.check_in_recorded(check_in)
            if barrier:
                events.barrier_met(check_in, barrier)
            if check_in.concern:
                events.concern_raised(check_in)
    if created:
        return check_in, True
    # Nothing inserted: the UUID was stored before (a resend, or a concurrent request that
    # committed first: the INSERT waited for it), or the duo refused.
    existing = CheckIn.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        return _same_check_in(existing, duo_id=duo_id, author=author), False
    _explain_refused_duo(duo_id, check_in, roles)
    raise Conflict(_("The duo changed while the check-in was saved. Please try again."))


def _check_new_check_in(check_in: CheckIn) -> None:
    day = check_in.date
    if day is not None and day > timezone.localdate():
        raise InvalidInput({"date": _("The date is in the future.")})
    # Field validators only: duo and author are checked by the INSERT, client_uuid's uniqueness
    # is the INSERT's to decide, and the check constraints mirror the field validators (the
    # database enforces them anyway). Validating those through full_clean cost eight round
    # trips (an existence query per foreign key, a savepoint and a SELECT per constraint).
    check_in.full_clean(exclude=["duo", "author"], validate_unique=False, validate_constraints=False)


def _explain_refused_duo(duo_id: Any, check_in: CheckIn, roles: Any) -> None:
    """Raise why the INSERT found no loggable duo of the author (the uncommon case)."""
    reach = participant_data_scope(user=check_in.author)
    if roles.volunteer_id is not None:
        reach |= Q(volunteer_id=roles.volunteer_id)
    duo = Duo.objects.filter(reach, pk=duo_id).first() if _is_id(duo_id) else None
    if duo is None:
        raise DuoOutOfReach(_("You cannot record a check-in for this duo."))
    if duo.status not in LOGGABLE_STATUSES:
        raise Conflict(_("You cannot record contact for a duo with status '%(status)s'.")
                       % {"status": duo.get_status_display()})
    if check_in.date < duo.proposed_on:
        raise InvalidInput({"date": _("The date is before the start of the duo.")})


_MAX_ID = 2**63 - 1  # the largest id a BigAutoField holds


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _MAX_ID


@functools.cache
def _check_in_insert_fields() -> tuple[Any, ...]:
    return tuple(f for f in CheckIn._meta.concrete_fields if not f.primary_key)


_check_in_insert_sql: dict[tuple[str, int], str] = {}  # per database vendor and number of projects


def _check_in_insert_sql_for(connection: Any, projects: int) -> str:
    """INSERT ... SELECT <the values> FROM duo WHERE <loggable, the author's> ON CONFLICT DO NOTHING.

    The author's scope comes from their roles (roles_of, as every scoped read): `%s`
    (a platform administrator under a support access of the duo's organisation, decided by
    participant_data_scope before) OR the duo's volunteer is theirs OR its project is one of the `projects`
    they coordinate (a NULL stands in when there are none). Built once per vendor and count.
    """
    sql = _check_in_insert_sql.get((connection.vendor, projects))
    if sql is None:
        qn = connection.ops.quote_name
        meta, duo_meta = CheckIn._meta, Duo._meta
        fields = _check_in_insert_fields()
        columns = ", ".join(qn(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        unique, pk = qn(meta.get_field("client_uuid").column), qn(meta.pk.column)
        duo_table = qn(duo_meta.db_table)
        d = {name: qn(duo_meta.get_field(name).column) for name in ("status", "proposed_on", "volunteer", "project")}
        # Only quoted identifiers from the models' meta are formatted in; the values are parameters.
        # "WHERE" is also what SQLite needs to read ON CONFLICT after INSERT ... SELECT.
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({columns}) SELECT {placeholders} FROM {duo_table} "  # noqa: S608
            f"WHERE {duo_table}.{qn(duo_meta.pk.column)} = %s "
            f"AND {duo_table}.{d['status']} IN ({', '.join(['%s'] * len(LOGGABLE_STATUSES))}) "
            f"AND {duo_table}.{d['proposed_on']} <= %s "
            f"AND (%s OR {duo_table}.{d['volunteer']} = %s "
            f"OR {duo_table}.{d['project']} IN ({', '.join(['%s'] * projects)})) "
            f"ON CONFLICT ({unique}) DO NOTHING RETURNING {pk}"
        )
        _check_in_insert_sql[(connection.vendor, projects)] = sql
    return sql


def _insert_if_loggable(check_in: CheckIn, roles: Any) -> bool:
    """The one statement of a new check-in; True when it inserted the row.

    Safe under concurrency: of two requests with the same client UUID, the second INSERT waits
    for the first transaction and then inserts nothing (PostgreSQL; SQLite serialises
    writers). Unlike save() after a look-up, it needs no savepoint to survive the unique
    violation. The values are prepared exactly as save() prepares them (auto_now dates, JSON,
    encrypted notes); CheckIn has no save() override, and post_save is sent as save() sends it
    (the audit log listens).
    """
    if not _is_id(check_in.duo_id):
        return False
    connection = transaction.get_connection()
    values = [f.get_db_prep_save(f.pre_save(check_in, True), connection) for f in _check_in_insert_fields()]
    projects = sorted(roles.coordinated_project_ids) or [None]
    # The platform administrator writes in a duo only where they read it: under a support access
    # of its organisation (participant_data_scope; one more query, for administrators only).
    administrator = roles.administrator and Duo.objects.filter(
        participant_data_scope(user=check_in.author), pk=check_in.duo_id).exists()
    params = [*values, check_in.duo_id, *LOGGABLE_STATUSES, check_in.date, administrator,
              roles.volunteer_id, *projects]
    with connection.cursor() as cursor:
        cursor.execute(_check_in_insert_sql_for(connection, len(projects)), params)
        row = cursor.fetchone()
    if row is None:
        return False
    check_in.pk = row[0]
    check_in._state.adding = False
    check_in._state.db = connection.alias
    # What save() would have told its receivers: the audit log (buddynet/security/audit.py)
    # records every new check-in through post_save.
    signals.post_save.send(sender=CheckIn, instance=check_in, created=True, update_fields=None, raw=False,
                           using=connection.alias)
    return True


def _same_check_in(existing: CheckIn, *, duo_id: Any, author: Any) -> CheckIn:
    if existing.duo_id != duo_id or existing.author_id != author.pk:
        raise Conflict({"client_uuid": _("This client UUID belongs to another check-in.")})
    return existing


def check_in_edit_refusal(*, check_in: CheckIn, by: Actor) -> str | None:
    """Why `by` may not correct this check-in now, or None when they may: the author for 48 hours
    after recording it, a coordinator of the project always. The phone asks it to show its edit
    links; check_in_update enforces it."""
    if roles_of(by).coordinates(check_in.duo.project_id):
        return None
    if check_in.author_id != by.pk:
        return _("Only the author can edit this check-in.")
    if timezone.now() - check_in.created_at > CHECK_IN_EDIT_WINDOW:
        return _("A check-in can be edited up to 48 hours after it was recorded.")
    return None


def check_in_date_check(*, duo: Duo, day: date | None) -> None:
    """A corrected check-in's date lies in its duo's life: not in the future, not before the duo
    was proposed (as check_in_record refuses for a new one), not after a closed duo's closure.
    The back office's form asks it too."""
    if day is None:
        return
    if day > timezone.localdate():
        raise InvalidInput({"date": _("The date is in the future.")})
    if day < duo.proposed_on:
        raise InvalidInput({"date": _("The date is before the start of the duo.")})
    if duo.closed_on is not None and day > duo.closed_on:
        raise InvalidInput({"date": _("The date is after the duo was closed.")})


@transaction.atomic
def check_in_update(*, check_in: CheckIn, by: User, data: dict[str, Any]) -> CheckIn:
    """The author may correct a check-in for 48 hours; a coordinator of the project always."""
    check_in = CheckIn.objects.select_for_update().select_related("duo").get(pk=check_in.pk)
    refusal = check_in_edit_refusal(check_in=check_in, by=by)
    if refusal is not None:
        raise NotAllowed(refusal)
    raised_now = data.get("concern") and not check_in.concern
    for name, value in data.items():
        setattr(check_in, name, value)
    if "date" in data:  # a correction of the mood or the note leaves an old row's date alone
        check_in_date_check(duo=check_in.duo, day=check_in.date)
    check_in.full_clean(validate_unique=False)
    check_in.save()
    if raised_now:
        events.concern_raised(check_in)
    return check_in


@transaction.atomic
def concern_mark_handled(*, check_in: CheckIn, by: User, note: str = "") -> CheckIn:
    check_in = CheckIn.objects.select_for_update().select_related("duo").get(pk=check_in.pk)
    if not works_on_participant_data(user=by, project_id=check_in.duo.project_id):
        raise NotAllowed(_("Only a coordinator of the project can follow up a concern."))
    if not check_in.concern:
        raise Conflict(_("This check-in raises no concern."))
    check_in.concern_handled_at = timezone.now()
    check_in.concern_handled_by = by
    check_in.concern_handled_note = note
    check_in.save(update_fields=["concern_handled_at", "concern_handled_by", "concern_handled_note", "updated_at"])
    events.concern_handled(check_in)
    return check_in


# --- Days volunteered (flat-rate allowance) -------------------------------------------------
def _may_mark_days_for(user: Actor, volunteer: Volunteer) -> bool:
    roles = roles_of(user)
    return roles.volunteer_id == volunteer.pk or roles.coordinates(volunteer.project_id)


def _check_day(day: date) -> None:
    if day > timezone.localdate():
        raise InvalidInput({"date": _("You cannot mark a day in the future.")})


@transaction.atomic
def volunteer_day_mark(*, volunteer: Volunteer, day: date, by: User) -> tuple[VolunteerDay, bool]:
    """Mark `day` as volunteered. Returns (row, created); marking a marked day changes nothing."""
    if not _may_mark_days_for(by, volunteer):
        raise NotAllowed(_("You cannot mark days for this volunteer."))
    _check_day(day)
    # get_or_create retries the read when the insert loses a race on the unique constraint,
    # so two taps at once still leave one row.
    return VolunteerDay.objects.get_or_create(volunteer=volunteer, date=day, defaults={"created_by": by})


@transaction.atomic
def volunteer_day_unmark(*, volunteer: Volunteer, day: date, by: User) -> bool:
    """Remove the mark of `day`; True when there was one."""
    if not _may_mark_days_for(by, volunteer):
        raise NotAllowed(_("You cannot mark days for this volunteer."))
    deleted, _rows = VolunteerDay.objects.filter(volunteer=volunteer, date=day).delete()
    return bool(deleted)
