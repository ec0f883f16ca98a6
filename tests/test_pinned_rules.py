"""Rules that an independent sample of one-line bugs showed no test pinned (issue 21 items
15, 16 and 18). Each test here fails when its rule is broken by such a one-line change."""

from __future__ import annotations

import datetime as dt

import pytest

from buddynet.errors import NotAllowed
from buddynet.records.duos.models import DuoStatus
from buddynet.records.duos.services import check_in_update, duo_activate
from matching.engine import Participant, Problem, Volunteer, match
from tests import factories as f


# --- 15: the planned end of a duo, calendar months -----------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(("started", "months", "planned_end"), [
    (dt.date(2025, 3, 15), 12, dt.date(2026, 3, 15)),  # exactly a year, not "later than today"
    (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),   # the last day of a shorter month
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),   # ... in a leap year
    (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),  # across the year end
    (dt.date(2025, 3, 31), 6, dt.date(2025, 9, 30)),
])
def test_a_started_duo_ends_its_planned_months_later_to_the_day(world, started, months, planned_end):
    world.project.planned_duo_months = months
    world.project.save()
    duo = f.DuoFactory(participant=f.ParticipantFactory(project=world.project),
                       volunteer=f.VolunteerFactory(project=world.project), status=DuoStatus.INTRODUCED,
                       proposed_on=started - dt.timedelta(days=20), introduced_on=started - dt.timedelta(days=10))

    duo = duo_activate(duo=duo, by=world.coordinator, started_on=started)

    duo.refresh_from_db()
    assert (duo.started_on, duo.planned_end_on) == (started, planned_end)


# --- 16: the waiting part of the match score is capped at a year ----------------------------
def _waiting_points(days: int) -> int:
    problem = Problem(
        (Participant(id=1, latitude=51.05, longitude=3.72, languages=("nl",), availability=("sat_morning",),
                     needs={"social": 2}, waiting_days=days),),
        (Volunteer(id=100, latitude=51.05, longitude=3.72, languages=("nl",), availability=("sat_morning",),
                   strengths={"social": 2}),),
        ("social",),
    )
    return match(problem).assignments[0].parts["waiting"]


def test_waiting_longer_than_the_cap_earns_no_more_than_the_cap():
    assert _waiting_points(700) == _waiting_points(365) > 0
    assert _waiting_points(364) < _waiting_points(365)
    assert _waiting_points(0) == 0


# --- 18: only the author (or a coordinator) edits a check-in, in the service itself ----------
@pytest.mark.django_db
def test_a_volunteer_who_is_not_the_author_cannot_edit_a_check_in_on_their_own_duo(world):
    written_by_coordinator = f.CheckInFactory(duo=world.duo, author=world.coordinator, note="Gesprek")

    with pytest.raises(NotAllowed):
        check_in_update(check_in=written_by_coordinator, by=world.volunteer_user, data={"note": "Anders"})

    written_by_coordinator.refresh_from_db()
    assert written_by_coordinator.note == "Gesprek"
    mine = check_in_update(check_in=world.check_in, by=world.volunteer_user, data={"duration_minutes": 40})
    assert mine.duration_minutes == 40
