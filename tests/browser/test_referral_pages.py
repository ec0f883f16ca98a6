"""Referrals on the coordinator's phone (issue 18 item 3): 360 × 640 in chromium, axe clean, no
sideways scrolling; the participant is found by a posted search (never a list of the whole
project, never a name in the address), the referral recorded on their page, its outcome after."""

from __future__ import annotations

from typing import Any

import pytest

from buddynet.features.aftercare import services
from buddynet.features.aftercare.models import Referral
from tests import factories as f
from tests.browser.conftest import PHONE, login, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def fits(page: Any) -> None:
    assert serious_axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_referral_found_recorded_and_followed_up_on_a_phone(
        world: World, live_server: Any, phone_context: Any) -> None:
    services.referral_service_save(project_id=world.project.pk, by=world.coordinator,
                                   data={"name": "Schuldbemiddeling OCMW Gent", "kind": "debt",
                                         "municipality": "Gent", "contact": "09 266 99 00"})
    for n in range(3):
        f.ParticipantFactory(project=world.project, first_name=f"Marleen{n}", last_name="Peeters")
    page = phone_context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/nazorg/doorverwijzingen/")
    fits(page)

    search = page.get_by_label("Zoek de deelnemer")
    search.fill("Peeters")
    search.press("Enter")
    page.wait_for_load_state()
    fits(page)
    assert "Peeters" not in page.url
    choices = page.get_by_role("status").get_by_role("link")
    assert choices.count() == 4  # Marieke and the three Marleens
    page.get_by_role("link", name="Marieke Peeters").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/nazorg/doorverwijzingen/deelnemer/{world.participant.pk}/#new-title")
    fits(page)

    page.get_by_label("Dienst (verplicht)").select_option(label="Schuldbemiddeling OCMW Gent (Gent)")
    page.get_by_label("Levensdomein (verplicht)").select_option(label="Inkomen en schulden")
    page.get_by_label("Reden (alleen voor de coördinatoren)").fill("Huurachterstand")
    page.get_by_role("button", name="Doorverwijzing registreren").click()
    page.wait_for_load_state()
    referral = Referral.objects.get()
    assert (referral.participant_id, referral.life_domain, referral.reason) == (
        world.participant.pk, "income", "Huurachterstand")
    fits(page)

    page.get_by_label("Uitkomst (verplicht)").select_option(label="Begeleiding gestart")
    page.get_by_role("button", name="Uitkomst registreren").click()
    page.wait_for_load_state()
    referral.refresh_from_db()
    assert referral.outcome == "started"
    assert page.get_by_text("Uitkomst geregistreerd.").is_visible()
    fits(page)
