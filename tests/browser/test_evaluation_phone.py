"""The participant's evaluation on the volunteer's phone (issue 18 item 4): 360 × 640 in chromium,
axe clean, five faces tapped, and a poor "it clicks" answer reaches the coordinator once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from buddynet.features.aftercare.models import Evaluation
from notifications.models import Channel, Kind, Notification
from tests import factories as f
from tests.browser.conftest import PHONE, login, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/aftercare")  # noqa: S108 (the reviewer's screenshots, outside the repository)


def test_the_evaluation_on_a_phone_is_accessible_and_a_poor_fit_alerts_once(
        world: World, live_server: Any, phone_context: Any) -> None:
    page = phone_context.new_page()
    login(page, live_server, world.volunteer_user.email, f.PASSWORD)
    page.goto(f"{live_server.url}/nazorg/evaluatie/duo/{world.duo.pk}/")
    assert page.viewport_size == PHONE
    assert serious_axe_violations(page) == []
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "evaluation-360.png"), full_page=True)

    page.get_by_role("group", name="Ik voel me gehoord").get_by_text("Ja", exact=True).click()
    page.get_by_role("group", name="Het klikt met mijn buddy (na de eerste ontmoeting)").get_by_text(
        "Helemaal niet").click()
    page.get_by_role("button", name="Antwoorden bewaren").click()
    page.wait_for_load_state()

    evaluation = Evaluation.objects.get()
    assert (evaluation.heard, evaluation.fit, evaluation.moment, evaluation.recorded_by_id) == (
        4, 1, "first_meeting", world.volunteer_user.pk)
    assert serious_axe_violations(page) == []
    alerts = Notification.objects.filter(kind=Kind.PAIRING_FIT_POOR, channel=Channel.INBOX)
    assert list(alerts.values_list("recipient__email", flat=True)) == ["alice@example.be"]
