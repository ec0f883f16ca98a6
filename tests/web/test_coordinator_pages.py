"""What the coordinator's pages show from other records: the new contacts of a check-in, the
days a volunteer volunteered, and the links to the matching, netwerk and funding pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buddynet.records.duos import services
from buddynet.records.duos.models import CheckIn
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(world: World) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.coordinator)
    return client


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- New contacts of a check-in ---------------------------------------------------------------
@pytest.mark.parametrize("page", ["web:coordinator-duo", "web:coordinator-participant"])
def test_the_timeline_shows_the_new_contacts_of_a_check_in_in_dutch(
        world: World, client: Client, page: str) -> None:
    f.CheckInFactory(duo=world.duo, author=world.volunteer_user, concern=True, concern_note="Ze eet slecht.",
                     new_contacts=[{"label": "Buurvrouw Anna", "category": "neighbour", "life_domain": "social"},
                                   {"label": "Trainer Koen", "category": "organisation", "life_domain": "leisure"}])
    pk = world.duo.pk if page == "web:coordinator-duo" else world.participant.pk

    response = client.get(reverse(page, args=[pk]))

    assert response.status_code == 200
    body = text(response)
    assert "Ze eet slecht." in body
    assert ("Nieuw contact via de buddy</span> <strong>Buurvrouw Anna</strong> "
            "(Buur, levensdomein: Sociaal netwerk)") in body
    assert "<strong>Trainer Koen</strong> (Organisatie of vereniging, levensdomein: Vrije tijd)" in body
    assert body.count("Nieuw contact via de buddy") == 2


def test_a_check_in_without_new_contacts_shows_none(world: World, client: Client) -> None:
    body = text(client.get(reverse("web:coordinator-duo", args=[world.duo.pk])))
    assert "Nieuw contact via de buddy" not in body


def test_a_new_contacts_label_is_escaped(world: World, client: Client) -> None:
    f.CheckInFactory(duo=world.duo, author=world.volunteer_user,
                     new_contacts=[{"label": "<b>Anna</b>", "category": "friend", "life_domain": "social"}])
    body = text(client.get(reverse("web:coordinator-duo", args=[world.duo.pk])))
    assert "<strong>&lt;b&gt;Anna&lt;/b&gt;</strong> (Vriend" in body


# --- Days volunteered on the volunteer page ---------------------------------------------------
def test_the_volunteer_page_shows_days_volunteered_per_year_and_the_latest_days(
        world: World, client: Client) -> None:
    for day in (dt.date(2025, 11, 4), dt.date(2025, 12, 2), dt.date(2026, 1, 6), dt.date(2026, 2, 3),
                dt.date(2026, 3, 2)):
        services.volunteer_day_mark(volunteer=world.volunteer, day=day, by=world.volunteer_user)
    # Another volunteer's day, in the same project, is not counted here.
    services.volunteer_day_mark(volunteer=f.VolunteerFactory(project=world.project), day=dt.date(2026, 3, 3),
                                by=world.coordinator)

    response = client.get(reverse("web:coordinator-volunteer", args=[world.volunteer.pk]))

    assert response.status_code == 200
    body = text(response)
    assert '<h2 id="days">Dagen vrijwilligerswerk</h2>' in body
    assert '<dt>2026</dt><dd>3 dagen</dd><dt>2025</dt><dd>2 dagen</dd>' in body
    latest = body[body.index('id="latest-days"'):]
    latest = latest[:latest.index("</ul>")]
    assert latest.index("2 maart 2026") < latest.index("6 januari 2026") < latest.index("4 november 2025")
    assert "3 maart 2026" not in body
    assert f'href="/financiering/vergoedingen/{world.project.pk}/"' in body
    assert "Vergoedingsdagen staan bij" not in body


def test_the_volunteer_page_says_when_no_day_is_marked(world: World, client: Client) -> None:
    body = text(client.get(reverse("web:coordinator-volunteer", args=[world.volunteer.pk])))
    assert "Nog geen vrijwilligersdagen aangeduid." in body


# --- Links to the other apps' pages -----------------------------------------------------------
def nav(body: str) -> str:
    return body[body.index("<nav"):body.index("</nav>")]


def test_the_navigation_links_to_the_projects_matching_review_and_the_funding_pages(
        world: World, client: Client) -> None:
    body = text(client.get(reverse("web:coordinator-today", args=[world.project.pk])))
    matching = reverse("matching:project", args=[world.project.pk])
    funding = reverse("funding:portal")

    assert f'<a href="{matching}">Matching</a>' in nav(body)
    assert f'<a href="{funding}">Financiering</a>' in nav(body)
    assert (matching, funding) == (f"/matching/projecten/{world.project.pk}/", "/financiering/")
    # Both open for this coordinator (funding sends a coordinator on to their grants).
    assert client.get(matching).status_code == 200
    assert client.get(funding, follow=True).status_code == 200


def test_a_participant_without_a_network_map_gets_a_way_to_start_one(world: World, client: Client) -> None:
    from netwerk.models import NetworkMap

    page = reverse("web:coordinator-participant", args=[world.participant.pk])
    body = text(client.get(page))
    create = reverse("netwerk:map-create", args=[world.participant.pk])
    assert f'<form method="post" action="{create}"' in body
    assert f'href="{reverse("netwerk:participant-maps", args=[world.participant.pk])}"' in body

    # What the button sends starts the intake map in netwerk, dated today.
    answer = client.post(create, {"occasion": "intake", "date": timezone.localdate().isoformat()})

    started = NetworkMap.objects.get(participant=world.participant)
    assert answer.status_code == 302 and answer["Location"] == reverse("netwerk:map-edit", args=[started.pk])
    assert started.occasion == "intake"
    body = text(client.get(page))
    assert f'action="{create}"' not in body
    assert f'href="{reverse("netwerk:map-edit", args=[started.pk])}"' in body


def test_the_coordinators_lists_come_in_numbered_pages_that_keep_the_filter(world: World, client: Client) -> None:
    # Issue 20: 50 rows a page, sliced in the database; the search is kept in the session (never
    # in the address), so page 2 is still the search's second page.
    from buddynet.web.coordinator.views import LIST_PAGE

    for i in range(LIST_PAGE + 5):
        f.ParticipantFactory(project=world.project, first_name=f"Paginata{i:02d}")
    url = f"/coordinator/projecten/{world.project.pk}/deelnemers/"
    assert client.post(url, {"q": "Paginata"}).status_code == 302

    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rest = client.get(url, {"page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    rows = re.compile(r"<tr>(.*?)</tr>", re.S)
    on_first, on_second = rows.findall(body)[1:], rows.findall(rest)[1:]  # without the header row
    assert (len(on_first), len(on_second)) == (LIST_PAGE, 5)
    assert all("Paginata" in row for row in on_first + on_second)
    assert "Page 1 of 2 (55 in all)" in body and 'href="?page=2"' in body and "Paginata" not in body.split(
        'class="pager"')[1].split("</nav>")[0]


# --- The timeline in pages (issue 20) -----------------------------------------------------------
def _check_ins(world: World, n: int, *, start: dt.date) -> list[Any]:
    return [f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=start + dt.timedelta(days=7 * i),
                             note=f"Week {i}") for i in range(n)]


@pytest.mark.parametrize("page", ["web:coordinator-duo", "web:coordinator-participant"])
def test_the_timeline_comes_in_pages_of_twenty_newest_first(world: World, client: Client, page: str) -> None:
    from buddynet.web.coordinator.views import TIMELINE_PAGE

    today = timezone.localdate()
    _check_ins(world, 45, start=today - dt.timedelta(days=7 * 44))  # the last one today
    pk = world.duo.pk if page == "web:coordinator-duo" else world.participant.pk
    url = reverse(page, args=[pk])

    first = text(client.get(url))
    notes = re.findall(r"<p>Week (\d+)</p>", first)
    assert [int(n) for n in notes] == list(range(44, 44 - TIMELINE_PAGE, -1))
    total = CheckIn.objects.filter(duo__participant=world.participant).count()
    assert total > 2 * TIMELINE_PAGE
    assert f"Contactmomenten 1–20 van {total}, het nieuwste eerst." in first
    assert '?page=2#timeline" rel="next">Volgende</a>' in first
    last = text(client.get(url, {"page": 3}))
    assert [int(n) for n in re.findall(r"<p>Week (\d+)</p>", last)] == list(range(44 - 2 * TIMELINE_PAGE, -1, -1))
    assert "rel=\"next\"" not in last and '?page=2#timeline" rel="prev">Vorige</a>' in last
    # A page number out of range or not a number shows a page, never an error.
    assert client.get(url, {"page": "x"}).status_code == 200
    assert client.get(url, {"page": 99}).status_code == 200


def test_the_month_bars_count_all_check_ins_of_their_months_not_only_the_pages(
        world: World, client: Client) -> None:
    today = timezone.localdate()
    for _i in range(30):  # 30 check-ins on one day of this month: one page of the timeline shows 20
        f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=today)
    f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=today - dt.timedelta(days=400))  # outside

    body = text(client.get(reverse("web:coordinator-duo", args=[world.duo.pk])))

    assert "30 contactmomenten in de laatste 12 maanden" in body


def test_the_waiting_concern_alert_leads_to_the_page_of_the_oldest_waiting_worry(
        world: World, client: Client) -> None:
    today = timezone.localdate()
    made = _check_ins(world, 45, start=today - dt.timedelta(days=7 * 44))
    old_worry = made[3]  # the 42nd newest of 45 ours: page 3
    old_worry.concern, old_worry.concern_note = True, "Hij slaapt slecht."
    old_worry.save()

    body = text(client.get(reverse("web:coordinator-participant", args=[world.participant.pk])))

    assert f'<a href="?page=3#check-in-{old_worry.pk}">1 zorg wacht op opvolging' in body.replace("  ", " ")
    page3 = text(client.get(reverse("web:coordinator-participant", args=[world.participant.pk]), {"page": 3}))
    assert f'id="check-in-{old_worry.pk}"' in page3 and "Hij slaapt slecht." in page3


def test_a_link_to_one_check_in_opens_the_page_of_the_timeline_that_shows_it(world: World, client: Client) -> None:
    """A concern's notification and the follow-up lead to ?check_in=<id>: an older check-in is not on page 1."""
    from notifications import links

    today = timezone.localdate()
    made = _check_ins(world, 45, start=today - dt.timedelta(days=7 * 44))
    old = made[2]  # the 43rd newest of ours: page 3
    url = links.concern(participant_id=world.participant.pk, check_in_id=old.pk)
    assert f"?check_in={old.pk}#check-in-{old.pk}" in url

    body = text(client.get(url.split("#")[0]))
    assert f'id="check-in-{old.pk}"' in body and "Pagina 3 van" in body
    # An id of another participant's or project's check-in, or no number, shows page 1 without error.
    foreign = f.CheckInFactory(duo=f.DuoFactory(participant=f.ParticipantFactory(project=world.other_project)),
                               author=world.volunteer_user)
    for wanted in (str(foreign.pk), "x", "9" * 30):
        response = client.get(reverse("web:coordinator-participant", args=[world.participant.pk]), {"check_in": wanted})
        assert response.status_code == 200 and "Pagina 1 van" in text(response)
