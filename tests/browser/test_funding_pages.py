"""Funding pages in a real chromium: the funder portal on a phone, a coordinator's grant, report
and allowances pages; accessible (axe), in Dutch, and never a person on the funder's side."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from buddynet.features.funding.models import AllowancePayment
from tests import factories as f
from tests.browser.conftest import login, screenshot, serious_axe_violations
from tests.conftest import World
from tests.funding.builders import SECRET_LAST, hand_built, seed_caps

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_funder_sees_the_portal_on_a_phone_without_any_person(live_server: Any, phone_context: Any,
                                                                world: World) -> None:
    hand_built(world.funder, project=world.project)
    page = phone_context.new_page()
    login(page, live_server, world.funder_user.email, f.PASSWORD)
    page.goto(f"{live_server.url}/financiering/?start=2025-01-01&end=2025-12-31")

    expect(page.get_by_role("heading", name="Financiersportaal")).to_be_visible()
    expect(page.get_by_text("WVG-2025-001").first).to_be_visible()
    body = page.content()
    assert SECRET_LAST not in body and "Marieke" not in body and "Peeters" not in body
    assert serious_axe_violations(page) == []
    screenshot(page, "funding-portal-phone")

    page.get_by_role("link", name="Portefeuillerapport").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Verandering in het netwerk")).to_be_visible()
    assert serious_axe_violations(page) == []
    screenshot(page, "funding-portfolio-phone")


def test_a_coordinator_makes_and_signs_off_a_report(live_server: Any, context: Any, world: World) -> None:
    hand = hand_built(world.funder, project=world.project)
    page = context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/financiering/subsidies/{hand.grant.pk}/")
    assert serious_axe_violations(page) == []
    screenshot(page, "funding-grant")

    page.get_by_label("Periode van").fill("2025-01-01")
    page.get_by_label("Periode tot en met").fill("2025-12-31")
    page.get_by_role("button", name="Rapport maken").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Ontwerp: de cijfers volgen de gegevens")).to_be_visible()
    assert serious_axe_violations(page) == []

    page.get_by_role("button", name="Afronden en naar de financier sturen").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Afgerond en vastgezet", exact=True)).to_be_visible()
    assert hand.grant.reports.get().is_frozen
    screenshot(page, "funding-report")


def test_the_allowances_page_works_on_a_phone(live_server: Any, phone_context: Any, world: World) -> None:
    seed_caps()
    AllowancePayment.objects.create(volunteer=world.volunteer, kind="flat_rate", paid_on="2026-03-01", year=2026,
                                    days=5, amount=Decimal("220.10"))
    page = phone_context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/financiering/vergoedingen/{world.project.pk}/?year=2026")

    expect(page.get_by_role("rowheader", name="Bert Janssens")).to_be_visible()
    page.get_by_label("Vrijwilliger").select_option(str(world.volunteer.pk))
    page.get_by_label("Dagen").fill("1")
    page.get_by_label("Bedrag (EUR)").fill("44.03")
    page.get_by_role("button", name="Betaling noteren").click()
    page.wait_for_load_state()
    assert "Hoogstens €\xa044,02 per dag" in " ".join(page.locator(".errorlist").all_inner_texts())
    assert AllowancePayment.objects.count() == 1
    assert serious_axe_violations(page) == []
    screenshot(page, "funding-allowances-phone")
