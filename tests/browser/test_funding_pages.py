"""Funding pages in a real chromium: the funder portal on a phone, a coordinator's grant, report
and allowances pages; accessible (axe), in Dutch, and never a person on the funder's side."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from buddynet.features.funding import services
from buddynet.features.funding.models import AllowancePayment, ProgressReport, ReportingObligation
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

    page.get_by_role("link", name="Afronden…").click()
    page.get_by_label("Typ de naam van het rapport om te bevestigen").fill("WVG-2025-001 v1")
    page.get_by_role("button", name="Afronden en naar de financier sturen").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Afgerond en vastgezet", exact=True)).to_be_visible()
    assert hand.grant.reports.get().is_frozen
    screenshot(page, "funding-report")


def test_narrative_preview_confirmation_and_the_funders_answer_make_a_new_version(
        live_server: Any, context: Any, world: World, tmp_path: Any) -> None:
    """Coordinator writes the narrative → previews the PDF → confirms the sign-off → the funder asks
    for completion (on a phone) → the coordinator finds the new version, the frozen one listed beside it,
    signs it off → the funder approves it, and the reporting obligation it answers is approved."""
    hand = hand_built(world.funder, project=world.project)
    obligation = ReportingObligation.objects.get(grant=hand.grant)
    report = services.report_create(grant=hand.grant, period_start=dt.date(2025, 1, 1),
                                    period_end=dt.date(2025, 12, 31), by=world.coordinator, obligation=obligation)
    page = context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/financiering/rapporten/{report.pk}/")
    highlights = page.get_by_label("Hoogtepunten")
    assert highlights.get_attribute("spellcheck") == "true" and highlights.get_attribute("lang") == "nl-BE"
    highlights.fill("Meer deelnemers dan gepland.\n\n- **12** nieuwe duo's\n- een tweede vormingsdag")
    page.get_by_label("Vooruitblik").fill("We openen een tweede wijk.")
    page.get_by_role("button", name="Ontwerp bewaren").click()
    page.wait_for_load_state()
    expect(page.get_by_text("De toelichting is bewaard als ontwerp.")).to_be_visible()
    annex = tmp_path / "opening.png"
    Image.new("RGB", (40, 20), "teal").save(annex)
    page.get_by_label("Bijlage (pdf, JPEG of PNG, hoogstens 10 MB)").set_input_files(str(annex))
    page.get_by_role("button", name="Bijlage toevoegen").click()
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="opening.png")).to_be_visible()
    expect(page.locator(".report strong", has_text="12")).to_be_visible()
    assert serious_axe_violations(page) == []

    href = page.get_by_role("link", name="Voorbeeld van de volledige pdf").first.get_attribute("href")
    preview = page.request.get(f"{live_server.url}{href}")
    assert preview.ok and preview.body().startswith(b"%PDF") and preview.headers["cache-control"] == "no-store"
    page.get_by_role("link", name="Afronden…").click()
    expect(page.get_by_text("opening.png")).to_be_visible()
    assert serious_axe_violations(page) == []
    page.get_by_label("Typ de naam van het rapport om te bevestigen").fill("verkeerd")
    page.get_by_role("button", name="Afronden en naar de financier sturen").click()
    expect(page.locator(".errorlist")).to_contain_text("WVG-2025-001 v1")
    page.get_by_label("Typ de naam van het rapport om te bevestigen").fill("WVG-2025-001 v1")
    page.get_by_role("button", name="Afronden en naar de financier sturen").click()
    expect(page.get_by_text("Afgerond en vastgezet", exact=True)).to_be_visible()

    funder_context = context.browser.new_context(locale="nl-BE", viewport={"width": 360, "height": 640},
                                                 service_workers="block")
    funder = funder_context.new_page()  # the funder on a phone
    login(funder, live_server, world.funder_user.email, f.PASSWORD)
    funder.goto(f"{live_server.url}/financiering/rapporten/{report.pk}/")
    expect(funder.get_by_text("Meer deelnemers dan gepland.")).to_be_visible()
    funder.get_by_label("Opmerking").fill("Licht de tweede vormingsdag toe.")
    funder.get_by_role("button", name="Vraag om aanvulling").click()
    expect(funder.get_by_text("De financier vroeg om aanvulling")).to_be_visible()
    assert serious_axe_violations(funder) == []
    screenshot(funder, "funding-report-answered-phone")
    new = ProgressReport.objects.get(previous=report)

    page.goto(f"{live_server.url}/financiering/rapporten/{new.pk}/")
    expect(page.get_by_role("heading", name="Versies")).to_be_visible()
    expect(page.get_by_text("Licht de tweede vormingsdag toe.")).to_be_visible()
    expect(page.get_by_label("Hoogtepunten")).to_have_value(
        "Meer deelnemers dan gepland.\n\n- **12** nieuwe duo's\n- een tweede vormingsdag")  # carried over
    expect(page.get_by_text(ProgressReport.objects.get(pk=report.pk).pdf_sha256)).to_be_visible()
    assert serious_axe_violations(page) == []
    screenshot(page, "funding-report-new-version")

    page.get_by_role("link", name="Afronden…").click()
    page.get_by_label("Typ de naam van het rapport om te bevestigen").fill("WVG-2025-001 v2")
    page.get_by_role("button", name="Afronden en naar de financier sturen").click()
    expect(page.get_by_text("Afgerond en vastgezet", exact=True)).to_be_visible()

    funder.goto(f"{live_server.url}/financiering/rapporten/{new.pk}/")
    expect(funder.get_by_text("antwoordt op de rapportageverplichting “Inhoudelijk jaarverslag”")).to_be_visible()
    funder.get_by_role("button", name="Goedkeuren").click()
    expect(funder.get_by_text("Goedgekeurd door de financier")).to_be_visible()
    assert serious_axe_violations(funder) == []
    obligation.refresh_from_db()
    today = timezone.localdate()
    assert (obligation.submitted_on, obligation.approved_on) == (
        timezone.localdate(ProgressReport.objects.get(pk=report.pk).frozen_at), today)
    funder_context.close()


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
