"""The Today page costs the same number of queries for a project of 50 duos as of 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from buddynet.records.duos.models import CheckIn, CheckInMode, Duo, DuoStatus
from buddynet.records.people.models import Participant, Project, Volunteer
from tests.conftest import World

TODAY = dt.date(2025, 11, 3)
# Session, user, their roles (Django's ModelBackend, then roles_of), project, project switcher, duos,
# waiting, volunteers, latest check-ins, the unread count of the inbox in the header (notifications'
# context processor), and the project's open reporting obligations (funding).
EXPECTED_QUERIES = 11


def populate(project: Project, author: Any, start: int, count: int) -> None:
    """`count` more duos in `project`, in every state the Today page sorts out.

    bulk_create keeps 500 duos fast; each kind of row repeats every five duos, so both sizes
    show every section filled."""
    people: dict[str, Any] = {"project": project, "postcode": "9000", "municipality": "Gent", "latitude": 51.04,
                              "longitude": 3.71, "languages": ["nl"], "availability": ["sat_morning"]}
    participants = Participant.objects.bulk_create([
        Participant(first_name=f"Deelnemer{i}", last_name="Test", status=Participant.Status.MATCHED,
                    consent_date=dt.date(2025, 1, 1), consent_scope="basic", **people)
        for i in range(start, start + count)
    ] + [
        Participant(first_name=f"Wacht{i}", last_name="Test", status=Participant.Status.WAITING,
                    waiting_since=dt.date(2025, 1, 1) + dt.timedelta(days=i % 200),
                    consent_date=dt.date(2025, 1, 1), consent_scope="basic", **people)
        for i in range(start, start + count // 5)
    ])[:count]
    volunteers = Volunteer.objects.bulk_create([
        Volunteer(first_name=f"Vrijwilliger{i}", last_name="Test", status=Volunteer.Status.ACTIVE, capacity=2,
                  intake_date=dt.date(2025, 1, 1), training_date=None if i % 3 else dt.date(2025, 2, 1),
                  criminal_record_checked_on=dt.date(2025, 1, 5), **people)
        for i in range(start, start + count)
    ])
    duos = []
    for i, (p, v) in enumerate(zip(participants, volunteers, strict=True)):
        kind = i % 5
        duos.append(Duo(
            project=project, participant=p, volunteer=v,
            status=[DuoStatus.ACTIVE, DuoStatus.ACTIVE, DuoStatus.INTRODUCED, DuoStatus.PAUSED, DuoStatus.ACTIVE][kind],
            proposed_on=dt.date(2025, 1, 1), introduced_on=dt.date(2025, 1, 8),
            started_on=None if kind == 2 else dt.date(2025, 1, 15),
            planned_end_on=TODAY + dt.timedelta(days=10) if kind == 4 else dt.date(2026, 1, 15),
        ))
    duos = Duo.objects.bulk_create(duos)
    check_ins = []
    for i, duo in enumerate(duos):
        kind = i % 5
        if kind == 2:
            continue  # introduced, never a check-in
        day = TODAY - dt.timedelta(days=60 if kind == 1 else 3)  # kind 1 has gone quiet
        check_ins.append(CheckIn(duo=duo, author=author, date=day, duration_minutes=45, mode=CheckInMode.PHONE,
                                 concern=kind == 0 and i % 10 == 0, concern_note="Zorg"))
    CheckIn.objects.bulk_create(check_ins)


def today_queries(client: Client, project: Project) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("web:coordinator-today", args=[project.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False)
def test_today_costs_the_same_queries_at_50_and_500_duos(world: World, django_assert_num_queries: Any) -> None:
    project = world.project
    client = Client()
    client.force_login(world.coordinator)

    populate(project, world.volunteer_user, 0, 49)  # with the world's own duo: 50
    assert Duo.objects.filter(project=project).count() == 50
    small, content = today_queries(client, project)
    for text in ("Al 60 dagen stil", "Geen contactmoment sinds de kennismaking", "Eindigt over 10 dagen",
                 "zorg nog niet opgevolgd", "Wacht0 Test", "Vrijwilliger0 Test"):
        assert text.encode() in content, text

    populate(project, world.volunteer_user, 49, 450)
    assert Duo.objects.filter(project=project).count() == 500
    large, _content = today_queries(client, project)

    assert small == large == EXPECTED_QUERIES
    with django_assert_num_queries(EXPECTED_QUERIES):
        client.get(reverse("web:coordinator-today", args=[project.pk]))
