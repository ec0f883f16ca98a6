"""The volunteer's phone pages in a real chromium at 360 × 640: sign in, My duos, log a
check-in with a worry and a new contact, the coordinator sees both; offline logging with the
IndexedDB outbox, sent by the page or by the service worker's Background Sync; another
volunteer's duo is 404; bad input; magic link; axe on every page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from buddynet.records.duos.models import CheckIn
from tests import factories as f
from tests.browser.conftest import PHONE, close_when_idle, login, screenshot, serious_axe_violations
from tests.conftest import World

# After today and inside the plausible window (buddynet/validators.py): the rule about the future answers.
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _phone(browser: Any, service_workers: str) -> Any:
    return browser.new_context(locale="nl-BE", viewport=PHONE, has_touch=True, is_mobile=True,
                               device_scale_factor=2, service_workers=service_workers)


@pytest.fixture
def phone_context(browser: Any) -> Iterator[Any]:
    """The shared phone context, without the service worker: its background pre-caching would
    still be talking to the live server while the test database is flushed."""
    ctx = _phone(browser, "block")
    yield ctx
    close_when_idle(ctx)


@pytest.fixture
def pwa_phone(browser: Any) -> Iterator[Any]:
    """A phone with the service worker (the offline test)."""
    ctx = _phone(browser, "allow")
    yield ctx
    ctx.set_offline(True)  # the worker's last background fetches fail here, not in the flush
    ctx.close()


def sign_in_volunteer(page: Any, live_server: Any, world: World) -> None:
    login(page, live_server, world.volunteer_user.email, f.PASSWORD)
    assert page.url.endswith("/mijn/"), page.url


def new_check_ins(world: World) -> Any:
    return CheckIn.objects.exclude(pk=world.check_in.pk)


def no_serious_axe(page: Any) -> None:
    violations = serious_axe_violations(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def worker_ready(page: Any) -> None:
    """The service worker controls the page and has stored the pages it pre-caches."""
    # Polled with evaluate(): wait_for_function evaluates a string with eval(), which the
    # pages' Content-Security-Policy (rightly) refuses.
    wait_until(page, "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    wait_until(page, """async () => {
        const c = await caches.open('bn-pages-v1');
        return (await c.keys()).some(r => r.url.includes('/mijn/contact/'));
    }""")


def wait_until(page: Any, predicate: str, timeout_ms: int = 15000) -> None:
    """Poll a JavaScript predicate until it holds (fails the test after timeout_ms)."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(predicate):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {predicate}")


def test_sign_in_log_a_worry_and_a_new_contact_and_the_coordinator_sees_both(
        live_server: Any, phone_context: Any, context: Any, world: World) -> None:
    world.volunteer_user.full_name = "Bert Janssens"
    world.volunteer_user.save()
    page = phone_context.new_page()
    page.goto(f"{live_server.url}/aanmelden/")
    no_serious_axe(page)
    screenshot(page, "volunteer-0-sign-in")

    sign_in_volunteer(page, live_server, world)
    card = page.get_by_role("article", name="Marieke")
    expect(card).to_be_visible()
    assert "Peeters" not in page.content()
    expect(page.get_by_text(world.goal.description)).to_be_visible()
    no_serious_axe(page)
    screenshot(page, "volunteer-1-my-duos")

    # The common case in taps: Contact loggen, 1 uur, a chip, a face, Opslaan (+ here the worry
    # and the new contact).
    page.get_by_role("link", name="Contact loggen met Marieke").click()
    page.wait_for_url("**/mijn/contact/**")
    assert page.get_by_label("Marieke").is_checked()  # the only duo, preselected
    assert page.get_by_label("Persoonlijk", exact=True).is_checked()
    assert page.get_by_label("Wanneer?").input_value() == timezone.localdate().isoformat()
    page.get_by_text("1 uur", exact=True).click()
    page.get_by_text("Wandeling", exact=True).click()
    page.get_by_text("Goed", exact=True).click()
    page.get_by_text("Ik maak me zorgen").click()
    page.get_by_label("Waarover maak je je zorgen? Alleen de coördinator leest dit.").fill(
        "Ze heeft al twee weken niet gegeten met anderen.")
    page.get_by_text("We leerden iemand nieuw kennen").click()
    page.get_by_label("Wie? (een voornaam of een rol)").fill("Buurvrouw Anna")
    page.get_by_label("Wat voor contact?").select_option("neighbour")
    page.get_by_label("Welk levensdomein?", exact=True).select_option("social")
    no_serious_axe(page)
    screenshot(page, "volunteer-2-check-in-form")
    page.get_by_role("button", name="Opslaan").click()

    page.wait_for_url(f"**/mijn/duo/{world.duo.pk}/")
    expect(page.get_by_role("heading", name="Jouw duo met Marieke")).to_be_visible()
    expect(page.get_by_text("Bedankt! Je contact is bewaard.")).to_be_visible()
    expect(page.get_by_text("Zorg gedeeld met de coördinator")).to_be_visible()
    expect(page.get_by_text("Nieuw contact: Buurvrouw Anna (Buur)")).to_be_visible()
    no_serious_axe(page)
    screenshot(page, "volunteer-3-saved-history")
    stored = new_check_ins(world).get()
    assert (stored.duration_minutes, stored.activities, stored.mood, stored.concern) == (60, ["walk"], 4, True)

    # The coordinator signs in (desktop, own session, two-factor step included) and finds both
    # on the duo's page.
    desk = context.new_page()
    login(desk, live_server, world.coordinator.email, f.PASSWORD)
    desk.goto(f"{live_server.url}/coordinator/duos/{world.duo.pk}/")
    expect(desk.get_by_role("heading", name="Duo Marieke & Bert")).to_be_visible()
    entry = desk.locator(f"#check-in-{stored.pk}")
    expect(entry.get_by_text("Zorg, nog niet opgevolgd")).to_be_visible()
    expect(entry.get_by_text("Ze heeft al twee weken niet gegeten met anderen.")).to_be_visible()
    expect(entry.locator(".new-contact")).to_have_text(
        "Nieuw contact via de buddy Buurvrouw Anna (Buur, levensdomein: Sociaal netwerk)")
    no_serious_axe(desk)
    screenshot(desk, "volunteer-4-coordinator-sees-concern-and-contact")


def test_offline_two_check_ins_are_kept_then_sent_once(live_server: Any, pwa_phone: Any, world: World) -> None:
    phone_context = pwa_phone
    page = phone_context.new_page()
    sign_in_volunteer(page, live_server, world)
    worker_ready(page)
    page.goto(f"{live_server.url}/mijn/contact/?duo={world.duo.pk}")

    phone_context.set_offline(True)
    for n, (preset, chip) in enumerate((("30 min", "Babbel / koffie"), ("2 uur", "Wandeling")), start=1):
        page.get_by_text(preset, exact=True).click()
        page.get_by_text(chip, exact=True).click()
        page.get_by_role("button", name="Opslaan").click()
        page.locator("#outbox-list li").nth(n - 1).wait_for()
        expect(page.get_by_text("Bewaard op je telefoon, nog niet verzonden.")).to_be_visible()
        assert not page.get_by_text(chip, exact=True).locator("xpath=..").locator("input").is_checked()  # reset
    outbox = page.locator("#outbox-list li")
    assert outbox.count() == 2
    assert page.locator("#outbox-list").get_by_text("nog niet verzonden").count() == 2
    screenshot(page, "volunteer-5-offline-not-sent")
    assert new_check_ins(world).count() == 0

    page.reload()  # offline: the worker's copy of the page, the outbox from IndexedDB
    expect(page.get_by_role("heading", name="Contact loggen")).to_be_visible()
    expect(page.get_by_text("Je bent offline")).to_be_visible()
    page.locator("#outbox-list li").nth(1).wait_for()
    assert page.locator("#outbox-list li").count() == 2
    # A visited page opens offline; one never visited gets the offline page, not an error.
    page.goto(f"{live_server.url}/mijn/duo/{world.duo.pk}/")
    expect(page.get_by_role("heading", name="Jouw duo met Marieke")).to_be_visible()
    page.goto(f"{live_server.url}/mijn/dagen/?never-visited=1")
    expect(page.get_by_role("heading", name="Geen verbinding")).to_be_visible()
    no_serious_axe(page)
    page.goto(f"{live_server.url}/mijn/contact/?duo={world.duo.pk}")
    page.locator("#outbox-list li").nth(1).wait_for()
    queued = page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('buddynet-volunteer');
        open.onsuccess = () => {
            const req = open.result.transaction('outbox').objectStore('outbox').getAll();
            req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error);
        };
    })""")
    assert len(queued) == 2
    # Only what the volunteer typed (no CSRF token), under a client UUID.
    assert all("csrfmiddlewaretoken" not in dict(e["fields"]) for e in queued)

    phone_context.set_offline(False)  # the "online" event sends the outbox
    page.locator("#outbox").wait_for(state="hidden")
    assert sorted(new_check_ins(world).values_list("duration_minutes", flat=True)) == [30, 120]
    assert {str(u) for u in new_check_ins(world).values_list("client_uuid", flat=True)} == {
        e["client_uuid"] for e in queued}

    # Sync again: the same entries sent once more (a phone that never heard the answer).
    statuses = page.evaluate("""async (entries) => {
        const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
        const out = [];
        for (const e of entries) {
            const body = new URLSearchParams(e.fields); body.set('client_uuid', e.client_uuid);
            const r = await fetch('/mijn/contact/', {method: 'POST', body,
                headers: {'Accept': 'application/json', 'X-CSRFToken': token}});
            out.push(r.status);
        }
        return out;
    }""", queued)
    assert statuses == [200, 200]
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert new_check_ins(world).count() == 2


OUTBOX_ENTRIES = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('buddynet-volunteer');
    open.onsuccess = () => {
        const req = open.result.transaction('outbox').objectStore('outbox').getAll();
        req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error);
    };
})"""
SYNC_TAGS = "async () => (await navigator.serviceWorker.ready).sync.getTags()"


def save_offline(page: Any, preset: str, chip: str, n: int) -> None:
    page.get_by_text(preset, exact=True).click()
    page.get_by_text(chip, exact=True).click()
    page.get_by_role("button", name="Opslaan").click()
    page.locator("#outbox-list li").nth(n - 1).wait_for()


def _count_while_the_server_writes(queryset: Any) -> int:
    """SQLite's in-memory test database is shared with the live server's thread through a shared
    cache, which answers "table is locked" at once (no busy wait) while the server's check-in
    transaction is open: read again on the next poll. PostgreSQL never does this."""
    from django.db import OperationalError

    try:
        return int(queryset.count())
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return -1


def test_saving_offline_registers_a_background_sync_that_sends_the_outbox_after_the_page_is_closed(
        live_server: Any, pwa_phone: Any, world: World) -> None:
    page = pwa_phone.new_page()
    sign_in_volunteer(page, live_server, world)
    worker_ready(page)
    page.goto(f"{live_server.url}/mijn/contact/?duo={world.duo.pk}")
    assert page.evaluate(SYNC_TAGS) == []

    pwa_phone.set_offline(True)
    save_offline(page, "30 min", "Babbel / koffie", 1)
    wait_until(page, f"async () => (await ({SYNC_TAGS})()).includes('checkins')")
    save_offline(page, "2 uur", "Wandeling", 2)
    queued = page.evaluate(OUTBOX_ENTRIES)
    assert len(queued) == 2 and all("csrfmiddlewaretoken" not in dict(e["fields"]) for e in queued)
    assert page.evaluate(SYNC_TAGS) == ["checkins"]  # one sync for the whole outbox
    assert new_check_ins(world).count() == 0

    # No volunteer page open any more (so no "online" event, no page load): only the service
    # worker's sync can send the outbox when the connection returns.
    page.close()
    waiter = pwa_phone.new_page()  # about:blank, outside the worker's scope: only a clock here
    pwa_phone.set_offline(False)
    for _ in range(150):
        if _count_while_the_server_writes(new_check_ins(world)) >= 2:
            break
        waiter.wait_for_timeout(100)
    assert sorted(new_check_ins(world).values_list("duration_minutes", flat=True)) == [30, 120]
    assert {str(u) for u in new_check_ins(world).values_list("client_uuid", flat=True)} == {
        e["client_uuid"] for e in queued}

    # Sent, so gone from the phone, and the sync is done; a page opened now sends nothing twice.
    page = pwa_phone.new_page()
    page.goto(f"{live_server.url}/mijn/contact/?duo={world.duo.pk}")
    wait_until(page, f"async () => (await ({OUTBOX_ENTRIES})()).length === 0")
    assert page.evaluate(SYNC_TAGS) == []
    expect(page.locator("#outbox")).to_be_hidden()
    assert new_check_ins(world).count() == 2


def test_the_worker_leaves_another_volunteers_entries_on_a_shared_phone(
        live_server: Any, pwa_phone: Any, world: World) -> None:
    page = pwa_phone.new_page()
    sign_in_volunteer(page, live_server, world)
    worker_ready(page)
    page.goto(f"{live_server.url}/mijn/contact/?duo={world.duo.pk}")
    pwa_phone.set_offline(True)
    # Left on this phone by the other volunteer, who signed out before it was sent.
    foreign = {"client_uuid": "3f0c5a0e-8d5b-4c1e-9a51-2b7d4c6e8f10", "user": str(world.other_volunteer_user.pk),
               "saved_at": "2026-01-01T10:00:00.000Z", "duo_label": "", "date": timezone.localdate().isoformat(),
               "fields": [["duo", str(world.other_duo.pk)], ["date", timezone.localdate().isoformat()],
                          ["duration", "60"], ["mode", "in_person"], ["activities", "talk"], ["mood", "4"]]}
    page.evaluate("""(entry) => new Promise((resolve, reject) => {
        const open = indexedDB.open('buddynet-volunteer');
        open.onsuccess = () => {
            const tx = open.result.transaction('outbox', 'readwrite');
            tx.objectStore('outbox').put(entry); tx.oncomplete = resolve; tx.onerror = () => reject(tx.error);
        };
    })""", foreign)
    save_offline(page, "30 min", "Babbel / koffie", 1)  # only the signed-in volunteer's entry is shown
    wait_until(page, f"async () => (await ({SYNC_TAGS})()).includes('checkins')")

    page.close()
    waiter = pwa_phone.new_page()
    pwa_phone.set_offline(False)
    for _ in range(150):
        if new_check_ins(world).exists():
            break
        waiter.wait_for_timeout(100)
    page = pwa_phone.new_page()
    page.goto(f"{live_server.url}/mijn/offline/")  # its own outbox code only ever sends its own user's entries
    wait_until(page, f"async () => (await ({SYNC_TAGS})()).length === 0")

    assert list(new_check_ins(world).values_list("duo_id", "duration_minutes")) == [(world.duo.pk, 30)]
    left = page.evaluate(OUTBOX_ENTRIES)
    assert [(e["client_uuid"], e.get("refused")) for e in left] == [(foreign["client_uuid"], None)]


def test_a_volunteer_cannot_open_another_volunteers_duo_even_by_guessing(
        live_server: Any, phone_context: Any, world: World) -> None:
    page = phone_context.new_page()
    login(page, live_server, world.other_volunteer_user.email, f.PASSWORD)

    for pk in (world.duo.pk, world.duo.pk + 1000, world.other_duo.pk + 1):
        response = page.goto(f"{live_server.url}/mijn/duo/{pk}/")
        assert response.status == 404
    response = page.goto(f"{live_server.url}/mijn/contact/{world.check_in.pk}/")
    assert response.status == 404
    assert page.goto(f"{live_server.url}/mijn/duo/{world.other_duo.pk}/").status == 200
    page.goto(f"{live_server.url}/mijn/contact/")
    assert page.get_by_label("Marieke").count() == 0


@pytest.mark.parametrize(("fill", "message"), [
    ({"duration_other": "0"}, "De duur moet tussen 1 en 720 minuten liggen."),
    ({"duration_other": "2000"}, "De duur moet tussen 1 en 720 minuten liggen."),
    ({"date": NEXT_YEAR, "duration_other": "30"}, "De datum ligt in de toekomst."),
    ({"duration_other": "30", "no_duo": True}, "Kies de buddy met wie je contact had."),
])
def test_bad_input_shows_a_clear_message_and_saves_nothing(
        live_server: Any, phone_context: Any, world: World, fill: dict[str, Any], message: str) -> None:
    if fill.get("no_duo"):  # with two duos nothing is preselected
        world.volunteer.capacity = 2
        world.volunteer.save()
        f.DuoFactory(participant=f.ParticipantFactory(project=world.project, first_name="Jozef"),
                     volunteer=world.volunteer)
    page = phone_context.new_page()
    sign_in_volunteer(page, live_server, world)
    page.goto(f"{live_server.url}/mijn/contact/")
    if "date" in fill:
        page.get_by_label("Wanneer?").fill(fill["date"])
    page.get_by_label("Of het aantal minuten").fill(fill["duration_other"])
    page.get_by_role("button", name="Opslaan").click()

    summary = page.get_by_role("alert").filter(has_text="Kijk de aangeduide velden hieronder na.")
    summary.wait_for()
    expect(summary.get_by_text(message)).to_be_visible()
    expect(page.locator(".errorlist:not([hidden])").get_by_text(message)).to_be_visible()
    expect(page.locator("#outbox")).to_be_hidden()
    assert new_check_ins(world).count() == 0
    no_serious_axe(page)
    if fill["duration_other"] == "0":
        screenshot(page, "volunteer-6-bad-input")


def test_the_other_pages_have_no_serious_accessibility_violations(
        live_server: Any, phone_context: Any, world: World) -> None:
    world.duo.next_meeting_on = timezone.localdate() + dt.timedelta(days=2)
    world.duo.save()
    mine = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=timezone.localdate(), note="Koffie")
    page = phone_context.new_page()
    sign_in_volunteer(page, live_server, world)

    page.goto(f"{live_server.url}/mijn/duo/{world.duo.pk}/")
    no_serious_axe(page)
    page.get_by_label("Datum van de volgende afspraak").fill((timezone.localdate() + dt.timedelta(days=9)).isoformat())
    page.get_by_role("button", name="Afspraak bewaren").click()
    expect(page.get_by_text("De volgende afspraak is bewaard.")).to_be_visible()
    screenshot(page, "volunteer-7-duo-and-next-meeting")
    world.duo.refresh_from_db()
    assert world.duo.next_meeting_on == timezone.localdate() + dt.timedelta(days=9)

    page.goto(f"{live_server.url}/mijn/contact/{mine.pk}/")
    expect(page.get_by_role("heading", name="Contact met Marieke bewerken")).to_be_visible()
    no_serious_axe(page)
    # Past the 48 hours: the page that says so, with a 403.
    CheckIn.objects.filter(pk=mine.pk).update(created_at=timezone.now() - dt.timedelta(hours=49))
    response = page.goto(f"{live_server.url}/mijn/contact/{mine.pk}/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Dit contact kan niet meer bewerkt worden")).to_be_visible()
    no_serious_axe(page)

    page.goto(f"{live_server.url}/mijn/dagen/")
    page.get_by_role("button", name="Ik was vandaag vrijwilliger").click()
    expect(page.get_by_text("is aangeduid als vrijwilligersdag")).to_be_visible()
    no_serious_axe(page)
    screenshot(page, "volunteer-8-days")

    page.goto(f"{live_server.url}/mijn/offline/")
    no_serious_axe(page)


def test_a_magic_link_by_email_signs_in_with_one_tap(live_server: Any, phone_context: Any, world: World) -> None:
    page = phone_context.new_page()
    page.goto(f"{live_server.url}/aanmelden/")
    page.get_by_role("link", name="Geen wachtwoord? Ontvang een aanmeldlink per e-mail").click()
    expect(page.get_by_role("button", name="Mail mij een link")).to_be_visible()
    no_serious_axe(page)  # the request form
    page.get_by_label("E-mailadres").fill(world.volunteer_user.email)
    page.get_by_role("button", name="Mail mij een link").click()
    expect(page.get_by_text("Als dit adres bij ons bekend is")).to_be_visible()
    no_serious_axe(page)
    screenshot(page, "volunteer-9-magic-link-sent")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/mijn/link/open/\?sesame=\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    assert page.url.endswith("/mijn/")
    expect(page.get_by_role("heading", name="Mijn duo's")).to_be_visible()
    page.goto(link)  # used once: refused
    expect(page.get_by_text("Deze link is verlopen of al gebruikt.")).to_be_visible()
    no_serious_axe(page)  # the expired-link page


class TapCounter:
    """Clicks through this wrapper, so the test counts the taps it really made."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator: Any) -> None:
        locator.click()
        self.count += 1


def test_the_common_check_in_takes_at_most_six_taps(live_server: Any, phone_context: Any, world: World) -> None:
    page = phone_context.new_page()
    sign_in_volunteer(page, live_server, world)
    tap = TapCounter()
    tap(page.get_by_role("link", name="Contact loggen met Marieke"))
    tap(page.get_by_text("45 min", exact=True))
    tap(page.get_by_text("Babbel / koffie", exact=True))
    tap(page.get_by_text("Heel goed", exact=True))
    tap(page.get_by_role("button", name="Opslaan"))

    page.wait_for_url(f"**/mijn/duo/{world.duo.pk}/")
    stored = new_check_ins(world).get()
    assert (stored.date, stored.duration_minutes, stored.mode, stored.activities, stored.mood) == (
        timezone.localdate(), 45, "in_person", ["talk"], 5)
    # Every click of the test went through tap(): the stored check-in took this many.
    assert tap.count <= 6


def test_a_check_in_answered_503_while_the_database_restarts_stays_on_the_phone_and_is_sent_later(
        live_server: Any, phone_context: Any, world: World) -> None:
    """Issue 21 item 13: during a database restart the site answers 503 with Retry-After; the
    phone's outbox keeps the check-in and sends it once the site answers again."""
    page = phone_context.new_page()
    sign_in_volunteer(page, live_server, world)
    page.goto(f"{live_server.url}/mijn/contact/?duo={world.duo.pk}")

    def database_restarting(route: Any) -> None:
        if route.request.method == "POST":
            route.fulfill(status=503, headers={"Retry-After": "5", "Content-Type": "application/json"},
                          body='{"detail": "De databank is even niet bereikbaar."}')
        else:
            route.continue_()

    page.route("**/mijn/contact/*", database_restarting)
    page.route("**/mijn/contact/", database_restarting)
    page.get_by_text("30 min", exact=True).click()
    page.get_by_text("Babbel / koffie", exact=True).click()
    page.get_by_role("button", name="Opslaan").click()
    page.locator("#outbox-list li").first.wait_for()
    expect(page.get_by_text("Bewaard op je telefoon, nog niet verzonden.")).to_be_visible()
    assert page.evaluate(OUTBOX_ENTRIES.strip()) != []
    assert new_check_ins(world).count() == 0

    page.unroute("**/mijn/contact/*")
    page.unroute("**/mijn/contact/")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # what the phone does when it may try again
    page.locator("#outbox").wait_for(state="hidden")
    assert list(new_check_ins(world).values_list("duration_minutes", flat=True)) == [30]
