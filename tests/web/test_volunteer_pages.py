"""The volunteer's phone pages through Django's test client: access, check-ins, bad input,
edits, days volunteered, magic links and the session policy. (The browser tests drive the same
pages in chromium, offline included.)"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from buddynet.errors import InvalidInput, NotAllowed
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos import services
from buddynet.records.duos.models import CheckIn, Duo, VolunteerDay
from tests import factories as f
from tests.conftest import World

# After today and inside the plausible window (buddynet/validators.py): the rule about the future answers.
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()

pytestmark = pytest.mark.django_db

HOME, CHECK_IN, DAYS, LINK = "/mijn/", "/mijn/contact/", "/mijn/dagen/", "/mijn/link/"


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(user)
    return client


def good_check_in(w: World, **extra: Any) -> dict[str, Any]:
    return {"duo": w.duo.pk, "date": timezone.localdate().isoformat(), "duration": "60", "mode": "in_person",
            "activities": ["talk", "walk"], "mood": "4", **extra}


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- My duos ------------------------------------------------------------------------------
def test_my_duos_shows_the_buddys_first_name_last_contact_meeting_and_goals(world: World) -> None:
    world.duo.next_meeting_on = timezone.localdate() + dt.timedelta(days=3)
    world.duo.save()
    world.check_in.date = timezone.localdate() - dt.timedelta(days=5)
    world.check_in.save()
    world.other_participant.first_name = "Yusuf"
    world.other_participant.save()

    response = signed_in(world.volunteer_user).get(HOME)

    assert response.status_code == 200
    body = text(response)
    assert "Marieke" in body and "Peeters" not in body
    assert "5 dagen geleden" in body
    assert world.goal.description in body
    assert "Contact loggen" in body
    assert world.other_participant.first_name not in body
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_my_duos_costs_as_many_queries_for_three_duos_as_for_one(world: World) -> None:
    client = signed_in(world.volunteer_user)
    client.get(HOME)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(HOME).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    world.volunteer.capacity = 3
    world.volunteer.save()
    for _ in range(2):
        duo = f.DuoFactory(participant=f.ParticipantFactory(project=world.project), volunteer=world.volunteer)
        f.GoalFactory(duo=duo)
        f.CheckInFactory(duo=duo, author=world.volunteer_user)
    assert count() == one


def test_a_coordinator_without_a_volunteer_record_gets_403_and_anonymous_goes_to_sign_in(world: World) -> None:
    assert signed_in(world.coordinator).get(HOME).status_code == 403
    anonymous = Client().get(HOME)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/aanmelden/")
    assert Client().post(CHECK_IN, good_check_in(world), HTTP_ACCEPT="application/json").status_code == 401


def test_a_coordinator_who_volunteers_sees_only_their_own_duo_on_these_pages(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project)
    membership_grant(user=world.coordinator, role=Role.VOLUNTEER, volunteer=volunteer)
    buddy = f.ParticipantFactory(project=world.project, first_name="Fatima")
    own = f.DuoFactory(participant=buddy, volunteer=volunteer)
    client = signed_in(world.coordinator)

    body = text(client.get(HOME))

    assert "Fatima" in body and "Marieke" not in body
    assert client.get(f"/mijn/duo/{world.duo.pk}/").status_code == 404
    assert client.get(f"/mijn/duo/{own.pk}/").status_code == 200


# --- Another volunteer's duo: 404, by URL guessing too ---------------------------------------
@pytest.mark.parametrize("url", [
    lambda w: f"/mijn/duo/{w.duo.pk}/",
    lambda w: f"/mijn/contact/{w.check_in.pk}/",
    lambda w: "/mijn/duo/999999/",
    lambda w: "/mijn/contact/999999/",
])
def test_another_volunteers_duo_and_check_ins_answer_404(world: World, url: Any) -> None:
    assert signed_in(world.other_volunteer_user).get(url(world)).status_code == 404


def test_planning_a_meeting_or_editing_in_another_volunteers_duo_answers_404(world: World) -> None:
    client = signed_in(world.other_volunteer_user)

    plan = client.post(f"/mijn/duo/{world.duo.pk}/afspraak/", {"on": "2030-01-01"})
    edit = client.post(f"/mijn/contact/{world.check_in.pk}/", good_check_in(world))

    assert (plan.status_code, edit.status_code) == (404, 404)
    world.duo.refresh_from_db()
    world.check_in.refresh_from_db()
    assert world.duo.next_meeting_on is None and world.check_in.duration_minutes == 60


def test_logging_a_check_in_for_another_volunteers_duo_is_refused_on_the_page(world: World) -> None:
    before = CheckIn.objects.count()

    response = signed_in(world.other_volunteer_user).post(CHECK_IN, good_check_in(world))

    assert response.status_code == 400
    assert "Kies de buddy met wie je contact had." in text(response)
    assert CheckIn.objects.count() == before


# --- Logging a check-in ------------------------------------------------------------------------
def test_a_check_in_with_a_concern_and_a_new_contact_is_stored(world: World) -> None:
    response = signed_in(world.volunteer_user).post(CHECK_IN, good_check_in(
        world, concern="on", concern_note="Ze eet slecht.", new_contact_label="Buurvrouw Anna",
        new_contact_category="neighbour", new_contact_life_domain="social", life_domains=["health"],
        note="Koffie gedronken."))

    assert response.status_code == 302 and response["Location"] == f"/mijn/duo/{world.duo.pk}/"
    check_in = CheckIn.objects.exclude(pk=world.check_in.pk).get()
    assert (check_in.duration_minutes, check_in.mode, check_in.mood) == (60, "in_person", 4)
    assert check_in.activities == ["talk", "walk"] and check_in.life_domains == ["health"]
    assert check_in.concern and check_in.concern_note == "Ze eet slecht."
    assert check_in.new_contacts == [{"label": "Buurvrouw Anna", "category": "neighbour", "life_domain": "social"}]
    assert check_in.author == world.volunteer_user


def test_a_resend_with_the_same_client_uuid_stores_one_row(world: World) -> None:
    client = signed_in(world.volunteer_user)
    data = good_check_in(world, client_uuid=str(uuid.uuid4()))

    first = client.post(CHECK_IN, data, HTTP_ACCEPT="application/json")
    second = client.post(CHECK_IN, data, HTTP_ACCEPT="application/json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["redirect"] == f"/mijn/duo/{world.duo.pk}/"
    assert CheckIn.objects.filter(client_uuid=data["client_uuid"]).count() == 1


def test_an_outbox_entry_of_another_author_is_refused_with_403_and_nothing_stored(world: World) -> None:
    # A shared phone: the service worker sends each entry with its author; only the volunteer
    # signed in now may have theirs stored (the others stay on the phone for their author).
    client = signed_in(world.volunteer_user)
    data = good_check_in(world, client_uuid=str(uuid.uuid4()))

    other = client.post(CHECK_IN, data, HTTP_ACCEPT="application/json",
                        HTTP_X_BUDDYNET_AUTHOR=str(world.other_volunteer_user.pk))
    assert other.status_code == 403 and other.json() == {"detail": "Meld je opnieuw aan."}
    assert not CheckIn.objects.filter(client_uuid=data["client_uuid"]).exists()

    own = client.post(CHECK_IN, data, HTTP_ACCEPT="application/json",
                      HTTP_X_BUDDYNET_AUTHOR=str(world.volunteer_user.pk))
    assert own.status_code == 201
    assert CheckIn.objects.filter(client_uuid=data["client_uuid"]).count() == 1


def test_the_new_check_in_page_preselects_the_only_duo_and_today(world: World) -> None:
    body = text(signed_in(world.volunteer_user).get(CHECK_IN))

    assert re.search(rf'value="{world.duo.pk}"[^>]*checked', body)
    assert f'value="{timezone.localdate().isoformat()}"' in body


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"duration": "", "duration_other": "0"}, "duration_other", "De duur moet tussen 1 en 720 minuten liggen."),
    ({"duration": "", "duration_other": "2000"}, "duration_other", "De duur moet tussen 1 en 720 minuten liggen."),
    ({"duration": ""}, "duration", "Kies hoe lang het contact duurde."),
    ({"date": NEXT_YEAR}, "date", "De datum ligt in de toekomst."),
    ({"date": "2025-01-01"}, "date", "De datum ligt vóór de start van het duo."),
    ({"duo": ""}, "duo", "Kies de buddy met wie je contact had."),
    ({"concern": "on", "concern_note": " "}, "concern_note", "Vertel de coördinator kort waarover je je zorgen maakt."),
    ({"new_contact_label": "Anna"}, "new_contact_category", "Kies wat voor contact het is."),
])
def test_bad_input_shows_a_clear_message_and_saves_nothing(world: World, change: dict[str, str], field: str,
                                                           message: str) -> None:
    before = list(CheckIn.objects.values())
    client = signed_in(world.volunteer_user)

    page = client.post(CHECK_IN, good_check_in(world, **change))
    as_json = client.post(CHECK_IN, good_check_in(world, **change), HTTP_ACCEPT="application/json")

    assert page.status_code == 400
    assert message in text(page)
    assert 'role="alert"' in text(page)
    assert as_json.status_code == 400
    assert as_json.json()["errors"][field] == [message]
    assert list(CheckIn.objects.values()) == before


def test_english_is_available(world: World) -> None:
    client = signed_in(world.volunteer_user)
    response = client.post(CHECK_IN, good_check_in(world, duration="", duration_other="0"),
                           HTTP_ACCEPT_LANGUAGE="en", HTTP_ACCEPT="application/json")
    assert response.json()["errors"]["duration_other"] == ["The duration must be between 1 and 720 minutes."]


# --- History and edits --------------------------------------------------------------------------
def test_the_author_edits_a_check_in_within_48_hours_and_not_after(world: World) -> None:
    client = signed_in(world.volunteer_user)
    mine = CheckIn.objects.get(pk=world.check_in.pk)
    edit_url = f"/mijn/contact/{mine.pk}/"
    assert edit_url in text(client.get(f"/mijn/duo/{world.duo.pk}/"))

    response = client.post(edit_url, {"date": "2025-08-01", "duration": "90", "mode": "phone", "note": "Gebeld"})

    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.duration_minutes, mine.mode, mine.note) == (90, "phone", "Gebeld")
    CheckIn.objects.filter(pk=mine.pk).update(created_at=timezone.now() - dt.timedelta(hours=48, minutes=1))
    late = client.post(edit_url, {"date": "2025-08-01", "duration": "30", "mode": "phone"})
    assert edit_url not in text(client.get(f"/mijn/duo/{world.duo.pk}/"))
    assert late.status_code == 403
    mine.refresh_from_db()
    assert mine.duration_minutes == 90


def test_a_volunteer_cannot_edit_a_check_in_the_coordinator_logged(world: World) -> None:
    theirs = f.CheckInFactory(duo=world.duo, author=world.coordinator, note="Van de coördinator")

    response = signed_in(world.volunteer_user).post(f"/mijn/contact/{theirs.pk}/",
                                                    {"date": "2025-08-01", "duration": "30", "mode": "phone"})

    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.duration_minutes == 60


# --- Next meeting ------------------------------------------------------------------------------
def test_the_volunteer_plans_and_clears_the_next_meeting(world: World) -> None:
    client = signed_in(world.volunteer_user)
    day = timezone.localdate() + dt.timedelta(days=7)

    assert client.post(f"/mijn/duo/{world.duo.pk}/afspraak/", {"on": day.isoformat()}).status_code == 302
    world.duo.refresh_from_db()
    assert world.duo.next_meeting_on == day
    past = client.post(f"/mijn/duo/{world.duo.pk}/afspraak/", {"on": "2020-01-01"})
    assert past.status_code == 400 and "De volgende afspraak kan niet in het verleden liggen." in text(past)
    assert client.post(f"/mijn/duo/{world.duo.pk}/afspraak/", {"on": ""}).status_code == 302
    world.duo.refresh_from_db()
    assert world.duo.next_meeting_on is None


# --- Days volunteered -----------------------------------------------------------------------------
def test_the_volunteer_marks_and_unmarks_days_once_each(world: World) -> None:
    client = signed_in(world.volunteer_user)
    today = timezone.localdate().isoformat()

    client.post(DAYS, {"date": today, "action": "mark"})
    client.post(DAYS, {"date": today, "action": "mark"})
    future = client.post(DAYS, {"date": NEXT_YEAR, "action": "mark"})

    assert list(VolunteerDay.objects.values_list("volunteer_id", "date", "created_by_id")) == [
        (world.volunteer.pk, timezone.localdate(), world.volunteer_user.pk)]
    assert future.status_code == 400 and "Je kunt geen dag in de toekomst aanduiden." in text(future)
    assert "1 dag" in text(client.get(DAYS))
    client.post(DAYS, {"date": today, "action": "unmark"})
    assert VolunteerDay.objects.count() == 0


def test_day_services_check_who_marks(world: World) -> None:
    services.volunteer_day_mark(volunteer=world.volunteer, day=dt.date(2026, 1, 5), by=world.coordinator)
    with pytest.raises(NotAllowed):
        services.volunteer_day_mark(volunteer=world.volunteer, day=dt.date(2026, 1, 6), by=world.other_coordinator)
    with pytest.raises(NotAllowed):
        services.volunteer_day_unmark(volunteer=world.volunteer, day=dt.date(2026, 1, 5),
                                      by=world.other_volunteer_user)
    with pytest.raises(InvalidInput):
        services.volunteer_day_mark(volunteer=world.volunteer, day=timezone.localdate() + dt.timedelta(days=1),
                                    by=world.volunteer_user)
    assert VolunteerDay.objects.count() == 1


# --- Magic link and session policy -----------------------------------------------------------------
def test_a_magic_link_signs_a_volunteer_in_once(world: World) -> None:
    client = Client()

    response = client.post(LINK, {"email": "BOB@example.be"})

    assert response.status_code == 200 and len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob@example.be"]
    link = re.search(r"http://testserver(/mijn/link/open/\?sesame=\S+)", mail.outbox[0].body).group(1)
    opened = client.get(link)
    assert opened.status_code == 302 and opened["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert abs(client.session.get_expiry_age() - 90 * 24 * 3600) <= 2
    again = Client().get(link)
    assert again.status_code == 403 and "verlopen of al gebruikt" in text(again)


def test_a_magic_link_expires_after_15_minutes(world: World) -> None:
    Client().post(LINK, {"email": "bob@example.be"})
    link = re.search(r"(/mijn/link/open/\?sesame=\S+)", mail.outbox[0].body).group(1)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        late = Client().get(link)

    assert late.status_code == 403


def test_no_magic_link_for_coordinators_or_unknown_addresses_and_the_same_answer(world: World) -> None:
    known = Client().post(LINK, {"email": "alice@example.be"})
    unknown = Client().post(LINK, {"email": "nobody@example.be"})

    assert mail.outbox == []
    def page(response: Any, address: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", text(response)).replace(address, "X")

    assert page(known, "alice") == page(unknown, "nobody")


def _link_page(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", text(response))


def test_the_sixth_link_request_for_an_address_in_an_hour_sends_nothing_and_looks_the_same(
        world: World, caplog: Any) -> None:
    client = Client()
    answers = [client.post(LINK, {"email": "bob@example.be"}) for _ in range(5)]
    assert len(mail.outbox) == 5

    sixth = client.post(LINK, {"email": " BOB@example.be"})

    assert len(mail.outbox) == 5
    assert sixth.status_code == 200 and _link_page(sixth) == _link_page(answers[-1])
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "sign-in link not sent: over the limit per address (client 127.0.0.1)"]
    # Another volunteer's address, from the same client, still gets their link.
    client.post(LINK, {"email": "dirk@example.be"})
    assert [m.to for m in mail.outbox[5:]] == [["dirk@example.be"]]


def test_an_unknown_address_is_limited_alike_so_the_limit_tells_nothing(world: World, caplog: Any) -> None:
    client = Client()
    answers = [client.post(LINK, {"email": "nobody@example.be"}) for _ in range(6)]

    assert mail.outbox == []
    assert _link_page(answers[5]) == _link_page(answers[4])
    assert "over the limit per address" in caplog.text


def test_the_limit_per_client_counts_every_address(world: World, settings: Any) -> None:
    settings.MAGIC_LINK_LIMIT_PER_IP = 3
    here, elsewhere = Client(REMOTE_ADDR="192.0.2.10"), Client(REMOTE_ADDR="192.0.2.11")
    for address in ("nobody@example.be", "someone@example.be", "alice@example.be"):
        here.post(LINK, {"email": address})

    here.post(LINK, {"email": "bob@example.be"})
    assert mail.outbox == []
    elsewhere.post(LINK, {"email": "bob@example.be"})
    assert [m.to for m in mail.outbox] == [["bob@example.be"]]


def test_ipv6_clients_are_counted_per_64_network(world: World, settings: Any) -> None:
    settings.MAGIC_LINK_LIMIT_PER_IP = 1
    Client(REMOTE_ADDR="2001:db8:1:2::1").post(LINK, {"email": "bob@example.be"})
    Client(REMOTE_ADDR="2001:db8:1:2::ffff").post(LINK, {"email": "dirk@example.be"})
    Client(REMOTE_ADDR="2001:db8:1:3::1").post(LINK, {"email": "dirk@example.be"})

    assert [m.to for m in mail.outbox] == [["bob@example.be"], ["dirk@example.be"]]


def test_links_are_sent_again_once_the_window_has_passed(world: World) -> None:
    from buddynet.security.models import RateLimitHit

    client = Client()
    for _ in range(6):
        client.post(LINK, {"email": "bob@example.be"})
    assert len(mail.outbox) == 5
    assert RateLimitHit.objects.count() == 10  # 5 per address + 5 per client; the refused one not kept

    # 61 minutes later (the stored times moved back): counted afresh, the old rows purged.
    RateLimitHit.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
    client.post(LINK, {"email": "bob@example.be"})

    assert len(mail.outbox) == 6
    assert RateLimitHit.objects.count() == 2


def test_a_request_within_the_window_is_still_counted(world: World) -> None:
    from buddynet.security.models import RateLimitHit

    client = Client()
    for _ in range(5):
        client.post(LINK, {"email": "bob@example.be"})
    RateLimitHit.objects.update(created_at=timezone.now() - dt.timedelta(minutes=59))

    client.post(LINK, {"email": "bob@example.be"})

    assert len(mail.outbox) == 5


def test_the_stored_buckets_hold_no_address(world: World) -> None:
    from buddynet.security.models import RateLimitHit

    Client().post(LINK, {"email": "bob@example.be"})

    buckets = list(RateLimitHit.objects.values_list("bucket", flat=True))
    assert len(buckets) == 2 and not any("bob" in b or "127.0.0.1" in b for b in buckets)


@pytest.mark.parametrize(("user", "remember", "age"), [
    ("volunteer_user", True, 90 * 24 * 3600),
    ("volunteer_user", False, 0),
    ("coordinator", True, 8 * 3600),
])
def test_session_length_policy(world: World, settings: Any, user: str, remember: bool, age: int) -> None:
    settings.SESSION_COOKIE_AGE = 8 * 3600
    person = getattr(world, user)
    client = Client()
    data = {"username": person.email, "password": f.PASSWORD, **({"remember": "on"} if remember else {})}

    response = client.post("/aanmelden/", data)

    assert response.status_code == 302
    if age == 0:
        assert client.session.get_expire_at_browser_close()
    else:
        assert abs(client.session.get_expiry_age() - age) <= 2


def test_the_long_session_is_renewed_on_a_later_day(world: World) -> None:
    client = Client()
    client.post("/aanmelden/", {"username": "bob@example.be", "password": f.PASSWORD, "remember": "on"})
    first_expiry = client.session.get_expiry_date()

    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        assert client.get(HOME).status_code == 200
        assert client.session.get_expiry_date() > first_expiry + dt.timedelta(days=29)


# --- PWA -----------------------------------------------------------------------------------------
def test_manifest_and_service_worker_are_served(world: World) -> None:
    manifest = Client().get("/mijn/manifest.webmanifest")
    worker = Client().get("/mijn/sw.js")

    assert manifest.status_code == 200 and manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == HOME and data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    source = worker.content.decode()
    assert "__PRECACHE__" not in source and '"/mijn/offline/"' in source
    # Background Sync: the outbox code shared with the pages, where it posts, the CSRF cookie.
    assert 'importScripts("/static/web/volunteer-outbox.js")' in source
    assert 'var SEND = "/mijn/contact/"' in source and 'var CSRF_COOKIE = "csrftoken"' in source
    assert not re.search(r"__[A-Z_]+__", source)


def test_duos_of_a_closed_duo_are_not_listed(world: World) -> None:
    Duo.objects.filter(pk=world.duo.pk).update(status="closed", closed_on=dt.date(2025, 12, 1),
                                               closure_reason="goals_reached")
    body = text(signed_in(world.volunteer_user).get(HOME))
    assert "Marieke" not in body


def test_the_coordinator_sees_the_days_of_their_volunteers_in_the_admin_and_the_outsider_not(world: World) -> None:
    services.volunteer_day_mark(volunteer=world.volunteer, day=dt.date(2026, 3, 2), by=world.volunteer_user)
    for user in (world.coordinator, world.other_coordinator):
        user.is_staff = True
        user.save()

    owner = signed_in(world.coordinator).get("/admin/duos/volunteerday/")
    outsider = signed_in(world.other_coordinator).get("/admin/duos/volunteerday/")

    assert owner.status_code == 200 and "Bert Janssens" in text(owner)
    assert outsider.status_code == 200 and "Bert Janssens" not in text(outsider)


def test_new_contacts_are_handed_to_netwerk_once_per_stored_check_in(world: World, monkeypatch: Any) -> None:
    # netwerk hears check_in_recorded (netwerk/handlers.py); the phone view no longer calls it.
    from netwerk import handlers

    handed: list[int] = []
    monkeypatch.setattr(handlers.services, "tie_via_buddy_add", lambda **kwargs: handed.append(kwargs["check_in"].pk))
    client = signed_in(world.volunteer_user)
    data = good_check_in(world, client_uuid=str(uuid.uuid4()), new_contact_label="Anna",
                         new_contact_category="friend", new_contact_life_domain="leisure")

    client.post(CHECK_IN, data, HTTP_ACCEPT="application/json")
    client.post(CHECK_IN, data, HTTP_ACCEPT="application/json")  # the resend stores nothing new

    assert handed == [CheckIn.objects.get(client_uuid=data["client_uuid"]).pk]


def test_a_new_contact_on_the_check_in_form_becomes_a_tie_via_the_buddy_on_the_current_network_map(
        world: World) -> None:
    from netwerk.models import Alter, NetworkMap, Occasion

    intake = NetworkMap.objects.create(participant=world.participant, occasion=Occasion.INTAKE,
                                       date=timezone.localdate() - dt.timedelta(days=200))
    current = NetworkMap.objects.create(participant=world.participant, occasion=Occasion.INTERIM,
                                        date=timezone.localdate() - dt.timedelta(days=10))
    other_map = NetworkMap.objects.create(participant=world.other_participant, occasion=Occasion.INTAKE,
                                          date=timezone.localdate() - dt.timedelta(days=10))
    data = good_check_in(world, client_uuid=str(uuid.uuid4()), new_contact_label="Buurvrouw Anna",
                         new_contact_category="neighbour", new_contact_life_domain="social")
    client = signed_in(world.volunteer_user)

    response = client.post(CHECK_IN, data)
    client.post(CHECK_IN, data)  # a resend adds nobody twice

    assert response.status_code == 302
    check_in = CheckIn.objects.get(client_uuid=data["client_uuid"])
    alter = Alter.objects.get()
    assert (alter.map_id, alter.label, alter.category, alter.life_domains) == (
        current.pk, "Buurvrouw Anna", "neighbour", ["social"])
    assert alter.via_buddy and alter.check_in_id == check_in.pk and alter.added_by == world.volunteer_user
    assert not intake.alters.exists() and not other_map.alters.exists()
    assert NetworkMap.objects.count() == 3  # no map made on the side


def test_a_new_contact_for_a_participant_without_a_map_starts_an_interim_map(world: World) -> None:
    from netwerk.models import Alter, NetworkMap

    response = signed_in(world.volunteer_user).post(CHECK_IN, good_check_in(
        world, new_contact_label="Trainer Koen", new_contact_category="organisation",
        new_contact_life_domain="leisure"))

    assert response.status_code == 302
    started = NetworkMap.objects.get(participant=world.participant)
    assert (started.occasion, started.date) == ("interim", timezone.localdate())
    assert list(Alter.objects.values_list("map_id", "label", "via_buddy")) == [(started.pk, "Trainer Koen", True)]


def test_the_pages_speak_english_on_request(world: World) -> None:
    client = signed_in(world.volunteer_user)

    home = text(client.get(HOME, HTTP_ACCEPT_LANGUAGE="en"))
    form = text(client.get(CHECK_IN, HTTP_ACCEPT_LANGUAGE="en"))

    assert "My duos" in home and "Log contact" in home and "Mijn duo" not in home
    assert "How long?" in form and "I&#x27;m worried" in form and "We met someone new" in form


def test_check_in_forms_share_their_fields_but_each_offers_its_own_duos(world: World) -> None:
    # CheckInForm shares its fields between forms (no deep copy per check-in); the duos it
    # offers are the one thing a form changes, on a copy of its own.
    from buddynet.web.volunteer_forms import CheckInForm

    mine = CheckInForm(duos=Duo.objects.filter(pk=world.duo.pk).select_related("participant"))
    theirs = CheckInForm(duos=Duo.objects.filter(pk=world.other_duo.pk).select_related("participant"))
    editing = CheckInForm(editing=True)
    plain = CheckInForm()

    assert mine.fields["date"] is theirs.fields["date"] is CheckInForm.base_fields["date"]
    assert mine.fields["duo"] is not theirs.fields["duo"]
    assert CheckInForm.base_fields["duo"].queryset is None and plain.fields["duo"].queryset is None
    assert [c.data["label"] for c in mine["duo"].subwidgets] == ["Marieke"]
    assert [c.data["label"] for c in theirs["duo"].subwidgets] == [world.other_participant.first_name]
    assert "duo" not in editing.fields and "new_contact_label" not in editing.fields
    assert set(plain.fields) == set(CheckInForm.base_fields)
