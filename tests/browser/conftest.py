"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Playwright cannot download its own browser here, so it launches /usr/bin/chromium (installed
by `make test`, see the Makefile's `chromium` target). Pages are checked with axe-core
(bundled in axe-playwright-python) for serious accessibility violations.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# in a thread with a running loop unless told this is intended (the ORM calls are ours).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 360, "height": 640}
# Without the background-networking flags chromium keeps dialling Google, which this closed
# network refuses; headless runs as root need --no-sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


# Per module, not per session: Playwright's sync API keeps an asyncio event loop running in the
# test thread while it is open, and Django's async_to_sync (django-health-check's views, in
# tests/operations) refuses to run in a thread with a running loop. A module's browser is closed
# before a test of another module runs in the same worker.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh desktop browser context (own cookies, storage) in Dutch."""
    ctx = browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900}, service_workers="block")
    yield ctx
    close_when_idle(ctx)


@pytest.fixture
def phone_context(browser: Any) -> Iterator[Any]:
    """A small phone (360 × 640, touch), as most volunteers will use."""
    ctx = browser.new_context(locale="nl-BE", viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2,
                              service_workers="block")
    yield ctx
    close_when_idle(ctx)


def close_when_idle(ctx: Any) -> None:
    """Close a context once its pages have no request in flight. A request the live server was
    still answering when the test's database was flushed held SQLite's shared in-memory tables:
    the flush failed ("database table is locked") and so did the next test's setup (CI, SQLite)."""
    from playwright.sync_api import Error as PlaywrightError

    for page in ctx.pages:
        with contextlib.suppress(PlaywrightError):  # a page still busy after 5 s is closed all the same
            page.wait_for_load_state("networkidle", timeout=5000)
    ctx.close()


@pytest.fixture(autouse=True)
def _two_factor_enforced(settings: Any) -> None:
    """Browser tests sign in for real: office roles go through the two-factor step (login())."""
    settings.BUDDYNET_TWO_FACTOR_REQUIRED = True


def login(page: Any, live_server: Any, email: str, password: str) -> None:
    """Sign in through the real sign-in page; office roles then through the real two-factor step:
    enrolment the first time (the code computed from the key of the device the page made, as
    the user's authenticator app would), a code from the device after that."""
    page.goto(f"{live_server.url}/aanmelden/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state()
    if "/aanmelden/tweestaps/" not in page.url:
        return
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.two_factor import totp_code

    enrolling = "/instellen/" in page.url
    device = TOTPDevice.objects.filter(user__email=email, confirmed=not enrolling).order_by("-id").first()
    assert device is not None, f"no authenticator device for {email}"
    page.get_by_label("Code" if not enrolling else "Code uit de app", exact=True).fill(totp_code(device))
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_load_state()
    if enrolling:
        # The backup codes are shown once; continue to where the sign-in was going.
        page.get_by_role("link", name="Ik heb ze bewaard, verder").click()
        page.wait_for_load_state()


def screenshot(page: Any, name: str) -> Path:
    """Keep a screenshot under docs/screenshots/ (committed, so reviewers can look)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2.1 A/AA rules)."""
    from axe_playwright_python.sync_playwright import Axe

    wcag21_aa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": wcag21_aa}})
    return [v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]
