"""A coordinator corrects a volunteer's check-in on a 360 × 640 phone, nl-BE, with the keyboard for the
form: from the duo's timeline to the form and back to the corrected check-in."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from buddynet.records.duos.models import CheckIn
from tests import factories as f
from tests.browser.conftest import PHONE, login, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_corrects_the_duration_of_a_check_in_on_a_phone(
        live_server: Any, phone_context: Any, world: World) -> None:
    page = phone_context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/coordinator/duos/{world.duo.pk}/")

    page.get_by_role("link", name="Het contactmoment van 1 augustus 2025 corrigeren").click()
    expect(page.get_by_role("heading", name="Contactmoment corrigeren")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert [(v["id"], v["help"]) for v in serious_axe_violations(page)] == []

    duration = page.get_by_label("Duur (minuten)")
    expect(duration).to_have_value("60")
    duration.fill("95")
    duration.press("Enter")  # the keyboard submits the form

    expect(page.get_by_role("status").first).to_contain_text("Het contactmoment is gecorrigeerd.")
    expect(page.locator(f"#check-in-{world.check_in.pk}")).to_contain_text("95 min")
    assert CheckIn.objects.get(pk=world.check_in.pk).duration_minutes == 95
