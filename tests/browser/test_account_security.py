"""The account's security page on a phone: the API token's dates, revoking it (issue 21, item 1)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from tests import factories as f
from tests.browser.conftest import login, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]



def test_a_volunteer_sees_and_revokes_their_api_token_on_a_phone(live_server: Any, phone_context: Any,
                                                                  world: World) -> None:
    user = world.volunteer_user
    token = Token.objects.create(user=user)
    page = phone_context.new_page()
    login(page, live_server, user.email, f.PASSWORD)
    page.goto(f"{live_server.url}/account/beveiliging/")
    assert page.get_by_role("heading", name="Beveiliging van je account").is_visible()
    assert page.get_by_text("nooit").is_visible()  # never used yet
    if os.environ.get("BUDDYNET_SHOTS"):
        Path(os.environ["BUDDYNET_SHOTS"]).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{os.environ['BUDDYNET_SHOTS']}/account_security_phone.png", full_page=True)
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="De API-sleutel intrekken").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the keyboard reaches the button
    assert page.get_by_text("Je API-sleutel is ingetrokken").is_visible()
    assert not Token.objects.filter(key=token.key).exists()
