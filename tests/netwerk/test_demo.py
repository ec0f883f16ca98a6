"""The demo's network maps: intake maps, later maps with ties via the buddy, same every run."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from buddynet.records.duos.models import Duo
from buddynet.records.people.models import Project
from netwerk import selectors
from netwerk.models import Alter, NetworkMap, Tie

FROZEN = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def maps_snapshot() -> list[Any]:
    return sorted(NetworkMap.objects.values_list("participant__first_name", "participant__last_name", "occasion",
                                                 "date", "alters__label", "alters__key", "alters__via_buddy"),
                  key=str)


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_the_demo_gives_participants_maps_that_show_change_and_stays_the_same_every_run() -> None:
    call_command("demo", stdout=StringIO())
    first = maps_snapshot()
    counts = (NetworkMap.objects.count(), Alter.objects.count(), Tie.objects.count())

    # Every participant with a duo whose consent covers a network map has one (issue 16: the
    # others have none).
    participants_with_duo = set(Duo.objects.filter(participant__consent_scope__in=("network", "research"))
                                .values_list("participant_id", flat=True))
    intake = set(NetworkMap.objects.filter(occasion="intake").values_list("participant_id", flat=True))
    assert intake == participants_with_duo
    later = NetworkMap.objects.exclude(occasion="intake")
    assert later.exists()
    assert not later.filter(date__gt=dt.date(2026, 3, 16)).exists()
    assert Alter.objects.filter(map__in=later, via_buddy=True).exists()
    assert Alter.objects.filter(map__in=later, category="buddy").count() == later.count()
    assert Alter.objects.exclude(check_in=None).filter(via_buddy=True).exists()  # logged new contacts
    aggregates = selectors.network_change_aggregates(
        project_ids=list(Project.objects.values_list("pk", flat=True)), start=dt.date(2025, 1, 1),
        end=dt.date(2026, 3, 16))
    # Measured for the funder: only participants whose consent covers anonymous reporting.
    reported = later.filter(participant__consent_scope="research")
    assert aggregates.participants_measured == reported.values("participant").distinct().count() > 0
    assert aggregates.ties_via_buddy > 0

    call_command("demo", stdout=StringIO())

    assert (NetworkMap.objects.count(), Alter.objects.count(), Tie.objects.count()) == counts
    assert maps_snapshot() == first
