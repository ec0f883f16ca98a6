"""The network-map pages in a real chromium: the picture beside the form, live, accessible."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from netwerk import services
from netwerk.models import NetworkMap
from tests.browser.conftest import SCREENSHOTS, login, screenshot, serious_axe_violations
from tests.conftest import World
from tests.factories import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    ("Mama", "family", 1, "supportive", ["housing", "social"], False),
    ("Broer Karim", "family", 2, "strained", [], False),
    ("Tante Rosa", "family", 3, "mixed", ["childcare"], False),
    ("Huisarts", "professional", 2, "supportive", ["health"], False),
    ("OCMW", "organisation", 3, "supportive", ["income", "administration"], False),
    ("Schuldbemiddelaar", "professional", 3, "mixed", ["income"], False),
    ("Buurvrouw Ria", "neighbour", 2, "supportive", ["social"], True),
    ("Wandelclub", "organisation", 3, "supportive", ["leisure"], True),
    ("Collega Sam", "colleague", 2, "supportive", ["work"], False),
    ("Bert", "buddy", 1, "supportive", ["social", "leisure"], False),
]


def two_maps(world: World) -> tuple[NetworkMap, NetworkMap]:
    first = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2025, 6, 1),
                                copy_from_last=False)
    for label, category, ring, valence, domains, _via in PEOPLE[:6]:
        services.alter_add(network_map=first, by=world.coordinator, data={
            "label": label, "category": category, "ring": ring, "valence": valence, "life_domains": domains})
    alters = {a.label: a for a in first.alters.all()}
    services.tie_add(a=alters["Mama"], b=alters["Broer Karim"])
    services.tie_add(a=alters["Mama"], b=alters["Tante Rosa"])
    services.tie_add(a=alters["Huisarts"], b=alters["OCMW"])
    second = services.map_create(participant=world.participant, by=world.coordinator, occasion="interim",
                                 on=dt.date(2025, 12, 1))
    services.alter_remove(alter=second.alters.get(label="Schuldbemiddelaar"))
    for label, category, ring, valence, domains, via in PEOPLE[6:]:
        services.alter_add(network_map=second, by=world.coordinator, data={
            "label": label, "category": category, "ring": ring, "valence": valence, "life_domains": domains,
            "via_buddy": via})
    now = {a.label: a for a in second.alters.all()}
    services.tie_add(a=now["Bert"], b=now["Buurvrouw Ria"])
    services.tie_add(a=now["Buurvrouw Ria"], b=now["Wandelclub"])
    return first, second


def test_the_coordinator_records_a_person_and_the_picture_follows(live_server: Any, context: Any,
                                                                   world: World) -> None:
    _first, second = two_maps(world)
    page = context.new_page()
    login(page, live_server, world.coordinator.email, PASSWORD)

    page.goto(f"{live_server.url}/netwerk/kaarten/{second.pk}/")
    picture = page.locator("#map-picture")
    picture.wait_for()
    page.wait_for_function("() => { const img = document.getElementById('map-picture');"
                           " return img.complete && img.naturalWidth > 0; }")
    old_src = picture.get_attribute("src")
    assert serious_axe_violations(page) == []
    screenshot(page, "netwerk-map-edit")

    page.get_by_label("Naam of rol").first.fill("Kookgroep")
    page.locator("#id_new-category").select_option("organisation")
    page.get_by_role("button", name="Toevoegen").click()

    page.get_by_text("Kookgroep toegevoegd.").wait_for()
    assert page.url.endswith(f"/netwerk/kaarten/{second.pk}/")  # no reload: sent in the background
    assert page.locator("#map-picture").get_attribute("src") != old_src
    assert second.alters.filter(label="Kookgroep").exists()
    # The new picture loads after the swap; wait for it rather than race it.
    page.wait_for_function("() => { const img = document.getElementById('map-picture');"
                           " return img.complete && img.naturalWidth > 0; }")


def test_the_history_shows_both_maps_side_by_side(live_server: Any, context: Any, world: World) -> None:
    two_maps(world)
    page = context.new_page()
    login(page, live_server, world.coordinator.email, PASSWORD)

    page.goto(f"{live_server.url}/netwerk/deelnemers/{world.participant.pk}/")

    image = page.locator("figure.picture img")
    image.wait_for()
    page.wait_for_function("() => { const img = document.querySelector('figure.picture img');"
                           " return img.complete && img.naturalWidth > 0; }")
    assert serious_axe_violations(page) == []
    screenshot(page, "netwerk-history")


def test_the_picture_itself(live_server: Any, context: Any, world: World) -> None:
    first, second = two_maps(world)
    page = context.new_page()
    login(page, live_server, world.coordinator.email, PASSWORD)

    page.goto(f"{live_server.url}/netwerk/kaarten/{second.pk}/beeld.svg?vergelijk={first.pk}")

    assert page.locator("svg g.alter").count() == first.alters.count() + second.alters.count()
    # A bare SVG document has no scrollable page to stitch: shoot the element (full_page hangs).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("svg").first.screenshot(path=str(SCREENSHOTS / "netwerk-picture.png"))


def test_the_map_page_works_on_a_phone(live_server: Any, phone_context: Any, world: World) -> None:
    _first, second = two_maps(world)
    page = phone_context.new_page()
    login(page, live_server, world.coordinator.email, PASSWORD)

    page.goto(f"{live_server.url}/netwerk/kaarten/{second.pk}/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_axe_violations(page) == []
    screenshot(page, "netwerk-map-edit-phone")
    page.locator("#picture-panel").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "netwerk-map-edit-phone-picture.png"))  # what one screen shows


def test_every_label_of_the_picture_stays_inside_its_panel(live_server: Any, context: Any, world: World) -> None:
    """Long names on the outer ring of the left and right sectors (issue 17: "Voedselbank" and
    "Huisarts" lost their first letters at the picture's edge on the participant's page); both
    panels of a side-by-side picture, measured with the fonts chromium really uses."""
    first, second = two_maps(world)
    for label, category in (("CAW onthaal", "organisation"), ("Schuldbemiddeling", "professional"),
                            ("Voedselbank", "organisation"), ("Huisarts", "professional"),
                            ("Tante Rosalinde", "family"), ("Buurvrouw Annemie", "neighbour"),
                            ("Collega Maarten", "colleague")):
        services.alter_add(network_map=second, by=world.coordinator, data={
            "label": label, "category": category, "ring": 3, "valence": "supportive", "life_domains": []})
    page = context.new_page()
    login(page, live_server, world.coordinator.email, PASSWORD)
    page.goto(f"{live_server.url}/netwerk/kaarten/{second.pk}/beeld.svg?vergelijk={first.pk}")
    outside = page.evaluate("""() => {
        const svg = document.querySelector('svg');
        const box = svg.getBoundingClientRect();
        const panels = [...svg.querySelectorAll('g.panel')];
        const scale = box.width / svg.viewBox.baseVal.width;
        const width = svg.viewBox.baseVal.width / panels.length;
        const out = [];
        panels.forEach((panel, i) => {
            const left = box.left + i * width * scale, right = left + width * scale;
            for (const text of panel.querySelectorAll('text')) {
                const r = text.getBoundingClientRect();
                if (r.left < left - 0.5 || r.right > right + 0.5) out.push(text.textContent);
            }
        });
        return out;
    }""")
    assert page.locator("g.alter").count() > 20
    assert outside == []
