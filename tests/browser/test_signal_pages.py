"""Barrier signals in chromium: a volunteer on a 360×640 phone, offline, taps "We liepen tegen een
drempel aan" and a chip; the outbox sends it when the connection returns; the coordinator sees it
in the project's signals, grouped, and moves it on. Both pages axe clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from buddynet.features.signals.models import Signal, SignalStatus
from tests import factories as f
from tests.browser.conftest import login
from tests.browser.test_volunteer_phone import no_serious_axe, pwa_phone, sign_in_volunteer, worker_ready  # noqa: F401
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/signals")  # noqa: S108 (looked at by the developer, not kept in the repository)


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_barrier_saved_offline_on_the_phone_reaches_the_coordinators_list(
        live_server: Any, pwa_phone: Any, context: Any, world: World) -> None:  # noqa: F811
    world.participant.municipality = "Gent"
    world.participant.save()
    page = pwa_phone.new_page()
    sign_in_volunteer(page, live_server, world)
    worker_ready(page)
    page.goto(f"{live_server.url}/mijn/contact/?duo={world.duo.pk}")

    pwa_phone.set_offline(True)
    page.get_by_text("30 min", exact=True).click()
    page.get_by_text("We liepen tegen een drempel aan").click()
    page.get_by_text("Digitale uitsluiting", exact=True).click()
    page.get_by_label("In welk levensdomein?").select_option("administration")
    page.get_by_label("Kort, zonder namen (niet verplicht)").fill("Premie enkel online aan te vragen")
    shot(page, "phone-barrier")
    no_serious_axe(page)
    page.get_by_role("button", name="Opslaan").click()
    page.locator("#outbox-list li").first.wait_for()
    assert not Signal.objects.exists()

    pwa_phone.set_offline(False)  # the "online" event sends the outbox
    page.locator("#outbox").wait_for(state="hidden")
    signal = Signal.objects.get()
    assert (signal.barrier_type.code, signal.life_domain, signal.municipality, signal.description) == (
        "digital-exclusion", "administration", "Gent", "Premie enkel online aan te vragen")
    assert signal.date == timezone.localdate()

    desk = context.new_page()
    login(desk, live_server, world.coordinator.email, f.PASSWORD)
    desk.goto(f"{live_server.url}/signalen/projecten/{world.project.pk}/")
    item = desk.locator(f"#signal-{signal.pk}")
    expect(item).to_contain_text("Digitale uitsluiting")
    expect(desk.get_by_role("heading", name="Digitale uitsluiting (1)")).to_be_visible()
    item.get_by_label("Doorgegeven aan (dienst, persoon)").fill("OCMW Gent, dienst sociale zaken")
    item.get_by_role("button", name="Status wijzigen").click()
    expect(desk.get_by_text("De status is gewijzigd.")).to_be_visible()
    shot(desk, "coordinator-signals")
    no_serious_axe(desk)
    signal.refresh_from_db()
    assert (signal.status, signal.passed_on_to) == (SignalStatus.PASSED_ON, "OCMW Gent, dienst sociale zaken")
