"""The coordinator's matching review page in a real chromium: start a run, watch its progress,
read the proposals (bars, alternatives, reasons), reject one with a reason. Dutch, accessible,
and usable on a phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from matching import services, tasks
from matching.models import MatchRun, Proposal
from tests import factories as f
from tests.browser.conftest import login, screenshot, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PLACES = [("9000", 51.0543, 3.7174, "Gent"), ("9030", 51.0833, 3.6833, "Mariakerke"),
          ("9050", 51.0167, 3.7500, "Gentbrugge"), ("9820", 51.0000, 3.7500, "Merelbeke")]


def pool(world: World) -> None:
    today = dt.date.today()
    names = [("Fatima", "Benali", ["ar", "nl"]), ("Jan", "De Smet", ["nl"]), ("Olena", "Kovalenko", ["uk"]),
             ("Maria", "Peeters", ["nl", "fr"])]
    for i, (first, last, languages) in enumerate(names):
        code, lat, lon, town = PLACES[i % len(PLACES)]
        f.ParticipantFactory(project=world.project, first_name=first, last_name=last, languages=languages,
                             postcode=code, latitude=lat, longitude=lon, municipality=town,
                             availability=["sat_morning", "wed_afternoon"], interests=["walking", "cooking"],
                             needs={"social": 3, "administration": 2, "housing": 1},
                             waiting_since=today - dt.timedelta(days=60 + 40 * i))
    for i, (first, last) in enumerate([("Sofie", "Claes"), ("Karim", "El Idrissi"), ("Lotte", "Wouters")]):
        code, lat, lon, town = PLACES[(i + 1) % len(PLACES)]
        f.VolunteerFactory(project=world.project, first_name=first, last_name=last,
                           languages=["nl", "ar"] if i == 1 else ["nl", "fr"], postcode=code, latitude=lat,
                           longitude=lon, municipality=town, availability=["sat_morning"],
                           interests=["walking"] if i else ["cooking", "walking"],
                           strengths={"social": 3, "administration": 3 - i, "housing": i})


def test_a_coordinator_runs_the_matcher_and_reviews_the_proposals(
        live_server: Any, context: Any, world: World, monkeypatch: Any) -> None:
    pool(world)
    monkeypatch.setattr(services, "INLINE_MAX_PAIRS", 0)  # this run goes to the task: progress is shown
    page = context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)

    page.goto(f"{live_server.url}/matching/")
    assert page.get_by_role("heading", level=1).inner_text() == "Koppelen: Buddy Gent"
    page.get_by_role("button", name="Start een koppelronde").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Voortgang")).to_be_visible()
    assert serious_axe_violations(page) == []
    run = MatchRun.objects.get()
    assert run.status == MatchRun.Status.QUEUED

    # The worker's part, here in the test's thread; the page polls the API and reloads itself.
    assert tasks.match_run_execute.apply(args=[run.pk]).get() == "done"
    page.get_by_role("heading", name="3 voorstellen").wait_for(timeout=15000)

    first = page.locator("article.proposal").first
    expect(first.get_by_text("Aanvulling op het netwerk")).to_be_visible()
    first.locator("details.alternatives summary").click()
    expect(first.locator("details.alternatives li").first).to_be_visible()
    expect(page.get_by_text("Niet gekoppeld, en waarom")).to_be_visible()
    assert "Olena Kovalenko" in page.locator(".unmatched").inner_text()
    assert "spreekt Oekraïens" in page.locator(".unmatched").inner_text()
    assert serious_axe_violations(page) == []
    screenshot(page, "matching-review")

    last = page.locator("article.proposal").last
    last.get_by_label("Reden om te weigeren").fill("Woont te ver voor een wekelijkse wandeling")
    last.get_by_role("button", name="Weigeren").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().strip() == "Geweigerd."
    assert Proposal.objects.filter(decision="rejected").count() == 1


def test_the_review_page_works_on_a_phone(live_server: Any, phone_context: Any, world: World) -> None:
    pool(world)
    run = services.match_run_start(project=world.project, by=world.coordinator)
    page = phone_context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)

    page.goto(f"{live_server.url}/matching/runs/{run.pk}/")
    page.locator("article.proposal").first.get_by_role("button", name="Aanvaarden").click()
    page.wait_for_load_state()

    assert "Aanvaard" in page.get_by_role("status").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways ({width}px)"
    assert serious_axe_violations(page) == []
    screenshot(page, "matching-review-phone")
