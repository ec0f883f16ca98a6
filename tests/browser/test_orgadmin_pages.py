"""The organisation administrator's pages in a real chromium on a phone: funders' viewers and
volunteer accounts (issue 16), accessible (axe) and in Dutch."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import expect

from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from tests import factories as f
from tests.browser.conftest import login, serious_axe_violations
from tests.conftest import World
from tests.web.test_orgadmin import grant_for, pending_volunteer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_funders_viewers_and_volunteer_accounts_on_a_phone(live_server: Any, phone_context: Any,
                                                            world: World) -> None:
    admin = f.UserFactory(email="olga@example.be")
    membership_grant(user=admin, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    grant_for(world)
    pending_volunteer(world)
    page = phone_context.new_page()
    login(page, live_server, admin.email, f.PASSWORD)
    page.goto(f"{live_server.url}/organisatie/{world.project.organisation_id}/")
    expect(page.get_by_role("heading", name="Kijkers van financiers")).to_be_visible()
    page.get_by_label("Naam").last.fill("Kim Kijker")
    page.get_by_label("E-mailadres").last.fill("kim@example.be")
    page.get_by_role("button", name="Uitnodigen").last.click()
    page.wait_for_load_state()
    expect(page.get_by_text("kim@example.be").first).to_be_visible()
    assert serious_axe_violations(page) == []
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/orgadmin-phone.png", full_page=True)

    page.get_by_role("link", name="Accounts van vrijwilligers").click()
    page.wait_for_load_state()
    # In the list, not the state filter's option of the same name.
    expect(page.locator("#volunteer-accounts").get_by_text("Eerste aanmelding verwacht").first).to_be_visible()
    page.get_by_role("button", name="Uitnodiging opnieuw versturen (Vera Vos)").click()
    page.wait_for_load_state()
    expect(page.get_by_text("vera@example.be").first).to_be_visible()
    assert serious_axe_violations(page) == []
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/orgadmin-volunteers-phone.png", full_page=True)


def test_a_projects_follow_up_settings_on_a_phone(live_server: Any, phone_context: Any, world: World) -> None:
    """Issue 16: the organisation administrator switches a rule off with a checkbox and changes a
    number of days, on a 360 × 640 phone; the page reads well with a keyboard and a screen reader."""
    from notifications.models import ProjectRules

    admin = f.UserFactory(email="olga@example.be")
    membership_grant(user=admin, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    page = phone_context.new_page()
    login(page, live_server, admin.email, f.PASSWORD)
    page.goto(f"{live_server.url}/organisatie/{world.project.organisation_id}/")
    page.get_by_role("link", name=f"Opvolging en meldingen ({world.project.name})").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Herinneringen en waarschuwingen")).to_be_visible()
    rule = page.get_by_role("checkbox", name="Morgen een afspraak")
    expect(rule).to_be_checked()
    rule.uncheck()
    page.get_by_label("Dagen voor een nieuw duo zonder contact gemeld wordt").fill("10")
    assert serious_axe_violations(page) == []
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/orgadmin-rules-phone.png", full_page=True)
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    expect(page.get_by_text("De opvolgingsinstellingen van").first).to_be_visible()
    expect(page.get_by_role("checkbox", name="Morgen een afspraak")).not_to_be_checked()
    rules = ProjectRules.objects.get(project=world.project)
    assert (rules.disabled_kinds, rules.new_duo_days) == (["meeting_tomorrow"], 10)
    if os.environ.get("SCREENSHOT_DIR"):
        page.set_viewport_size({"width": 1366, "height": 768})
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/orgadmin-rules-desktop.png", full_page=True)
