"""The inbox (/meldingen/) in a real chromium on a phone: header count, mark as read, accessible."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from notifications import services
from notifications.models import Channel, Kind, Notification
from notifications.selectors import Recipient
from tests.browser.conftest import login, screenshot, serious_axe_violations
from tests.conftest import World
from tests.factories import PASSWORD
from tests.notifications.conftest import eager  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_reads_a_message_on_a_phone(live_server: Any, phone_context: Any, world: World,
                                                eager: None) -> None:  # noqa: F811
    # eager: the e-mails of these messages are sent in-process (locmem), not queued in var/
    bob = Recipient(world.volunteer_user.pk, "nl-be", False)
    services.notification_create([
        services.Message(bob, Kind.MEETING_TOMORROW, "meeting", {"buddy": "Marieke", "on": dt.date(2026, 11, 26)}),
        services.Message(bob, Kind.CHECK_IN_REMINDER, "reminder", {"buddy": "Marieke", "last": dt.date(2026, 11, 5)}),
    ])
    page = phone_context.new_page()
    login(page, live_server, world.volunteer_user.email, PASSWORD)
    page.goto(f"{live_server.url}/meldingen/")

    header_link = page.locator("a.inbox-link")
    assert header_link.inner_text().split() == ["Meldingen", "2", "ongelezen"]
    expect(page.get_by_role("heading", name="Meldingen", level=1)).to_be_visible()
    assert serious_axe_violations(page) == []
    screenshot(page, "inbox-phone")

    item = page.get_by_role("listitem").filter(has_text="Morgen zie je Marieke")
    item.get_by_role("button", name="Als gelezen markeren").click()
    page.wait_for_load_state()

    assert header_link.inner_text().split() == ["Meldingen", "1", "ongelezen"]
    read = Notification.objects.get(recipient=world.volunteer_user, channel=Channel.INBOX, dedup_key="meeting")
    assert read.read_at is not None
    box = page.get_by_role("button", name="Alles als gelezen markeren").bounding_box()
    assert box is not None and box["height"] >= 44
