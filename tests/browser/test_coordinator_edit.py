"""Issue 17 in a real chromium at 1366×768, nl-BE: a coordinator edits a participant and a volunteer
on buddynet's own pages and sees every change back; Enter on every intake step means "Next" and
"Back" keeps what was typed. axe finds no serious violation on the new pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from buddynet.records.people.models import Participant
from tests import factories as f
from tests.browser.conftest import close_when_idle, login, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def laptop(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(locale="nl-BE", viewport={"width": 1366, "height": 768}, service_workers="block")
    yield ctx
    close_when_idle(ctx)


def no_serious_violations(page: Any, where: str) -> None:
    violations = serious_axe_violations(page)
    assert violations == [], f"{where}: {[(v['id'], v['help'], len(v['nodes'])) for v in violations]}"


def test_a_coordinator_edits_every_field_of_a_participant_and_a_volunteer(
    live_server: Any, laptop: Any, world: World
) -> None:
    page = laptop.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/coordinator/deelnemers/{world.participant.pk}/")
    page.get_by_role("link", name="Bewerken", exact=True).click()
    expect(page.get_by_role("heading", name="Marieke Peeters bewerken")).to_be_visible()
    no_serious_violations(page, "participant edit page")

    page.get_by_label("Voornaam").fill("Marie")
    page.get_by_label("Achternaam").fill("Peeters-Claes")
    page.get_by_label("Gender", exact=True).select_option("f")
    page.get_by_label("E-mailadres").fill("marie@example.be")
    page.get_by_label("Hoe verplaatst die persoon zich?").select_option("bike")
    page.get_by_label("Gewenst gender van de andere persoon").select_option("f")
    page.get_by_label("Gewenste leeftijd tot").fill("60")
    expect(page.get_by_label("Status", exact=True)).to_have_value("waiting")
    page.get_by_label("Geboortejaar").fill("1982")
    page.get_by_label("Telefoon").fill("0470 11 22 33")
    page.get_by_label("Postcode").fill("2000")
    page.get_by_text("Antwerpen", exact=True).wait_for()
    page.get_by_label("Doorverwezen door").fill("CAW Antwerpen")
    page.get_by_label("Frans").check()
    page.get_by_label("Er is een tolk geregeld").check()
    page.get_by_label("dinsdag avond").check()
    page.get_by_label("zaterdag voormiddag").uncheck()
    page.get_by_label("Muziek").check()
    page.get_by_label("Wonen", exact=True).select_option("3")
    page.get_by_label("Gewenste leeftijd vanaf").fill("30")
    page.get_by_label("Notities").fill("Liever in de namiddag.")
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_role("heading", name="Marie Peeters-Claes")).to_be_visible()
    assert "zijn opgeslagen" in page.get_by_role("status").first.inner_text()
    profile = page.locator("section", has=page.get_by_role("heading", name="Profiel")).inner_text()
    for shown in ("2000 Antwerpen", "1982", "Frans", "tolk geregeld", "Muziek", "CAW Antwerpen",
                  "0470 11 22 33", "Liever in de namiddag."):
        assert shown in profile, shown
    assert "30" in profile
    p = Participant.objects.get(pk=world.participant.pk)
    assert p.needs["housing"] == 3 and "tue_evening" in p.availability and "sat_morning" not in p.availability
    assert (p.last_name, p.gender, p.email, p.mobility, p.gender_preference, p.preferred_age_max, p.status) == (
        "Peeters-Claes", "f", "marie@example.be", "bike", "f", 60, "waiting")
    assert p.interpreter_arranged and "fr" in p.languages and "music" in p.interests

    # An error keeps every typed value and says what is wrong, in Dutch.
    page.get_by_role("link", name="Bewerken", exact=True).click()
    page.get_by_label("Postcode").fill("0001")
    page.get_by_label("Voornaam").fill("Mia")
    page.get_by_role("button", name="Opslaan").click()
    assert "Onbekende Belgische postcode: 0001." in page.get_by_role("alert").inner_text()
    expect(page.get_by_label("Voornaam")).to_have_value("Mia")
    no_serious_violations(page, "participant edit page with errors")
    assert Participant.objects.get(pk=world.participant.pk).first_name == "Marie"

    # The volunteer.
    page.goto(f"{live_server.url}/coordinator/vrijwilligers/{world.volunteer.pk}/")
    page.get_by_role("link", name="Bewerken", exact=True).click()
    no_serious_violations(page, "volunteer edit page")
    page.get_by_label("Voornaam").fill("Bart")
    page.get_by_label("Achternaam").fill("Jansen")
    page.get_by_label("Geboortejaar").fill("1975")
    page.get_by_label("Gender", exact=True).select_option("m")
    page.get_by_label("E-mailadres").fill("bart@example.be")
    page.get_by_label("Telefoon").fill("0470 99 88 77")
    page.get_by_label("Postcode").fill("9050")
    page.get_by_label("Hoe verplaatst die persoon zich?").select_option("car")
    page.get_by_label("Gewenst gender van de andere persoon").select_option("m")
    page.get_by_label("Gewenste leeftijd vanaf").fill("20")
    page.get_by_label("Gewenste leeftijd tot").fill("70")
    page.get_by_label("Notities").fill("Kookt graag.")
    today = timezone.localdate()
    page.get_by_label("Intakegesprek op").fill((today - dt.timedelta(days=60)).isoformat())
    page.get_by_label("Uittreksel strafregister (model 2) nagekeken op").fill(
        (today - dt.timedelta(days=30)).isoformat())
    page.get_by_label("Ik heb de vrijwilliger uitgelegd").check()
    page.get_by_label("Vrijwilligersovereenkomst ondertekend op").fill((today - dt.timedelta(days=20)).isoformat())
    page.get_by_label("Status", exact=True).select_option("paused")
    page.get_by_label("Engels").check()
    page.get_by_label("Sport").check()
    page.get_by_label("woensdag namiddag").check()
    page.get_by_label("Werk", exact=True).select_option("2")
    page.get_by_label("Aantal duo's tegelijk").fill("2")
    page.get_by_label("Maximale verplaatsing (km)").fill("15")
    page.get_by_label("Basisvorming gevolgd op").fill("2025-10-01")
    page.get_by_label("Basisvorming gevolgd op").press("Enter")  # Enter saves

    expect(page.get_by_role("heading", name="Bart Jansen")).to_be_visible()
    text = page.locator("main").inner_text()
    for shown in ("Engels", "Sport", "1 lopend van 2", "15 km", "Neemt pauze"):
        assert shown in text, shown
    world.volunteer.refresh_from_db()
    assert world.volunteer.strengths.get("work") == 2 and "wed_afternoon" in world.volunteer.availability
    assert world.volunteer.training_date.isoformat() == "2025-10-01"
    v = world.volunteer
    assert (v.first_name, v.birth_year, v.gender, v.email, v.phone, v.postcode, v.mobility, v.notes) == (
        "Bart", 1975, "m", "bart@example.be", "0470 99 88 77", "9050", "car", "Kookt graag.")
    assert (v.gender_preference, v.preferred_age_min, v.preferred_age_max, v.status) == ("m", 20, 70, "paused")
    assert v.intake_date == today - dt.timedelta(days=60)
    assert v.criminal_record_checked_on == today - dt.timedelta(days=30)
    assert v.agreement_signed_on == today - dt.timedelta(days=20) and v.privacy_informed_on == today


def test_enter_on_every_intake_step_means_next_and_back_keeps_the_data(
    live_server: Any, laptop: Any, world: World
) -> None:
    page = laptop.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/coordinator/projecten/{world.project.pk}/deelnemers/intake/")

    page.get_by_label("Voornaam").fill("Nadia")
    page.get_by_label("Achternaam").fill("Amrani")
    page.get_by_label("Postcode").fill("9000")
    page.get_by_label("Postcode").press("Enter")
    expect(page.get_by_role("heading", name="Talen, tijd en interesses")).to_be_visible()

    page.get_by_label("Nederlands").check()
    page.get_by_label("maandag avond").check()
    page.get_by_label("Koken").press("Enter")  # Enter on a checkbox submits too
    expect(page.get_by_role("heading", name="Noden en voorkeuren")).to_be_visible()

    page.get_by_label("Sociaal netwerk").select_option("3")
    page.get_by_label("Wonen", exact=True).select_option("2")
    page.get_by_label("Gewenste leeftijd vanaf").fill("30")
    page.get_by_label("Gewenste leeftijd tot").fill("50")
    page.get_by_label("Gewenste leeftijd tot").press("Enter")  # the reported bug: this went back
    expect(page.get_by_role("heading", name="Toestemming")).to_be_visible()

    # Back and forward again: step 3 is as it was typed.
    page.get_by_role("button", name="Terug").click()
    expect(page.get_by_label("Sociaal netwerk")).to_have_value("3")
    expect(page.get_by_label("Wonen", exact=True)).to_have_value("2")
    expect(page.get_by_label("Gewenste leeftijd vanaf")).to_have_value("30")
    expect(page.get_by_label("Gewenste leeftijd tot")).to_have_value("50")
    no_serious_violations(page, "intake step 3 after Back")
    # Back from step 3 with a change that was not sent with Next: kept too.
    page.get_by_label("Gewenste leeftijd tot").fill("55")
    page.get_by_role("button", name="Terug").click()
    expect(page.get_by_label("Nederlands")).to_be_checked()
    expect(page.get_by_label("maandag avond")).to_be_checked()
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_label("Gewenste leeftijd tot")).to_have_value("55")
    page.get_by_label("Gewenste leeftijd tot").press("Enter")

    page.get_by_label("Ik heb uitgelegd wat buddynet bijhoudt").check()
    page.get_by_label("Gegevens + netwerkkaart", exact=True).check()
    page.get_by_label("Toestemming gegeven op").fill(timezone.localdate().isoformat())
    page.get_by_label("Toestemming gegeven op").press("Enter")
    expect(page.get_by_role("heading", name="Nadia Amrani")).to_be_visible()
    nadia = Participant.objects.get(first_name="Nadia", last_name="Amrani")
    assert nadia.needs == {"social": 3, "housing": 2}
    assert (nadia.preferred_age_min, nadia.preferred_age_max) == (30, 55)
    assert nadia.languages == ["nl"] and nadia.availability == ["mon_evening"]


def test_every_coordinator_page_keeps_the_menu_and_errors_lead_home(
    live_server: Any, laptop: Any, world: World
) -> None:
    page = laptop.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    for path in (f"/coordinator/projecten/{world.project.pk}/", f"/coordinator/deelnemers/{world.participant.pk}/",
                 "/netwerk/", f"/netwerk/deelnemers/{world.participant.pk}/",
                 f"/matching/projecten/{world.project.pk}/", "/meldingen/", "/financiering/subsidies/"):
        page.goto(f"{live_server.url}{path}")
        menu = page.get_by_role("navigation", name="Hoofdmenu")
        for item in ("Vandaag", "Deelnemers", "Vrijwilligers", "Duo's", "Matching", "Netwerkkaarten",
                     "Financiering"):
            expect(menu.get_by_role("link", name=item, exact=True)).to_be_visible()

    page.goto(f"{live_server.url}/coordinator/deelnemers/999999/")
    expect(page.get_by_role("heading", name="Pagina niet gevonden")).to_be_visible()
    no_serious_violations(page, "404 page")
    page.get_by_role("link", name="Naar je startpagina").click()
    expect(page.get_by_role("heading", name="Vandaag")).to_be_visible()

    volunteer_page = laptop.new_page()
    volunteer_page.context.clear_cookies()
    login(volunteer_page, live_server, world.volunteer_user.email, f.PASSWORD)
    volunteer_page.goto(f"{live_server.url}/coordinator/projecten/{world.project.pk}/")
    expect(volunteer_page.get_by_role("heading", name="Geen toegang")).to_be_visible()
    expect(volunteer_page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn duo's")
           ).to_be_visible()
    no_serious_violations(volunteer_page, "403 page")
    volunteer_page.get_by_role("link", name="Naar je startpagina").click()
    volunteer_page.wait_for_url(f"{live_server.url}/mijn/")
    response = volunteer_page.request.get(f"{live_server.url}/favicon.ico")
    assert response.status == 200


def test_enter_on_every_volunteer_intake_step_means_next_and_goals_change_on_the_duo_page(
    live_server: Any, laptop: Any, world: World
) -> None:
    page = laptop.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/coordinator/projecten/{world.project.pk}/vrijwilligers/intake/")

    page.get_by_label("Voornaam").fill("Sofie")
    page.get_by_label("Achternaam").fill("Maes")
    page.get_by_label("Postcode").fill("9000")
    page.get_by_label("Postcode").press("Enter")
    expect(page.get_by_role("heading", name="Talen, tijd en interesses")).to_be_visible()
    page.get_by_label("Nederlands").check()
    page.get_by_label("woensdag avond").check()
    page.get_by_label("Wandelen").press("Enter")
    expect(page.get_by_role("heading", name="Sterktes en voorkeuren")).to_be_visible()
    page.get_by_label("Administratie en rechten").select_option("3")
    page.get_by_label("Maximale verplaatsing (km)").fill("12")
    page.get_by_label("Maximale verplaatsing (km)").press("Enter")
    expect(page.get_by_role("heading", name="Screening", exact=True)).to_be_visible()
    page.get_by_role("button", name="Terug").click()  # Back keeps step 3
    expect(page.get_by_label("Administratie en rechten")).to_have_value("3")
    expect(page.get_by_label("Maximale verplaatsing (km)")).to_have_value("12")
    page.get_by_label("Maximale verplaatsing (km)").press("Enter")
    page.get_by_label("Intakegesprek op").fill(timezone.localdate().isoformat())
    page.get_by_label("Ik heb de vrijwilliger uitgelegd").check()
    page.get_by_label("Intakegesprek op").press("Enter")
    expect(page.get_by_role("heading", name="Sofie Maes")).to_be_visible()
    from buddynet.records.people.models import Volunteer

    sofie = Volunteer.objects.get(first_name="Sofie", last_name="Maes")
    assert sofie.strengths == {"administration": 3} and sofie.max_travel_km == 12
    assert sofie.availability == ["wed_evening"] and sofie.interests == [] and sofie.languages == ["nl"]

    # A goal is reached: marked on the duo page, no back office.
    page.goto(f"{live_server.url}/coordinator/duos/{world.duo.pk}/")
    page.get_by_role("link", name=f"Doel “{world.goal.description}” wijzigen").click()
    expect(page.get_by_role("heading", name="Doel wijzigen")).to_be_visible()
    no_serious_violations(page, "goal edit page")
    page.get_by_label("Status").select_option("achieved")
    page.locator("#id_description").press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Het doel is opgeslagen.")
    world.goal.refresh_from_db()
    assert world.goal.status == "achieved"
