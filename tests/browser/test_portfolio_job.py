"""The portfolio report made by a task (issue 20) in a real chromium on a phone: the progress
page (a progress bar, a polite live region; accessible), whose polling shows the report once a
worker has made it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from buddynet.features.funding import services
from buddynet.features.funding.models import PortfolioJob
from tests import factories as f
from tests.browser.conftest import login, serious_axe_violations
from tests.conftest import World
from tests.funding.builders import hand_built, second_grant
from tests.notifications.brokers import use_broker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_funder_follows_a_portfolio_being_made_and_then_reads_it(live_server: Any, phone_context: Any,
                                                                   world: World) -> None:
    hand_built(world.funder, project=world.project)
    second_grant(world.funder)
    page = phone_context.new_page()
    login(page, live_server, world.funder_user.email, f.PASSWORD)

    with use_broker("memory://"):  # the message waits in memory: no worker until the test is one
        page.goto(f"{live_server.url}/financiering/portefeuille/{world.funder.pk}/?start=2025-01-01&end=2025-12-31")

        bar = page.get_by_role("progressbar", name="Voortgang")
        expect(bar).to_have_attribute("aria-valuenow", "0")
        expect(page.get_by_text("Wachten op een vrije verwerker…")).to_be_visible()
        assert page.locator('[aria-live="polite"]').count() >= 1
        assert serious_axe_violations(page) == []

        services.portfolio_job_execute(job_id=PortfolioJob.objects.get().pk)  # as the worker would

        # The page's polling sees the job finished and shows the report, without a click.
        expect(page.get_by_role("heading", name="Projecten naast elkaar")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert serious_axe_violations(page) == []
