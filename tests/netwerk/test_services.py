"""netwerk services and the query functions other apps call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from buddynet.errors import InvalidInput, NotAllowed
from buddynet.records.people.models import Participant
from buddynet.vocabulary import LIFE_DOMAINS
from netwerk import selectors, services
from netwerk.models import Alter, NetworkMap, Tie
from tests import factories as f
from tests.conftest import World


def alter(network_map: NetworkMap, label: str, category: str = "friend", by: Any = None, **extra: Any) -> Alter:
    data = {"label": label, "category": category, "valence": "supportive", **extra}
    return services.alter_add(network_map=network_map, data=data, by=by)


def intake(world: World, on: dt.date = dt.date(2025, 6, 1)) -> NetworkMap:
    return services.map_create(participant=world.participant, by=world.coordinator, on=on, copy_from_last=False)


# --- start from the last map, and change over three snapshots ----------------------------------
def test_a_new_map_starts_as_a_copy_of_the_last_with_the_same_keys_and_ties(world: World) -> None:
    first = intake(world)
    mother = alter(first, "Mama", "family", life_domains=["housing"])
    nurse = alter(first, "Thuisverpleging", "professional")
    services.tie_add(a=mother, b=nurse)

    second = services.map_create(participant=world.participant, by=world.coordinator, occasion="interim",
                                 on=dt.date(2025, 12, 1))

    copies = {a.key: a for a in second.alters.all()}
    assert set(copies) == {mother.key, nurse.key}
    assert copies[mother.key].pk != mother.pk
    assert copies[mother.key].life_domains == ["housing"]
    assert second.copied_from == first
    tie = Tie.objects.get(map=second)
    assert {tie.a_id, tie.b_id} == {copies[mother.key].pk, copies[nurse.key].pk}
    assert Tie.objects.filter(map=first).count() == 1


def test_change_across_three_snapshots_with_added_removed_and_kept_alters(world: World) -> None:
    first = intake(world)
    mother = alter(first, "Mama", "family", life_domains=["housing"])
    social_worker = alter(first, "Maatschappelijk werker", "professional", life_domains=["income"])

    second = services.map_create(participant=world.participant, by=world.coordinator, occasion="interim",
                                 on=dt.date(2025, 12, 1))
    services.alter_add(network_map=second, by=world.coordinator, data={
        "label": "Buurvrouw Ria", "category": "neighbour", "life_domains": ["social"], "via_buddy": True})
    services.alter_remove(alter=second.alters.get(key=social_worker.key))

    third = services.map_create(participant=world.participant, by=world.coordinator, occasion="closure",
                                on=dt.date(2026, 6, 1))
    alter(third, "Koor", "organisation", life_domains=["leisure"])
    services.alter_remove(alter=third.alters.get(key=mother.key))

    one_two = selectors.map_change(before=first, after=second)
    two_three = selectors.map_change(before=second, after=third)
    one_three = selectors.map_change(before=first, after=third)
    ria = str(second.alters.get(label="Buurvrouw Ria").key)

    assert (one_two.gained, one_two.lost, one_two.kept) == ({ria}, {str(social_worker.key)}, {str(mother.key)})
    assert one_two.gained_via_buddy == {ria}
    assert one_two.informal_size_change == 1
    assert one_two.domain_coverage_change == 1  # social added, housing kept
    assert two_three.lost == {str(mother.key)} and two_three.kept == {ria}
    assert two_three.informal_size_change == -1
    assert two_three.domains_lost == {"housing"}
    assert one_three.kept == frozenset() and one_three.informal_size_change == 0
    assert one_three.gained_via_buddy == {ria}


def test_a_tie_between_alters_of_two_maps_is_refused(world: World) -> None:
    first = intake(world)
    other_map = services.map_create(participant=world.other_participant, by=world.admin, copy_from_last=False)
    a = alter(first, "Mama")
    b = alter(other_map, "Jan")

    with pytest.raises(InvalidInput):
        services.tie_add(a=a, b=b)
    assert Tie.objects.count() == 0


def test_an_unknown_category_or_life_domain_is_refused_with_field_messages(world: World) -> None:
    first = intake(world)

    with pytest.raises(ValidationError) as caught:
        alter(first, "X", "stranger", life_domains=["moon"], ring=7)

    assert {"category", "life_domains", "ring"} <= set(caught.value.message_dict)
    assert Alter.objects.count() == 0


# --- tie_via_buddy_add ----------------------------------------------------------------------
def test_the_volunteer_adds_a_tie_made_via_them_to_the_latest_map(world: World) -> None:
    intake(world, dt.date(2025, 6, 1))
    latest = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2025, 10, 1))

    added = services.tie_via_buddy_add(participant=world.participant, label="Buurvrouw Ria", category="neighbour",
                                       life_domains=["social"], by=world.volunteer_user, check_in=world.check_in)

    assert added.map == latest
    assert added.via_buddy is True
    assert (added.ring, added.valence, added.added_by, added.check_in) == (3, "supportive", world.volunteer_user,
                                                                          world.check_in)


def test_without_any_map_the_tie_goes_on_a_new_interim_map_dated_today(world: World) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC), tick=False):
        added = services.tie_via_buddy_add(participant=world.participant, label="Koor", category="organisation",
                                           life_domains=["leisure"], by=world.volunteer_user)

    network_map = added.map
    assert (network_map.occasion, network_map.date) == ("interim", dt.date(2026, 3, 4))
    assert list(network_map.alters.all()) == [added]


def test_a_bad_tie_via_the_buddy_saves_nothing_not_even_the_interim_map(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        services.tie_via_buddy_add(participant=world.participant, label="Ria", category="stranger",
                                   life_domains=["social", "moon"], by=world.volunteer_user)

    assert {"category", "life_domains"} <= set(caught.value.message_dict)
    assert NetworkMap.objects.count() == 0 and Alter.objects.count() == 0


@pytest.mark.parametrize("who", ["other_volunteer_user", "other_coordinator", "funder_user"])
def test_only_the_buddy_or_the_coordinator_may_add_a_tie_via_the_buddy(world: World, who: str) -> None:
    with pytest.raises(NotAllowed):
        services.tie_via_buddy_add(participant=world.participant, label="Ria", category="neighbour",
                                   life_domains=[], by=getattr(world, who))
    assert NetworkMap.objects.count() == 0


def test_a_check_in_of_another_participant_is_refused(world: World) -> None:
    other_check_in = f.CheckInFactory(duo=world.other_duo)
    with pytest.raises(InvalidInput):
        services.tie_via_buddy_add(participant=world.participant, label="Ria", category="neighbour",
                                   life_domains=[], by=world.coordinator, check_in=other_check_in)
    assert Alter.objects.count() == 0


# --- query functions for other apps ---------------------------------------------------------------
def test_uncovered_life_domains_look_at_the_latest_map_and_supportive_informal_ties_only(
    world: World, django_assert_num_queries: Any,
) -> None:
    old = intake(world, dt.date(2025, 1, 1))
    alter(old, "Zus", "family", life_domains=["work"])
    latest = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2025, 9, 1),
                                 copy_from_last=False)
    alter(latest, "Mama", "family", life_domains=["housing", "health"])
    alter(latest, "Buurman", "neighbour", life_domains=["social"], valence="strained")
    alter(latest, "OCMW", "professional", life_domains=["income"])
    alter(latest, "Bert", "buddy", life_domains=["leisure"])
    no_map = f.ParticipantFactory(project=world.project)

    with django_assert_num_queries(2):
        result = selectors.uncovered_life_domains(participant_ids=[world.participant.pk, no_map.pk])

    assert set(result) == {world.participant.pk}
    assert result[world.participant.pk] == frozenset(LIFE_DOMAINS) - {"housing", "health"}


def test_volunteer_strengths_fill_every_life_domain(world: World, django_assert_num_queries: Any) -> None:
    strong = f.VolunteerFactory(project=world.project, strengths={"housing": 3, "work": "2", "moon": 3})

    with django_assert_num_queries(1):
        result = selectors.volunteer_strengths(volunteer_ids=[strong.pk, world.volunteer.pk])

    assert result[strong.pk]["housing"] == 3 and result[strong.pk]["work"] == 2
    assert set(result[strong.pk]) == set(LIFE_DOMAINS)
    assert result[world.volunteer.pk]["social"] == 3 and result[world.volunteer.pk]["housing"] == 0


def test_network_change_aggregates_over_a_period(world: World) -> None:
    # Marieke: +2 informal (one via the buddy), gains "social" coverage.
    first = intake(world, dt.date(2025, 3, 1))
    alter(first, "Mama", "family", life_domains=["housing"])
    later = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2025, 11, 1))
    alter(later, "Ria", "neighbour", life_domains=["social"], via_buddy=True)
    alter(later, "Tom", "friend", life_domains=["leisure"])
    alter(later, "Bert", "buddy")
    # A second participant loses one informal tie.
    other = f.ParticipantFactory(project=world.project)
    o1 = services.map_create(participant=other, by=world.coordinator, on=dt.date(2025, 2, 1))
    alter(o1, "Zus", "family")
    gone = alter(o1, "Vriendin", "friend")
    o2 = services.map_create(participant=other, by=world.coordinator, on=dt.date(2025, 10, 1))
    services.alter_remove(alter=o2.alters.get(key=gone.key))
    # Only one map: not measured. A later map after the period end: ignored.
    single = f.ParticipantFactory(project=world.project)
    services.map_create(participant=single, by=world.coordinator, on=dt.date(2025, 5, 1))
    services.map_create(participant=single, by=world.coordinator, on=dt.date(2026, 5, 1))
    # Another project: not counted.
    p = services.map_create(participant=world.other_participant, by=world.admin, on=dt.date(2025, 1, 1))
    services.map_create(participant=world.other_participant, by=world.admin, on=dt.date(2025, 9, 1))
    assert p

    result = selectors.network_change_aggregates(project_ids=[world.project.pk], start=dt.date(2025, 7, 1),
                                                 end=dt.date(2025, 12, 31))

    assert result.participants_measured == 2
    assert result.median_informal_change == 0.5  # +2 and -1
    assert result.informal_change_distribution == {"-2 or less": 0, "-1": 1, "0": 0, "+1": 0, "+2": 1,
                                                   "+3 or more": 0}
    assert result.share_more_informal == 0.5
    assert result.share_new_non_professional == 0.5
    assert result.ties_via_buddy == 1
    assert result.median_domain_coverage_change == 1.0  # +2 (social, leisure) and 0
    assert result.median_constraint_change is not None


def test_aggregates_of_nobody_are_empty(world: World) -> None:
    result = selectors.network_change_aggregates(project_ids=[world.project.pk], start=dt.date(2025, 1, 1),
                                                 end=dt.date(2025, 12, 31))

    assert result.participants_measured == 0
    assert result.median_informal_change is None and result.share_more_informal is None
    assert sum(result.informal_change_distribution.values()) == 0


def test_aggregates_load_a_thousand_maps_in_a_constant_number_of_queries(
    world: World, django_assert_num_queries: Any,
) -> None:
    participants = Participant.objects.bulk_create([
        Participant(project=world.project, first_name=f"P{i}", last_name="Test", postcode="9000",
                    consent_date=dt.date(2025, 1, 15), consent_scope="research")  # counted in reports
        for i in range(500)
    ])
    maps = NetworkMap.objects.bulk_create([
        NetworkMap(participant=p, occasion=occasion, date=day)
        for p in participants
        for occasion, day in (("intake", dt.date(2025, 2, 1)), ("interim", dt.date(2025, 9, 1)))
    ])
    alters = Alter.objects.bulk_create([
        Alter(map=mp, label=f"A{i}", category=("family", "friend", "professional")[i % 3], life_domains=["social"])
        for mp in maps for i in range(3 if mp.occasion == "intake" else 4)
    ])
    by_map: dict[int, list[Alter]] = {}
    for a in alters:
        by_map.setdefault(a.map_id, []).append(a)
    Tie.objects.bulk_create([Tie(map_id=map_id, a_id=group[0].pk, b_id=group[1].pk)
                             for map_id, group in by_map.items()])
    assert NetworkMap.objects.count() == 1000

    with django_assert_num_queries(3):
        result = selectors.network_change_aggregates(project_ids=[world.project.pk], start=dt.date(2025, 1, 1),
                                                     end=dt.date(2025, 12, 31))

    assert result.participants_measured == 500
    assert result.informal_change_distribution["+1"] == 500


def test_the_same_check_in_sent_twice_adds_the_person_once(world: World) -> None:
    def add() -> Alter:
        return services.tie_via_buddy_add(participant=world.participant, label="Ria", category="neighbour",
                                          life_domains=["social"], by=world.volunteer_user, check_in=world.check_in)

    first, again = add(), add()

    assert first.pk == again.pk
    assert Alter.objects.count() == 1 and NetworkMap.objects.count() == 1
