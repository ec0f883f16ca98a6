"""Reads of duos: the last contact each duo shows."""

from __future__ import annotations

import datetime as dt

from buddynet.records.duos.selectors import duos_for_user
from tests import factories as f
from tests.conftest import World


def test_each_duo_shows_the_date_of_its_last_check_in_and_none_without_one(world: World) -> None:
    f.CheckInFactory(duo=world.duo, date=dt.date(2025, 9, 3))
    f.CheckInFactory(duo=world.duo, date=dt.date(2025, 7, 1))
    quiet = f.DuoFactory(project=world.project)
    expected = {world.duo.pk: max(dt.date(2025, 9, 3), world.check_in.date), quiet.pk: None}

    shown = {d.pk: d.last_check_in_on for d in duos_for_user(user=world.coordinator) if d.pk in expected}

    assert shown == expected


def test_a_page_of_duos_does_not_group_every_check_in_of_the_project(world: World) -> None:
    # Issue 20: Max() over a join grouped all the check-ins of all the duos in scope before the
    # page was cut (2.5x the time at 10x the data); the last contact is a subquery per duo.
    sql = str(duos_for_user(user=world.coordinator)[:50].query).upper()

    assert "GROUP BY" not in sql and "MAX(" not in sql
