from __future__ import annotations

import datetime as dt

import pytest

from buddynet.errors import Conflict, InvalidInput
from buddynet.records.accounts.models import SupportAccess
from buddynet.records.duos import services as duo_services
from buddynet.records.duos.models import OPEN_STATUSES, Duo, DuoStatus
from buddynet.records.people import services
from buddynet.records.people.models import Volunteer
from tests import factories as f
from tests.concurrency import race
from tests.conftest import FAR_FUTURE, require_postgres


def _volunteer_with_open_duos(capacity: int, open_duos: int) -> Volunteer:
    volunteer = f.VolunteerFactory(capacity=capacity)
    for _ in range(open_duos):
        f.DuoFactory(participant=f.ParticipantFactory(project=volunteer.project), volunteer=volunteer)
    return volunteer


def test_it_refuses_a_capacity_below_the_volunteers_open_duos(db):
    volunteer = _volunteer_with_open_duos(capacity=2, open_duos=2)

    with pytest.raises(InvalidInput) as exc:
        services.volunteer_save(volunteer=volunteer, data={"capacity": 1})

    assert list(exc.value.message) == ["capacity"]  # type: ignore[arg-type]
    assert Volunteer.objects.get(pk=volunteer.pk).capacity == 2


def test_it_lowers_the_capacity_to_exactly_the_open_duos(db):
    volunteer = _volunteer_with_open_duos(capacity=3, open_duos=2)

    services.volunteer_save(volunteer=volunteer, data={"capacity": 2})

    assert Volunteer.objects.get(pk=volunteer.pk).capacity == 2


def test_closed_duos_do_not_count_against_a_lower_capacity(db):
    volunteer = _volunteer_with_open_duos(capacity=2, open_duos=1)
    f.DuoFactory(participant=f.ParticipantFactory(project=volunteer.project), volunteer=volunteer,
                 status=DuoStatus.CLOSED, closure_reason="moved", closed_on=dt.date(2025, 9, 1))

    services.volunteer_save(volunteer=volunteer, data={"capacity": 1})

    assert Volunteer.objects.get(pk=volunteer.pk).capacity == 1


def test_paused_and_proposed_duos_count_as_open(db):
    volunteer = f.VolunteerFactory(capacity=2)
    for status in (DuoStatus.PAUSED, DuoStatus.PROPOSED):
        f.DuoFactory(participant=f.ParticipantFactory(project=volunteer.project), volunteer=volunteer, status=status)

    with pytest.raises(InvalidInput):
        services.volunteer_save(volunteer=volunteer, data={"capacity": 1})


def test_the_capacity_message_is_in_dutch_by_default_and_english_on_request(db):
    from django.utils import translation

    volunteer = _volunteer_with_open_duos(capacity=2, open_duos=2)
    messages = {}
    for language in ("nl-be", "en"):
        with translation.override(language), pytest.raises(InvalidInput) as exc:
            services.volunteer_save(volunteer=volunteer, data={"capacity": 1})
        messages[language] = exc.value.message["capacity"]  # type: ignore[index]

    assert messages == {
        "nl-be": "Deze vrijwilliger heeft 2 lopende duo's; de capaciteit kan niet lager zijn dan dat.",
        "en": "This volunteer has 2 open duos; the capacity cannot be lower than that.",
    }


# --- Concurrency on PostgreSQL --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lowering_the_capacity_while_a_duo_is_approved_never_overfills_the_volunteer():
    require_postgres()
    volunteer = _volunteer_with_open_duos(capacity=2, open_duos=1)
    admin = f.UserFactory(is_superuser=True)  # the duo services check who acts: under a support access
    SupportAccess.objects.create(organisation=volunteer.project.organisation, reason="tests", until=FAR_FUTURE)
    for _ in range(5):  # several rounds: a race that is lost only sometimes still shows
        participant = f.ParticipantFactory(project=volunteer.project)
        stale = Volunteer.objects.get(pk=volunteer.pk)  # as a form loaded it, before either write
        results = race(
            lambda stale=stale: services.volunteer_save(volunteer=stale, data={"capacity": 1}),
            lambda p=participant: duo_services.duo_propose(volunteer=volunteer, participant=p, by=admin),
        )
        # Exactly one wins: either the capacity went down first (the duo is refused) or the
        # duo came first (the lower capacity is refused).
        assert sum(isinstance(r, (InvalidInput, Conflict)) for r in results) == 1, results
        capacity = Volunteer.objects.get(pk=volunteer.pk).capacity
        open_duos = Duo.objects.filter(volunteer=volunteer, status__in=OPEN_STATUSES).count()
        assert open_duos <= capacity, (open_duos, capacity, results)
        # Back to one open duo and room for two for the next round.
        for duo in Duo.objects.filter(volunteer=volunteer, status__in=OPEN_STATUSES).order_by("-pk")[:open_duos - 1]:
            duo_services.duo_close(duo=duo, by=admin, reason="other", next_step="end")
        Volunteer.objects.filter(pk=volunteer.pk).update(capacity=2)
