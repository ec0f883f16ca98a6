"""Every page keeps the menu of its role; error pages are in the user's language with a way home;
/favicon.ico is served (issue 17)."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World

pytestmark = pytest.mark.django_db


def _client(user: Any | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    if user is not None:
        client.force_login(user)
    return client


def menu(response: Any) -> list[tuple[str, str]]:
    """(address, text) of every link of the main menu."""
    html = response.content.decode()
    found = re.search(r'<nav[^>]*class="main-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert found, "the page has no main menu"
    return [(href, htmllib.unescape(re.sub(r"<[^>]+>", "", text).strip()))
            for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', found.group(1), re.S)]


def coordinator_menu(w: World) -> list[tuple[str, str]]:
    return [
        (reverse("web:coordinator-today", args=[w.project.pk]), "Vandaag"),
        (reverse("web:coordinator-participants", args=[w.project.pk]), "Deelnemers"),
        (reverse("web:coordinator-volunteers", args=[w.project.pk]), "Vrijwilligers"),
        (reverse("web:coordinator-duos", args=[w.project.pk]), "Duo's"),
        (reverse("matching:project", args=[w.project.pk]), "Matching"),
        (reverse("netwerk:index"), "Netwerkkaarten"),
        (reverse("aftercare:index"), "Nazorg"),
        (reverse("aftercare:referrals"), "Doorverwijzingen"),
        (reverse("funding:portal"), "Financiering"),
    ]


COORDINATOR_PAGES = [
    lambda w: reverse("web:coordinator-today", args=[w.project.pk]),
    lambda w: reverse("web:coordinator-participant", args=[w.participant.pk]),
    lambda w: reverse("web:coordinator-participant-edit", args=[w.participant.pk]),
    lambda w: reverse("web:coordinator-duo", args=[w.duo.pk]),
    lambda w: reverse("netwerk:index"),
    lambda w: reverse("netwerk:participant-maps", args=[w.participant.pk]),
    lambda w: reverse("matching:project", args=[w.project.pk]),
    lambda w: reverse("notifications:inbox"),
    lambda w: reverse("funding:grants"),
    lambda w: reverse("aftercare:index"),
    lambda w: reverse("aftercare:referrals"),
    lambda w: "/bestaat-niet/",
]


@pytest.mark.parametrize("page", COORDINATOR_PAGES, ids=[
    "today", "participant", "participant-edit", "duo", "netwerk", "netwerk-participant", "matching", "inbox",
    "grants", "aftercare", "referrals", "404"])
def test_every_page_of_a_coordinator_has_the_coordinators_menu(world: World, page: Any) -> None:
    response = _client(world.coordinator).get(page(world))
    assert response.status_code in (200, 404)
    assert menu(response)[:9] == coordinator_menu(world)


def test_the_menu_follows_the_project_of_the_page(world: World) -> None:
    from buddynet.records.accounts.models import Role
    from buddynet.records.accounts.services import membership_grant

    membership_grant(user=world.coordinator, role=Role.COORDINATOR, project=world.other_project)
    client = _client(world.coordinator)
    links = dict(menu(client.get(reverse("web:coordinator-today", args=[world.other_project.pk]))))
    assert reverse("web:coordinator-participants", args=[world.other_project.pk]) in links
    links = dict(menu(client.get(reverse("matching:project", args=[world.other_project.pk]))))
    assert reverse("web:coordinator-today", args=[world.other_project.pk]) in links
    assert reverse("matching:project", args=[world.other_project.pk]) in links
    # A page without a project (the inbox) points at the coordinator's first project.
    links = dict(menu(client.get(reverse("notifications:inbox"))))
    first = min(world.project.pk, world.other_project.pk)
    assert reverse("web:coordinator-today", args=[first]) in links


def test_the_current_page_is_marked_in_the_menu(world: World) -> None:
    html = _client(world.coordinator).get(reverse("netwerk:index")).content.decode()
    assert f'<a href="{reverse("netwerk:index")}" aria-current="page">' in html
    html = _client(world.coordinator).get(reverse("web:coordinator-participant", args=[world.participant.pk])
                                          ).content.decode()
    assert f'<a href="{reverse("web:coordinator-participants", args=[world.project.pk])}" aria-current="page">' in html


@pytest.mark.parametrize("page", ["/meldingen/", "/mijn/", "/bestaat-niet/"])
def test_a_volunteer_keeps_their_menu_also_on_notifications(world: World, page: str) -> None:
    links = menu(_client(world.volunteer_user).get(page))
    assert links == [("/mijn/", "Mijn duo's"), (reverse("web:volunteer-check-in"), "Contact loggen"),
                     (reverse("web:volunteer-days"), "Mijn dagen")]


def test_a_funder_keeps_their_menu_on_notifications(world: World) -> None:
    assert menu(_client(world.funder_user).get("/meldingen/")) == [(reverse("funding:portal"), "Portefeuille")]


def test_404_is_dutch_with_a_way_home(world: World) -> None:
    response = _client(world.coordinator).get("/coordinator/deelnemers/999999/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "<h1>Pagina niet gevonden</h1>" in text
    assert f'href="{reverse("web:home")}"' in text and "Naar je startpagina" in text
    assert 'lang="nl' in text


def test_404_is_english_for_an_english_user(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.coordinator)
    text = client.get("/bestaat-niet/").content.decode()
    assert "<h1>Page not found</h1>" in text and "To your start page" in text


def test_403_is_dutch_with_the_roles_menu_and_a_way_home(world: World) -> None:
    response = _client(world.volunteer_user).get(reverse("web:coordinator-today", args=[world.project.pk]))
    assert response.status_code == 403
    text = response.content.decode()
    assert "<h1>Geen toegang</h1>" in text and "Naar je startpagina" in text
    assert ("/mijn/", "Mijn duo's") in menu(response)


def test_404_for_someone_not_signed_in_has_no_menu_but_a_way_home(db: Any) -> None:
    response = _client(None).get("/bestaat-niet/")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()
    assert 'class="main-nav"' not in response.content.decode()


def test_the_500_page_renders_in_dutch_without_a_request() -> None:
    from django.test import RequestFactory
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("nl"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()


def test_the_api_keeps_its_json_404(world: World) -> None:
    response = _client(world.coordinator).get("/api/v1/bestaat-niet/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


def test_favicon_is_served(db: Any) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "icon" in response["Content-Type"]
