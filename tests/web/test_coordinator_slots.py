"""The two slots other apps fill at merge: what the pages show once the functions return data.

`_network_summary` (netwerk) and `reporting_deadlines` (funding) return nothing in this branch;
these tests feed them the documented shapes so the templates are known to show them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from buddynet.web.coordinator import today as today_module
from buddynet.web.coordinator import views
from tests.conftest import World


@dataclass
class Deadline:
    due_on: dt.date
    label: str
    url: str = ""


@pytest.mark.django_db
def test_the_network_slot_shows_picture_measures_and_links(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(views, "_network_summary", lambda participant: {
        "picture_url": "/netwerk/kaarten/7/beeld.svg", "picture_alt": "Netwerk van Marieke: 9 mensen",
        "measures": [{"label": "Mensen", "value": "9", "change": "+3 sinds de intake"}],
        "history_url": f"/netwerk/deelnemers/{participant.pk}/", "editor_url": "/netwerk/kaarten/7/",
    })
    client = Client()
    client.force_login(world.coordinator)
    html = client.get(reverse("web:coordinator-participant", args=[world.participant.pk])).content.decode()

    assert '<img src="/netwerk/kaarten/7/beeld.svg" alt="Netwerk van Marieke: 9 mensen"' in html
    assert "+3 sinds de intake" in html
    assert f'href="/netwerk/deelnemers/{world.participant.pk}/"' in html
    assert "Nog geen netwerkkaart." not in html


@pytest.mark.django_db
def test_the_deadlines_slot_lists_due_dates_with_links(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(today_module, "reporting_deadlines", lambda *, user, project: [
        Deadline(dt.date(2026, 12, 31), "Inhoudelijk jaarverslag 2026", "/financiering/rapporten/3/"),
    ])
    client = Client()
    client.force_login(world.coordinator)
    html = client.get(reverse("web:coordinator-today", args=[world.project.pk])).content.decode()

    assert '<a href="/financiering/rapporten/3/">Inhoudelijk jaarverslag 2026</a>' in html
    assert "31 december 2026" in html
    assert "Geen rapportagedeadlines bekend." not in html
