"""The Content-Security-Policy in a real chromium: the pages we ship run without a violation,
Swagger UI still renders, and an injected inline script is blocked."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, login, screenshot, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "een lang genoeg wachtwoord"


def _watch_csp(page: Any) -> list[str]:
    """Collects chromium's CSP violation reports for the page (console errors and events)."""
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def test_swagger_ui_renders_under_the_policy(live_server: Any, context: Any, world: World) -> None:
    page = context.new_page()
    violations = _watch_csp(page)
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15000)
    assert "buddynet API" in page.locator(".swagger-ui .info .title").inner_text()
    # The operations are listed, so the schema was fetched and rendered.
    page.locator(".opblock-summary-path").first.wait_for(timeout=15000)
    assert page.locator(".opblock-summary-path").count() > 5
    assert violations == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "security-api-docs.png"))  # the first screen: the page is long


def test_the_sign_in_page_the_admin_and_the_browsable_api_run_without_violations(
    live_server: Any, context: Any, world: World,
) -> None:
    world.admin.set_password(PASSWORD)
    world.admin.is_staff = True
    world.admin.save()
    page = context.new_page()
    violations = _watch_csp(page)
    login(page, live_server, world.admin.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    assert page.get_by_role("heading", level=1).count() >= 1
    page.goto(f"{live_server.url}/admin/people/participant/{world.participant.pk}/change/")
    page.get_by_label("Voornaam").wait_for()
    page.goto(f"{live_server.url}/admin/duos/checkin/add/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/v1/participants/")  # DRF's browsable API
    page.wait_for_load_state("networkidle")
    assert "Marieke" in page.content()
    assert violations == []


def test_an_injected_inline_script_does_not_run(live_server: Any, context: Any, world: World) -> None:
    page = context.new_page()
    violations = _watch_csp(page)
    page.goto(f"{live_server.url}/aanmelden/")
    # What an XSS would do: add a script element without the page's nonce.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.pwned = true';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.pwned === true") is False
    assert any("script-src" in v for v in violations)


def test_the_lockout_page_is_readable_and_accessible(
    live_server: Any, phone_context: Any, world: World, settings: Any,
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    world.volunteer_user.set_password(PASSWORD)
    world.volunteer_user.save()
    page = phone_context.new_page()
    for _ in range(2):
        login(page, live_server, world.volunteer_user.email, "fout wachtwoord")
    login(page, live_server, world.volunteer_user.email, PASSWORD)
    expect(page.get_by_role("heading", name="Aanmelden tijdelijk geblokkeerd")).to_be_visible()
    assert "15 minuten" in page.get_by_role("alert").inner_text()
    assert serious_axe_violations(page) == []
    screenshot(page, "security-locked-out-phone")
