from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import IntegrityError, transaction

from buddynet import events
from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.duos import services
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus
from buddynet.records.people.models import Participant
from tests import factories as f
from tests.concurrency import race
from tests.conftest import require_postgres


def _admin():
    """Someone who may act on every duo there is (the lifecycle services check who acts): a
    platform administrator under a support access of every organisation (issue 16: the role alone
    opens no participant data; tests/accounts/test_support_scope.py tests without one)."""
    from buddynet.records.accounts.models import SupportAccess
    from buddynet.records.people.models import Organisation
    from tests.conftest import FAR_FUTURE

    for organisation in Organisation.objects.filter(support_accesses__isnull=True):
        SupportAccess.objects.create(organisation=organisation, reason="tests", until=FAR_FUTURE)
    return f.UserFactory(is_superuser=True)


def _propose(volunteer, participant, by=None):
    return services.duo_propose(volunteer=volunteer, participant=participant, by=by or _admin())


def test_it_proposes_a_duo_and_marks_the_participant_matched(db):
    participant = f.ParticipantFactory()
    volunteer = f.VolunteerFactory(project=participant.project)
    duo = _propose(volunteer, participant)
    participant.refresh_from_db()
    assert duo.status == DuoStatus.PROPOSED
    assert participant.status == Participant.Status.MATCHED


def test_it_refuses_a_second_open_duo_for_a_participant(db):
    participant = f.ParticipantFactory()
    first, second = f.VolunteerFactory.create_batch(2, project=participant.project)
    _propose(first, participant)
    with pytest.raises(Conflict):
        _propose(second, participant)
    assert Duo.objects.filter(participant=participant).count() == 1


def test_the_database_refuses_a_second_open_duo_even_without_the_service(db):
    duo = f.DuoFactory()
    other = f.VolunteerFactory(project=duo.project)
    with pytest.raises(IntegrityError), transaction.atomic():
        Duo.objects.create(project=duo.project, volunteer=other, participant=duo.participant,
                           proposed_on=dt.date(2025, 9, 1))


def test_a_closed_duo_does_not_block_a_new_one(db):
    duo = f.DuoFactory()
    services.duo_close(duo=duo, by=_admin(), reason="no_click", next_step="rematch")
    other = f.VolunteerFactory(project=duo.project)
    new = _propose(other, duo.participant)
    assert new.status == DuoStatus.PROPOSED


def test_it_refuses_a_volunteer_over_capacity(db):
    volunteer = f.VolunteerFactory(capacity=1)
    _propose(volunteer, f.ParticipantFactory(project=volunteer.project))
    with pytest.raises(Conflict):
        _propose(volunteer, f.ParticipantFactory(project=volunteer.project))
    assert Duo.objects.filter(volunteer=volunteer).count() == 1


def test_a_volunteer_with_capacity_two_takes_two_duos(db):
    volunteer = f.VolunteerFactory(capacity=2)
    for _ in range(2):
        _propose(volunteer, f.ParticipantFactory(project=volunteer.project))
    with pytest.raises(Conflict):
        _propose(volunteer, f.ParticipantFactory(project=volunteer.project))


def test_it_refuses_a_volunteer_without_complete_screening(db):
    volunteer = f.VolunteerFactory(criminal_record_checked_on=None)
    with pytest.raises(Conflict) as exc:  # 409 with the reason (issue 16)
        _propose(volunteer, f.ParticipantFactory(project=volunteer.project))
    assert "model 2" in str(exc.value.message)


def test_it_refuses_a_participant_without_consent(db):
    participant = f.ParticipantFactory(consent_date=None, consent_scope="", status="intake")
    with pytest.raises(InvalidInput) as exc:
        _propose(f.VolunteerFactory(project=participant.project), participant)
    assert "participant" in exc.value.message


def test_it_refuses_a_pair_from_two_projects(db):
    with pytest.raises(InvalidInput):
        _propose(f.VolunteerFactory(), f.ParticipantFactory())
    assert Duo.objects.count() == 0


def test_the_lifecycle_runs_from_proposed_to_closed(db):
    participant = f.ParticipantFactory()
    duo = _propose(f.VolunteerFactory(project=participant.project), participant)
    today = dt.date.today()
    duo = services.duo_introduce(duo=duo, by=_admin(), introduced_on=today)
    duo = services.duo_activate(duo=duo, by=_admin(), started_on=today)
    assert duo.planned_end_on is not None and duo.planned_end_on > today
    duo = services.duo_pause(duo=duo, by=_admin(), reason="ziekenhuisopname")
    assert duo.status == DuoStatus.PAUSED
    duo = services.duo_resume(duo=duo, by=_admin())
    assert duo.status == DuoStatus.ACTIVE and duo.pause_reason == ""
    f.GoalFactory(duo=duo)  # "goals reached" needs goals
    duo = services.duo_close(duo=duo, by=_admin(), reason="goals_reached", next_step="end",
                             evaluation_volunteer=5, evaluation_participant=4)
    participant.refresh_from_db()
    assert duo.status == DuoStatus.CLOSED and duo.closed_on == today
    assert participant.status == Participant.Status.CLOSED


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (DuoStatus.PROPOSED, "activate"),
        (DuoStatus.PROPOSED, "pause"),
        (DuoStatus.ACTIVE, "introduce"),
        (DuoStatus.ACTIVE, "resume"),
        (DuoStatus.CLOSED, "close"),
        (DuoStatus.CLOSED, "activate"),
    ],
)
def test_it_refuses_a_transition_the_lifecycle_does_not_allow(db, status, step):
    extra = {"closed_on": dt.date(2025, 9, 1), "closure_reason": "other"} if status == DuoStatus.CLOSED else {}
    duo = f.DuoFactory(status=status, **extra)
    call = {
        "activate": lambda: services.duo_activate(duo=duo, by=_admin()),
        "pause": lambda: services.duo_pause(duo=duo, by=_admin(), reason="x"),
        "introduce": lambda: services.duo_introduce(duo=duo, by=_admin()),
        "resume": lambda: services.duo_resume(duo=duo, by=_admin()),
        "close": lambda: services.duo_close(duo=duo, by=_admin(), reason="other", next_step="end"),
    }[step]
    with pytest.raises(Conflict):
        call()
    duo.refresh_from_db()
    assert duo.status == status


def test_rematch_after_closing_puts_the_participant_back_on_the_waiting_list(db):
    duo = f.DuoFactory()
    services.duo_close(duo=duo, by=_admin(), reason="volunteer_stopped", next_step="rematch",
                       closed_on=dt.date(2025, 10, 1))
    duo.participant.refresh_from_db()
    assert duo.participant.status == Participant.Status.WAITING
    assert duo.participant.waiting_since == dt.date(2025, 6, 1)  # the original waiting time is kept


# --- Check-ins ------------------------------------------------------------------------------
def _check_in(duo, author, client_uuid, **data):
    data = {"date": dt.date(2025, 8, 2), "duration_minutes": 45, "mode": "phone", **data}
    return services.check_in_record(duo=duo, author=author, client_uuid=client_uuid, data=data)


def test_a_repeated_check_in_with_the_same_uuid_stores_one_row(world):
    key = uuid.uuid4()
    first, created_first = _check_in(world.duo, world.volunteer_user, key)
    again, created_again = _check_in(world.duo, world.volunteer_user, key, duration_minutes=90)
    assert created_first and not created_again
    assert again.pk == first.pk and again.duration_minutes == 45
    assert CheckIn.objects.filter(client_uuid=key).count() == 1


def test_a_uuid_of_someone_elses_check_in_is_refused(world):
    key = uuid.uuid4()
    _check_in(world.duo, world.volunteer_user, key)
    with pytest.raises(Conflict):
        _check_in(world.duo, world.coordinator, key)
    assert CheckIn.objects.filter(client_uuid=key).count() == 1


def test_a_volunteer_cannot_log_for_another_volunteers_duo(world):
    with pytest.raises(NotAllowed):
        _check_in(world.other_duo, world.volunteer_user, uuid.uuid4())
    assert not CheckIn.objects.filter(duo=world.other_duo, author=world.volunteer_user).exists()


def test_who_may_log_for_a_duo_is_decided_by_the_insert(world):
    # The volunteer of the duo, a coordinator of its project and an administrator may; the
    # coordinator of another project and the other volunteer may not, by id or by object.
    for author in (world.volunteer_user, world.coordinator, world.admin):
        _, created = _check_in(world.duo.pk, author, uuid.uuid4())
        assert created
    for author in (world.other_coordinator, world.other_volunteer_user, world.funder_user):
        with pytest.raises(services.DuoOutOfReach):
            _check_in(world.duo.pk, author, uuid.uuid4())
    assert CheckIn.objects.filter(duo=world.duo).exclude(pk=world.check_in.pk).count() == 3


@pytest.mark.parametrize("duo_id", [0, -1, 10**30, "3", None, True])
def test_a_duo_id_that_names_no_duo_is_out_of_reach(world, duo_id):
    before = CheckIn.objects.count()
    with pytest.raises(services.DuoOutOfReach):
        _check_in(duo_id if duo_id != 10**30 else 2**63 - 1, world.volunteer_user, uuid.uuid4())
    assert CheckIn.objects.count() == before


@pytest.mark.parametrize("status", [DuoStatus.PROPOSED, DuoStatus.CLOSED])
def test_a_duo_that_is_not_loggable_is_a_conflict_that_names_its_status(world, status):
    if status == DuoStatus.CLOSED:
        services.duo_close(duo=world.duo, by=_admin(), reason="other", next_step="rematch")
    else:
        Duo.objects.filter(pk=world.duo.pk).update(status=status)
    with pytest.raises(Conflict) as refused:
        _check_in(world.duo.pk, world.volunteer_user, uuid.uuid4())
    assert str(Duo(status=status).get_status_display()) in str(refused.value.message)
    assert CheckIn.objects.filter(duo=world.duo).count() == 1


def test_a_date_before_the_duo_was_proposed_is_refused_on_the_date(world):
    with pytest.raises(InvalidInput) as refused:
        _check_in(world.duo.pk, world.volunteer_user, uuid.uuid4(), date=dt.date(2025, 6, 30))
    assert set(refused.value.message) == {"date"}
    _, created = _check_in(world.duo.pk, world.volunteer_user, uuid.uuid4(), date=dt.date(2025, 7, 1))
    assert created


def test_a_resend_is_answered_with_the_stored_row_after_the_duo_closed(world):
    key = uuid.uuid4()
    first, _ = _check_in(world.duo, world.volunteer_user, key)
    services.duo_close(duo=world.duo, by=_admin(), reason="other", next_step="rematch")
    again, created = _check_in(world.duo.pk, world.volunteer_user, key)
    assert (again.pk, created) == (first.pk, False)


def test_a_new_check_in_is_one_insert_and_its_audit_entry(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from buddynet.records.accounts.selectors import roles_of

    roles_of(world.volunteer_user)  # as on a request, where authentication has read them
    with CaptureQueriesContext(connection) as ctx:
        _check_in(world.duo.pk, world.volunteer_user, uuid.uuid4())
    statements = [q["sql"].split()[0:3] for q in ctx.captured_queries]
    assert statements == [["INSERT", "INTO", '"duos_checkin"'], ["INSERT", "INTO", '"auditlog_logentry"']]


def test_a_check_in_in_the_future_is_refused(world):
    with pytest.raises(InvalidInput):
        _check_in(world.duo, world.volunteer_user, uuid.uuid4(), date=dt.date.today() + dt.timedelta(days=2))


def test_a_concern_is_announced_inside_the_transaction(world):
    heard = []

    def listener(check_in):
        heard.append((check_in.pk, transaction.get_connection().in_atomic_block))

    events.subscribe("concern_raised", listener)
    try:
        check_in, _ = _check_in(world.duo, world.volunteer_user, uuid.uuid4(), concern=True,
                                concern_note="Ze eet niet meer goed.")
    finally:
        events._subscribers["concern_raised"].remove(listener)
    assert heard == [(check_in.pk, True)]


def test_the_author_may_edit_a_check_in_for_48_hours_only(world):
    with time_machine.travel(dt.datetime(2025, 8, 2, 10, tzinfo=dt.UTC), tick=False):
        check_in, _ = _check_in(world.duo, world.volunteer_user, uuid.uuid4())
    with time_machine.travel(dt.datetime(2025, 8, 4, 9, tzinfo=dt.UTC), tick=False):
        services.check_in_update(check_in=check_in, by=world.volunteer_user, data={"duration_minutes": 60})
    with time_machine.travel(dt.datetime(2025, 8, 4, 11, tzinfo=dt.UTC), tick=False), pytest.raises(NotAllowed):
        services.check_in_update(check_in=check_in, by=world.volunteer_user, data={"duration_minutes": 90})
    check_in.refresh_from_db()
    assert check_in.duration_minutes == 60


# --- Concurrency on PostgreSQL --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_approving_at_once_never_overfill_a_volunteer():
    require_postgres()
    volunteer = f.VolunteerFactory(capacity=1)
    a = f.ParticipantFactory(project=volunteer.project)
    b = f.ParticipantFactory(project=volunteer.project)
    admin = _admin()
    for _ in range(5):  # several rounds: a race that is lost only sometimes still shows
        results = race(lambda: _propose(volunteer, a, admin), lambda: _propose(volunteer, b, admin))
        winners = [r for r in results if isinstance(r, Duo)]
        losers = [r for r in results if isinstance(r, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert Duo.objects.filter(volunteer=volunteer, status__in=services.OPEN_STATUSES).count() == 1
        services.duo_close(duo=winners[0], by=_admin(), reason="other", next_step="rematch")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_pairing_the_same_participant_at_once_make_one_duo():
    require_postgres()
    participant = f.ParticipantFactory()
    v1, v2 = f.VolunteerFactory.create_batch(2, project=participant.project)
    admin = _admin()
    results = race(lambda: _propose(v1, participant, admin), lambda: _propose(v2, participant, admin))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Duo"], results
    assert Duo.objects.filter(participant=participant).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_check_in_sent_twice_at_once_is_stored_once():
    require_postgres()
    from tests.conftest import make_world

    world = make_world()
    key = uuid.uuid4()
    results = race(*[lambda: _check_in(world.duo, world.volunteer_user, key) for _ in range(4)])
    assert all(isinstance(r, tuple) for r in results), results
    assert sum(1 for _, created in results if created) == 1
    assert CheckIn.objects.filter(client_uuid=key).count() == 1
