"""What the pages show from the feature apps, with real rows: the participant's network map
(netwerk, read through its selectors) and the project's reporting deadlines (funding)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from buddynet.features.funding.models import Grant, ObligationKind, ReportingObligation
from netwerk import services as netwerk
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(world: World) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.coordinator)
    return client


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def alter(network_map: Any, by: Any, label: str, category: str, **extra: Any) -> Any:
    return netwerk.alter_add(network_map=network_map, by=by, data={
        "label": label, "category": category, "life_domains": ["social"], "ring": 2, **extra})


def test_the_network_slot_shows_the_latest_map_its_measures_and_the_change_since_the_first(
        world: World, client: Client) -> None:
    by = world.coordinator
    intake = netwerk.map_create(participant=world.participant, by=by, occasion="intake", on=dt.date(2025, 6, 1))
    alter(intake, by, "Moeder", "family")
    alter(intake, by, "Maatschappelijk werker", "professional")
    later = netwerk.map_create(participant=world.participant, by=by, occasion="interim", on=dt.date(2025, 12, 1))
    alter(later, by, "Buurvrouw Anna", "neighbour", via_buddy=True)

    body = text(client.get(reverse("web:coordinator-participant", args=[world.participant.pk])))

    picture = reverse("netwerk:map-picture", args=[later.pk])
    assert (f'<img src="{picture}?vergelijk={intake.pk}" alt="Netwerkkaart van 1 december 2025: '
            '3 mensen, 2 informele contacten."') in body
    assert "<dt>Mensen in het netwerk (zonder de buddy)</dt><dd>3 (+1 sinds 1 juni 2025)</dd>" in body
    assert "<dt>Informele contacten (familie, vrienden, buren...)</dt><dd>2 (+1 sinds 1 juni 2025)</dd>" in body
    assert "<dt>Nieuwe mensen leren kennen via de buddy</dt><dd>1</dd>" in body
    assert f'href="{reverse("netwerk:participant-maps", args=[world.participant.pk])}"' in body
    assert f'href="{reverse("netwerk:map-edit", args=[later.pk])}"' in body
    assert "Nog geen netwerkkaart." not in body


def test_the_network_slot_of_a_single_map_shows_no_change(world: World, client: Client) -> None:
    intake = netwerk.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2025, 6, 1))
    alter(intake, world.coordinator, "Moeder", "family")

    body = text(client.get(reverse("web:coordinator-participant", args=[world.participant.pk])))

    assert f'<img src="{reverse("netwerk:map-picture", args=[intake.pk])}" alt=' in body
    assert "<dt>Mensen in het netwerk (zonder de buddy)</dt><dd>1</dd>" in body
    assert " sinds " not in body


def a_grant(world: World, project: Any, reference: str) -> Grant:
    return Grant.objects.create(funder=world.funder, project=project, reference=reference, amount=Decimal("45000"),
                                start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))


def test_the_deadlines_slot_lists_the_projects_open_reports_soonest_first_with_links(
        world: World, client: Client) -> None:
    grant = a_grant(world, world.project, "WVG-GENT")
    ReportingObligation.objects.create(grant=grant, kind=ObligationKind.FINAL, due_on=dt.date(2028, 3, 31))
    ReportingObligation.objects.create(grant=grant, kind=ObligationKind.YEARLY_CONTENT, due_on=dt.date(2026, 12, 31))
    ReportingObligation.objects.create(grant=grant, kind=ObligationKind.FINANCIAL, due_on=dt.date(2025, 12, 31),
                                       submitted_on=dt.date(2025, 12, 20))
    other = a_grant(world, world.other_project, "WVG-BRUGGE")
    ReportingObligation.objects.create(grant=other, kind=ObligationKind.FINAL, due_on=dt.date(2026, 6, 30))

    body = text(client.get(reverse("web:coordinator-today", args=[world.project.pk])))

    deadlines = body[body.index('id="deadlines"'):]
    deadlines = deadlines[:deadlines.index("</section>")]
    url = reverse("funding:grant", args=[grant.pk])
    assert (f'<li><span class="when">31 december 2026</span> <a href="{url}">Inhoudelijk jaarverslag · WVG-GENT</a>'
            f'</li><li><span class="when">31 maart 2028</span> <a href="{url}">') in deadlines
    assert "WVG-BRUGGE" not in deadlines and "31 december 2025" not in deadlines  # another project; submitted
    assert "Geen rapportagedeadlines bekend." not in body


def test_the_deadlines_slot_says_when_there_are_none(world: World, client: Client) -> None:
    body = text(client.get(reverse("web:coordinator-today", args=[world.project.pk])))
    assert "Geen rapportagedeadlines bekend." in body
