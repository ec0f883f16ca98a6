"""A coordinator's day in a real chromium: intake, waiting list, a concern, closing a duo.

Every page on the way is checked with axe (no serious or critical violations); the dashboard
and the participant page are kept as screenshots under docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from buddynet.records.duos.models import CheckIn, CheckInMode, Duo, DuoStatus
from buddynet.records.people.models import Participant, Volunteer
from tests import factories as f
from tests.browser.conftest import login, screenshot, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def a_lively_project(w: World) -> CheckIn:
    """Enough data that every section of Today shows something; returns an unhandled concern."""
    today = timezone.localdate()
    Participant.objects.filter(duos__isnull=False).update(status=Participant.Status.MATCHED)
    w.duo.started_on = today - dt.timedelta(days=300)
    w.duo.planned_end_on = today + dt.timedelta(days=20)
    w.duo.save()
    for months_ago, mood in ((5, 4), (4, 3), (3, 4), (2, 5), (1, 4)):
        f.CheckInFactory(duo=w.duo, author=w.volunteer_user, date=today - dt.timedelta(days=30 * months_ago + 3),
                         mood=mood, mode=CheckInMode.IN_PERSON, note="Samen naar de markt geweest.")
    concern = f.CheckInFactory(duo=w.duo, author=w.volunteer_user, date=today - dt.timedelta(days=2),
                               concern=True, concern_note="Ze heeft haar huur niet kunnen betalen.",
                               note="Gesprek bij haar thuis.")
    quiet = f.DuoFactory(participant=f.ParticipantFactory(project=w.project, first_name="Jozef", last_name="Maes"),
                         volunteer=f.VolunteerFactory(project=w.project, first_name="Lien", last_name="Wouters"))
    f.CheckInFactory(duo=quiet, author=w.volunteer_user, date=today - dt.timedelta(days=45))
    f.DuoFactory(participant=f.ParticipantFactory(project=w.project, first_name="Rachid", last_name="Benali"),
                 volunteer=f.VolunteerFactory(project=w.project, first_name="Sofie", last_name="Claes"),
                 status=DuoStatus.INTRODUCED, started_on=None, introduced_on=today - dt.timedelta(days=10),
                 proposed_on=today - dt.timedelta(days=20))
    f.ParticipantFactory(project=w.project, first_name="Anna", last_name="De Smet",
                         waiting_since=today - dt.timedelta(days=140))
    f.VolunteerFactory(project=w.project, first_name="Tom", last_name="Peeters", capacity=2)
    f.VolunteerFactory(project=w.project, first_name="Ilse", last_name="Goossens", training_date=None,
                       status=Volunteer.Status.SCREENING)
    return concern


def no_serious_violations(page: Any, where: str) -> None:
    violations = serious_axe_violations(page)
    assert violations == [], f"{where}: {[(v['id'], v['help'], len(v['nodes'])) for v in violations]}"


def test_a_coordinators_day(live_server: Any, context: Any, world: World) -> None:
    concern = a_lively_project(world)
    page = context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)

    # Today: the start page after signing in.
    expect(page.get_by_role("heading", name="Vandaag")).to_be_visible()
    expect(page.get_by_role("heading", name="Duo's die aandacht vragen")).to_be_visible()
    attention = page.locator("section", has=page.get_by_role("heading", name="Duo's die aandacht vragen"))
    assert "1 zorg nog niet opgevolgd" in attention.inner_text()
    assert "Al 45 dagen stil" in attention.inner_text()
    assert "Geen contactmoment sinds de kennismaking" in attention.inner_text()
    no_serious_violations(page, "today")
    screenshot(page, "coordinator-today")

    # Intake of a participant, four short steps.
    page.get_by_role("link", name="Nieuwe deelnemer").click()
    expect(page.get_by_role("heading", name="Intake van een deelnemer")).to_be_visible()
    no_serious_violations(page, "participant intake, step 1")
    page.get_by_role("button", name="Volgende").click()  # empty: every required field says so
    expect(page.get_by_role("alert")).to_be_visible()
    assert "Voornaam: Dit veld is vereist." in page.get_by_role("alert").inner_text()
    no_serious_violations(page, "participant intake, errors")
    page.get_by_label("Voornaam").fill("Nadia")
    page.get_by_label("Achternaam").fill("Amrani")
    page.get_by_label("Postcode").fill("9000")
    page.get_by_text("Gent", exact=True).wait_for()  # the postcode lookup shows the municipality
    page.get_by_role("button", name="Volgende").click()

    page.get_by_label("Arabisch").check()
    page.get_by_label("Nederlands").check()
    page.get_by_label("maandag avond").check()
    page.get_by_label("zaterdag voormiddag").check()
    page.get_by_label("Koken").check()
    no_serious_violations(page, "participant intake, step 2")
    screenshot(page, "coordinator-intake-week")
    page.get_by_role("button", name="Volgende").click()

    page.get_by_label("Sociaal netwerk").select_option("3")
    page.get_by_label("Administratie en rechten").select_option("2")
    no_serious_violations(page, "participant intake, step 3")
    page.get_by_role("button", name="Volgende").click()

    page.get_by_label("Gegevens + netwerkkaart", exact=True).check()
    page.get_by_role("button", name="Intake afronden").click()  # consent not explained yet
    assert "Zonder toestemming kan de intake niet afgerond worden" in page.get_by_role("alert").inner_text()
    assert not Participant.objects.filter(first_name="Nadia", last_name="Amrani").exists()
    no_serious_violations(page, "participant intake, consent refused")
    page.get_by_label("Ik heb uitgelegd wat buddynet bijhoudt").check()
    page.get_by_label("Gegevens + netwerkkaart", exact=True).check()
    page.get_by_role("button", name="Intake afronden").click()

    expect(page.get_by_role("heading", name="Nadia Amrani")).to_be_visible()
    nadia = Participant.objects.get(first_name="Nadia", last_name="Amrani")
    assert (nadia.status, nadia.consent_recorded_by, nadia.municipality) == ("waiting", world.coordinator, "Gent")
    no_serious_violations(page, "new participant page")

    # She is on the waiting list of Today, with how long she waits.
    page.get_by_role("link", name="Vandaag").click()
    waiting = page.locator("section", has=page.get_by_role("heading", name="Deelnemers die wachten op een buddy"))
    assert "Nadia Amrani" in waiting.inner_text()
    assert "Anna De Smet" in waiting.inner_text()
    assert waiting.inner_text().index("Anna De Smet") < waiting.inner_text().index("Nadia Amrani")  # longest first

    # Intake of a volunteer.
    page.get_by_role("link", name="Nieuwe vrijwilliger").click()
    page.get_by_label("Voornaam").fill("Wout")
    page.get_by_label("Achternaam").fill("Vermeulen")
    page.get_by_label("Postcode").fill("9050")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Nederlands").check()
    page.get_by_label("dinsdag avond").check()
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Sociaal netwerk").select_option("3")
    no_serious_violations(page, "volunteer intake, step 3")
    page.get_by_role("button", name="Volgende").click()
    today = timezone.localdate().isoformat()
    page.get_by_label("Intakegesprek op").fill(today)
    page.get_by_label("Uittreksel strafregister (model 2) nagekeken op").fill(today)
    page.get_by_label("Basisvorming gevolgd op").fill(today)
    page.get_by_label("Ik heb de vrijwilliger uitgelegd wat buddynet over hen bijhoudt", exact=False).check()
    page.get_by_label("Vrijwilligersovereenkomst ondertekend op").fill(today)
    no_serious_violations(page, "volunteer intake, screening")
    page.get_by_role("button", name="Intake afronden").click()
    expect(page.get_by_role("heading", name="Wout Vermeulen")).to_be_visible()
    assert Volunteer.objects.get(first_name="Wout", last_name="Vermeulen").status == Volunteer.Status.ACTIVE
    no_serious_violations(page, "volunteer page")
    screenshot(page, "coordinator-volunteer")

    # The lists.
    for name in ("Deelnemers", "Vrijwilligers", "Duo's"):
        page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        no_serious_violations(page, f"list {name}")
    page.get_by_role("navigation").get_by_role("link", name="Deelnemers", exact=True).click()
    page.get_by_role("searchbox", name="Zoeken").fill("nadia")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_role("link", name="Nadia Amrani")).to_be_visible()
    assert page.get_by_role("link", name="Marieke Peeters").count() == 0
    assert "nadia" not in page.url.lower()  # a searched name never enters the address (history, logs)
    expect(page.get_by_role("searchbox", name="Zoeken")).to_have_value("nadia")
    page.get_by_role("button", name="Filters wissen").click()
    expect(page.get_by_role("link", name="Marieke Peeters")).to_be_visible()

    # The concern's own follow-up page: an empty note is refused there, with a message.
    page.goto(f"{live_server.url}/coordinator/contactmomenten/{concern.pk}/zorg-opgevolgd/")
    expect(page.get_by_role("heading", name="Een zorg opvolgen")).to_be_visible()
    no_serious_violations(page, "concern page")
    page.get_by_role("button", name="Markeer als opgevolgd").click()
    expect(page.get_by_role("alert")).to_be_visible()
    no_serious_violations(page, "concern page with errors")
    concern.refresh_from_db()
    assert concern.concern_handled_at is None

    # Handle the concern on Marieke's page.
    page.goto(f"{live_server.url}/coordinator/deelnemers/{world.participant.pk}/")
    expect(page.get_by_text("Ze heeft haar huur niet kunnen betalen.")).to_be_visible()
    no_serious_violations(page, "participant page")
    screenshot(page, "coordinator-participant")
    page.get_by_label("Wat heb je gedaan?").fill("Samen met het OCMW een afbetalingsplan gemaakt.")
    page.get_by_role("button", name="Markeer als opgevolgd").click()
    expect(page.get_by_text("De zorg is gemarkeerd als opgevolgd.")).to_be_visible()
    concern.refresh_from_db()
    assert concern.concern_handled_by == world.coordinator
    assert concern.concern_handled_note == "Samen met het OCMW een afbetalingsplan gemaakt."

    # Close her duo with a reason (after agreeing one more goal).
    page.get_by_role("link", name="Met Bert Janssens").click()
    no_serious_violations(page, "duo page")
    screenshot(page, "coordinator-duo")
    page.get_by_role("link", name="Doel toevoegen").click()
    page.get_by_role("button", name="Doel toevoegen").click()  # nothing chosen: both fields say so
    assert "Beschrijf het doel." in page.get_by_role("alert").inner_text()
    no_serious_violations(page, "goal form with errors")
    page.get_by_label("Levensdomein").select_option("housing")
    page.get_by_label("Doel (verplicht)", exact=True).fill("Samen de huurpremie aanvragen")
    page.get_by_role("button", name="Doel toevoegen").click()
    expect(page.get_by_text("Het doel is toegevoegd.")).to_be_visible()
    # (The description is encrypted at rest: compared after reading, not in the query.)
    assert [g.description for g in world.duo.goals.filter(life_domain="housing")] == ["Samen de huurpremie aanvragen"]
    page.get_by_role("link", name="Duo afsluiten").click()
    page.get_by_role("button", name="Duo afsluiten").click()  # no reason given
    assert "Kies de reden van afsluiten." in page.get_by_role("alert").inner_text()
    no_serious_violations(page, "close form with errors")
    page.get_by_label("Reden van afsluiten").select_option("goals_reached")
    page.get_by_label("Hoe beoordeelt de deelnemer het duo? (1-5)").select_option("5")
    page.get_by_label("Doorverwijzing naar een dienst").check()
    page.get_by_role("button", name="Duo afsluiten").click()
    expect(page.get_by_text("Het duo is afgesloten.")).to_be_visible()
    duo = Duo.objects.get(pk=world.duo.pk)
    assert (duo.status, duo.closure_reason, duo.evaluation_participant, duo.next_step) == (
        "closed", "goals_reached", 5, "referral")
    no_serious_violations(page, "closed duo")

    # The other lifecycle forms, for their accessibility.
    proposed = f.DuoFactory(participant=f.ParticipantFactory(project=world.project, first_name="Karim"),
                            volunteer=f.VolunteerFactory(project=world.project, first_name="Els"),
                            status=DuoStatus.PROPOSED, started_on=None, introduced_on=None,
                            proposed_on=timezone.localdate() - dt.timedelta(days=3))
    page.goto(f"{live_server.url}/coordinator/duos/{proposed.pk}/kennismaking/")
    no_serious_violations(page, "introduce form")
    page.get_by_label("Datum van de kennismaking").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Kennismaking registreren").click()
    expect(page.get_by_text("De kennismaking is genoteerd.")).to_be_visible()
    assert Duo.objects.get(pk=proposed.pk).status == DuoStatus.INTRODUCED
    rachid = Duo.objects.get(participant__first_name="Rachid")
    page.goto(f"{live_server.url}/coordinator/duos/{rachid.pk}/starten/")
    no_serious_violations(page, "activate form")
    jozef = Duo.objects.get(participant__first_name="Jozef")
    page.goto(f"{live_server.url}/coordinator/duos/{jozef.pk}/pauzeren/")
    no_serious_violations(page, "pause form")
    page.get_by_label("Reden van de pauze").fill("Ziekenhuisopname")
    page.get_by_role("button", name="Duo pauzeren").click()
    page.get_by_role("link", name="Duo hervatten").click()
    no_serious_violations(page, "resume form")
    page.get_by_role("button", name="Duo hervatten").click()
    assert Duo.objects.get(pk=jozef.pk).status == DuoStatus.ACTIVE


def test_the_dashboard_on_a_tablet(live_server: Any, browser: Any, world: World) -> None:
    a_lively_project(world)
    context = browser.new_context(locale="nl-BE", viewport={"width": 820, "height": 1180}, has_touch=True,
                                  service_workers="block")
    try:
        page = context.new_page()
        login(page, live_server, world.coordinator.email, f.PASSWORD)
        expect(page.get_by_role("heading", name="Vandaag")).to_be_visible()
        no_serious_violations(page, "today on a tablet")
        screenshot(page, "coordinator-today-tablet")
    finally:
        context.close()


def test_today_and_the_participant_page_fit_a_phone(live_server: Any, phone_context: Any, world: World) -> None:
    a_lively_project(world)
    waiting = Participant.objects.get(first_name="Anna", last_name="De Smet")
    # A long e-mail address and referrer (no break point in the address): the profile's facts once made
    # this page 499 px wide.
    Participant.objects.filter(pk=waiting.pk).update(
        status=Participant.Status.WAITING, email="anna.de.smet.vanderbeken@voorbeeld-ocmw.be",
        referred_by="OCMW Gent, dienst schuldbemiddeling en budgetbeheer")
    page = phone_context.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    for path, name in (("", "today"), (f"deelnemers/{world.participant.pk}/", "participant"),
                       (f"deelnemers/{waiting.pk}/", "participant waiting for a buddy")):
        if path:
            # Twice: the second view lists the first under "Who looked at this record", a table whose
            # e-mail addresses made the page 470 px wide before coordinator.css let them break.
            page.goto(f"{live_server.url}/coordinator/{path}")
            page.goto(f"{live_server.url}/coordinator/{path}")
            expect(page.locator("table.reads tbody tr").first).to_be_visible()
        # Nothing sticks out sideways at 360 px (tables scroll inside their own box).
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        no_serious_violations(page, f"{name} on a phone")
    screenshot(page, "coordinator-participant-phone")
