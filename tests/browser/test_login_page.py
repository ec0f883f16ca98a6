"""The shared sign-in page in a real chromium: Dutch by default, works on a phone, accessible."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_wrong_password_is_refused_in_dutch_on_a_phone(live_server: Any, phone_context: Any, world: World) -> None:
    page = phone_context.new_page()
    login(page, live_server, world.coordinator.email, "not-the-password")

    expect(page.get_by_role("alert")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "nl-be"
    assert "/aanmelden/" in page.url
    assert serious_axe_violations(page) == []
    screenshot(page, "login-phone")


def test_a_right_password_signs_in(live_server: Any, context: Any, world: World) -> None:
    world.coordinator.set_password("correct horse battery")
    world.coordinator.save()
    page = context.new_page()
    login(page, live_server, world.coordinator.email, "correct horse battery")

    assert "/aanmelden/" not in page.url
