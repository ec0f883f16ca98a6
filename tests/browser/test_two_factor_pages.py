"""The two-factor step in a real chromium: enrolment with a server-drawn QR code on a phone,
backup codes, and the code step on the next sign-in; accessible, no inline script."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, serious_axe_violations
from tests.conftest import World
from tests.factories import PASSWORD
from tests.two_factor import totp_code

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _password_step(page: Any, live_server: Any, email: str) -> None:
    page.goto(f"{live_server.url}/aanmelden/?next=/coordinator/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state()


def test_a_coordinator_enrols_on_a_phone_then_confirms_a_code_next_time(
    live_server: Any, phone_context: Any, context: Any, world: World,
) -> None:
    page = phone_context.new_page()
    _password_step(page, live_server, world.coordinator.email)
    assert "/aanmelden/tweestaps/instellen/" in page.url
    expect(page.get_by_role("img", name="QR-code voor je authenticator-app")).to_be_visible()
    assert page.locator("main svg").count() == 1
    assert serious_axe_violations(page) == []
    screenshot(page, "two-factor-enrol-phone")

    device = TOTPDevice.objects.get(user=world.coordinator, confirmed=False)
    page.get_by_label("Code uit de app").fill(totp_code(device))
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Je reservecodes")).to_be_visible()
    assert page.locator(".backup-codes li").count() == 10
    assert serious_axe_violations(page) == []
    screenshot(page, "two-factor-backup-codes-phone")
    page.get_by_role("link", name="Ik heb ze bewaard, verder").click()
    page.wait_for_load_state()
    assert "/coordinator/" in page.url and "/aanmelden/" not in page.url

    # Next sign-in, another browser: the code step, then the page.
    other = context.new_page()
    _password_step(other, live_server, world.coordinator.email)
    assert "/aanmelden/tweestaps/?next=" in other.url
    assert serious_axe_violations(other) == []
    screenshot(other, "two-factor-code")
    other.get_by_label("Code", exact=True).fill("999999" if totp_code(device) != "999999" else "111111")
    other.get_by_role("button", name="Bevestigen").click()
    other.wait_for_load_state()
    expect(other.get_by_role("alert")).to_be_visible()
    assert "/aanmelden/tweestaps/" in other.url


def test_the_login_helper_goes_through_the_real_code_step(live_server: Any, context: Any, world: World) -> None:
    page = context.new_page()
    login(page, live_server, world.funder_user.email, PASSWORD)
    assert TOTPDevice.objects.filter(user=world.funder_user, confirmed=True).count() == 1
    assert "/aanmelden/" not in page.url
    page.close()
    again = context.browser.new_context(locale="nl-BE", service_workers="block").new_page()
    login(again, live_server, world.funder_user.email, PASSWORD)
    assert "/aanmelden/" not in again.url
