"""The participant's own story (issue 17): a one-page A4 PDF in Dutch with their network picture,
their goals and their last contacts, printable from the participant's page; 404 outside scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from pypdf import PdfReader

from buddynet.pdf import pdf_document
from buddynet.web.coordinator.story import MAX_CONTACTS, MAX_GOALS, story_html
from tests import factories as f
from tests.conftest import World
from tests.netwerk.test_api import a_map

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_story_is_one_a4_page_with_the_goals_the_picture_and_the_contacts(world: World) -> None:
    a_map(world)
    f.GoalFactory(duo=world.duo, life_domain="housing", description="Een sociale woning aanvragen")
    f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=dt.date(2025, 10, 9), duration_minutes=45,
                     note="Geheime notitie voor de coördinator", concern=True, concern_note="Zorg X")
    client = Client()
    client.force_login(world.coordinator)
    page = client.get(f"/coordinator/deelnemers/{world.participant.pk}/").content.decode()
    assert f'href="/coordinator/deelnemers/{world.participant.pk}/verhaal.pdf"' in page

    response = client.get(f"/coordinator/deelnemers/{world.participant.pk}/verhaal.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = _text(response.content)
    assert "Het verhaal van Marieke" in text and "Mijn doelen" in text
    assert "Een sociale woning aanvragen" in text and world.goal.description in text
    assert "9 okt. 2025" in text  # the nl-BE date, not 2025-10-09
    assert "Geheime notitie" not in text and "Zorg X" not in text
    assert "Mijn netwerk" in text and "Er is nog geen netwerktekening." not in text
    assert world.participant.last_name not in text  # the participant's own page: first names only


def test_many_goals_and_contacts_still_fit_on_one_page(world: World) -> None:
    for i in range(MAX_GOALS + 4):
        f.GoalFactory(duo=world.duo, description=f"Doel nummer {i} met een wat langere omschrijving van het doel")
    for i in range(MAX_CONTACTS + 5):
        f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=dt.date(2025, 9, 1) + dt.timedelta(days=i),
                         life_domains=["housing", "work", "income", "health"])
    a_map(world)
    html = story_html(world.coordinator, world.participant)
    assert len(pdf_document(html).pages) == 1
    assert "En nog 5 doelen." in html


def test_without_network_consent_there_is_no_picture(world: World) -> None:
    a_map(world)
    world.participant.__class__.objects.filter(pk=world.participant.pk).update(consent_scope="basic")
    world.participant.refresh_from_db()
    html = story_html(world.coordinator, world.participant)
    assert "data:image/svg+xml" not in html and "Er is nog geen netwerktekening." in html


@pytest.mark.parametrize("who", ["other_coordinator", "volunteer_user", "funder_user"])
def test_others_cannot_print_the_story(world: World, who: str) -> None:
    client = Client()
    client.force_login(getattr(world, who))
    response = client.get(f"/coordinator/deelnemers/{world.participant.pk}/verhaal.pdf")
    assert response.status_code in (403, 404) and response.get("Content-Type") != "application/pdf"
