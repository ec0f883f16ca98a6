"""The new coordinator's journey in a real chromium (issue 16): intake a volunteer, invite them
from their page, the volunteer opens the link from the e-mail on a 360 × 640 phone and logs a
first check-in; the coordinator's page stops saying "expected first sign-in"."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from buddynet.records.accounts.models import User
from buddynet.records.duos import services as duo_services
from buddynet.records.duos.models import CheckIn
from buddynet.records.people.models import Volunteer
from tests import factories as f
from tests.browser.conftest import PHONE, close_when_idle, login, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Kept out of the repository (docs/screenshots/ holds the curated ones): for a reviewer to look at.
SHOTS = Path(tempfile.gettempdir()) / "orgs"


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    # Without the service worker: its background pre-caching would still talk to the live
    # server while the test database is flushed (as in test_volunteer_phone.py).
    ctx = browser.new_context(locale="nl-BE", viewport=PHONE, has_touch=True, is_mobile=True,
                              device_scale_factor=2, service_workers="block")
    yield ctx
    close_when_idle(ctx)


def no_serious_axe(page: Any, where: str) -> None:
    violations = serious_axe_violations(page)
    assert violations == [], f"{where}: {[(v['id'], [n['target'] for n in v['nodes']]) for v in violations]}"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_intake_invite_first_sign_in_on_a_phone_and_a_first_check_in(
        live_server: Any, context: Any, phone: Any, world: World) -> None:
    desk = context.new_page()
    login(desk, live_server, world.coordinator.email, f.PASSWORD)

    # Intake of a volunteer, with an e-mail address.
    desk.goto(f"{live_server.url}/coordinator/projecten/{world.project.pk}/vrijwilligers/intake/")
    desk.get_by_label("Voornaam").fill("Wout")
    desk.get_by_label("Achternaam").fill("Vermeulen")
    desk.get_by_label("E-mailadres").fill("wout.vermeulen@example.be")
    desk.get_by_label("Postcode").fill("9050")
    desk.get_by_role("button", name="Volgende").click()
    desk.get_by_label("Nederlands").check()
    desk.get_by_label("dinsdag avond").check()
    desk.get_by_role("button", name="Volgende").click()
    desk.get_by_label("Sociaal netwerk").select_option("3")
    desk.get_by_role("button", name="Volgende").click()
    today = timezone.localdate().isoformat()
    desk.get_by_label("Intakegesprek op").fill(today)
    desk.get_by_label("Uittreksel strafregister (model 2) nagekeken op").fill(today)
    desk.get_by_label("Basisvorming gevolgd op").fill(today)
    desk.get_by_label("Ik heb de vrijwilliger uitgelegd wat buddynet over hen bijhoudt", exact=False).check()
    desk.get_by_label("Vrijwilligersovereenkomst ondertekend op").fill(today)
    desk.get_by_role("button", name="Intake afronden").click()
    expect(desk.get_by_role("heading", name="Wout Vermeulen")).to_be_visible()
    volunteer = Volunteer.objects.get(first_name="Wout", last_name="Vermeulen")

    # Invite from the volunteer's page.
    desk.get_by_role("button", name="Uitnodigen voor buddynet").click()
    expect(desk.get_by_text("Uitnodiging verstuurd naar wout.vermeulen@example.be")).to_be_visible()
    expect(desk.locator("#first-sign-in")).to_have_text("Eerste aanmelding verwacht")
    expect(desk.get_by_role("button", name="Uitnodiging opnieuw versturen")).to_be_visible()
    no_serious_axe(desk, "volunteer page with a pending invitation")
    shot(desk, "coordinator-volunteer-invited-1366")

    # The coordinator pairs them (through the services; the matcher is tested elsewhere).
    participant = f.ParticipantFactory(project=world.project, first_name="Yasmina", last_name="El Idrissi")
    duo = duo_services.duo_propose(volunteer=volunteer, participant=participant, by=world.coordinator)
    duo_services.duo_introduce(duo=duo, by=world.coordinator)

    # The volunteer opens the link from the e-mail on their phone.
    assert [m.to for m in mail.outbox] == [["wout.vermeulen@example.be"]]
    found = re.search(r"https?://\S+/mijn/uitnodiging/\?\S+", mail.outbox[0].body)
    assert found, mail.outbox[0].body
    page = phone.new_page()
    page.goto(found.group(0))
    page.wait_for_url("**/mijn/")
    expect(page.get_by_role("article", name="Yasmina")).to_be_visible()
    assert "El Idrissi" not in page.content()
    no_serious_axe(page, "my duos after the invitation")
    shot(page, "volunteer-first-sign-in-360")

    # A first check-in in a few taps.
    page.get_by_role("link", name="Contact loggen met Yasmina").click()
    page.wait_for_url("**/mijn/contact/**")
    page.get_by_text("1 uur", exact=True).click()
    page.get_by_text("Wandeling", exact=True).click()
    page.get_by_text("Goed", exact=True).click()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"**/mijn/duo/{duo.pk}/")
    expect(page.get_by_text("Bedankt! Je contact is bewaard.")).to_be_visible()
    user = User.objects.get(email="wout.vermeulen@example.be")
    stored = CheckIn.objects.get(duo=duo)
    assert (stored.author_id, stored.duration_minutes, stored.activities) == (user.pk, 60, ["walk"])

    # The coordinator's page no longer waits for the first sign-in.
    desk.reload()
    expect(desk.locator("#first-sign-in")).to_have_text("gebeurd")
    assert desk.get_by_role("button", name="Uitnodiging opnieuw versturen").count() == 0
