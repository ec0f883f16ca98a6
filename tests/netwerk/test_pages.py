"""Coordinator pages of netwerk: who may see them, recording a map, the picture, the exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import networkx as nx
import pytest
from django.test import Client
from django.urls import reverse

from netwerk import export, selectors, services
from netwerk import measures as m
from netwerk.models import Alter, NetworkMap, Tie
from tests import factories as f
from tests.conftest import World

SVG = "{http://www.w3.org/2000/svg}"


def make_map(world: World, on: dt.date = dt.date(2025, 6, 1), participant: Any = None) -> NetworkMap:
    network_map = services.map_create(participant=participant or world.participant, by=world.coordinator, on=on)
    if network_map.alters.exists():
        return network_map
    add = services.alter_add
    mother = add(network_map=network_map, by=world.coordinator,
                 data={"label": "Mama", "category": "family", "ring": 1, "life_domains": ["housing"]})
    sister = add(network_map=network_map, by=world.coordinator,
                 data={"label": "Zus <Lien>", "category": "family", "ring": 2, "valence": "mixed"})
    add(network_map=network_map, by=world.coordinator,
        data={"label": "OCMW", "category": "professional", "ring": 3, "support_types": ["practical"]})
    add(network_map=network_map, by=world.coordinator,
        data={"label": "Ria", "category": "neighbour", "ring": 2, "via_buddy": True, "life_domains": ["social"]})
    services.tie_add(a=mother, b=sister)
    return network_map


def browser(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


PAGES: list[tuple[str, Callable[[World], str]]] = [
    ("index", lambda w: reverse("netwerk:index")),
    ("participant-maps", lambda w: reverse("netwerk:participant-maps", args=[w.participant.pk])),
    ("map-edit", lambda w: reverse("netwerk:map-edit", args=[make_map(w).pk])),
    ("map-picture", lambda w: reverse("netwerk:map-picture", args=[make_map(w).pk])),
    ("map-change", lambda w: reverse("netwerk:map-change", args=[
        services.map_create(participant=w.participant, by=w.coordinator, on=dt.date(2026, 1, 1),
                            copy_from_last=True).pk if make_map(w) else 0])),
    ("map-export", lambda w: reverse("netwerk:map-export", args=[make_map(w).pk, "graphml"])),
    ("project-export", lambda w: reverse("netwerk:project-export", args=[w.project.pk, "nodes.csv"])),
]


@pytest.mark.parametrize(("role", "expected"), [
    ("admin", 200), ("coordinator", 200), ("volunteer_user", 404), ("other_coordinator", 404),
    ("funder_user", 404), ("anonymous", 302),
])
@pytest.mark.parametrize(("page", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_only_the_participants_coordinator_sees_the_network_pages(
    world: World, page: str, url: Callable[[World], str], role: str, expected: int,
) -> None:
    if page == "index" and role == "other_coordinator":
        expected = 200  # their own list, without this project's participants
    response = browser(None if role == "anonymous" else getattr(world, role)).get(url(world))

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("web:login"))
    if page == "index" and role == "other_coordinator":
        assert world.participant.last_name not in response.content.decode()


def test_the_index_lists_the_participants_in_numbered_pages(world: World) -> None:
    # Issue 20: the whole list cost 6x the time at 10x the people (benchmarks/scale.py); now 50
    # a page, sliced in the database, with the coordinator lists' pager.
    from netwerk.views import INDEX_PAGE

    for i in range(INDEX_PAGE + 4):
        f.ParticipantFactory(project=world.project, last_name=f"Kaartloos{i:02d}")
    client = browser(world.coordinator)

    first = client.get(reverse("netwerk:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get(reverse("netwerk:index"), {"page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    rows = re.compile(r"<tr><td>(.*?)</tr>", re.S)
    assert (len(rows.findall(first)), len(rows.findall(second))) == (INDEX_PAGE, 5)  # 54 + the world's own
    assert "Page 1 of 2 (55 in all)" in first and 'href="?page=2"' in first
    assert "Kaartloos53" in second and "Kaartloos53" not in first


def test_the_outsider_cannot_compare_with_a_map_of_another_participant(world: World) -> None:
    mine = make_map(world)
    theirs = make_map(world, participant=f.ParticipantFactory(project=world.project))

    response = browser(world.coordinator).get(
        reverse("netwerk:map-picture", args=[mine.pk]) + f"?vergelijk={theirs.pk}")

    assert response.status_code == 404


def test_recording_a_person_on_the_map_page_adds_them_with_their_ties(world: World) -> None:
    network_map = make_map(world)
    mother = network_map.alters.get(label="Mama")
    client = browser(world.coordinator)
    url = reverse("netwerk:map-edit", args=[network_map.pk])

    response = client.post(url, {
        "action": "add", "new-label": "Koor", "new-category": "organisation", "new-ring": "3",
        "new-valence": "supportive", "new-life_domains": ["leisure", "social"], "new-knows": [mother.pk],
    })

    assert response.status_code == 302
    added = network_map.alters.get(label="Koor")
    assert added.life_domains == ["leisure", "social"] and added.added_by == world.coordinator
    assert Tie.objects.filter(map=network_map, a_id=min(mother.pk, added.pk), b_id=max(mother.pk, added.pk)).exists()
    page = client.get(url)
    assert page.status_code == 200
    assert "Koor" in page.content.decode()


def test_a_bad_person_on_the_map_page_is_refused_and_nothing_is_saved(world: World) -> None:
    network_map = make_map(world)
    before = Alter.objects.count()

    response = browser(world.coordinator).post(reverse("netwerk:map-edit", args=[network_map.pk]), {
        "action": "add", "new-label": "X", "new-category": "stranger", "new-ring": "7", "new-valence": "supportive",
    })

    assert response.status_code == 400
    assert Alter.objects.count() == before
    assert response.context["add_form"].errors.keys() >= {"category", "ring"}


def test_editing_a_person_updates_them_and_who_they_know(world: World) -> None:
    network_map = make_map(world)
    sister = network_map.alters.get(label="Zus <Lien>")
    ocmw = network_map.alters.get(label="OCMW")

    response = browser(world.coordinator).post(reverse("netwerk:map-edit", args=[network_map.pk]), {
        "action": "edit", "alter": sister.pk, f"alter-{sister.pk}-label": "Zus",
        f"alter-{sister.pk}-category": "family",
        f"alter-{sister.pk}-ring": "1", f"alter-{sister.pk}-valence": "supportive",
        f"alter-{sister.pk}-knows": [ocmw.pk],
    })

    assert response.status_code == 302
    sister.refresh_from_db()
    assert (sister.label, sister.ring, sister.valence) == ("Zus", 1, "supportive")
    ties = {(t.a_id, t.b_id) for t in Tie.objects.filter(map=network_map)}
    assert ties == {(min(sister.pk, ocmw.pk), max(sister.pk, ocmw.pk))}  # the tie to Mama was unticked


def test_a_new_map_from_the_history_page_starts_from_the_last(world: World) -> None:
    first = make_map(world)

    response = browser(world.coordinator).post(reverse("netwerk:map-create", args=[world.participant.pk]), {
        "occasion": "interim", "date": "2025-12-01", "copy_from_last": "on",
    })

    second = NetworkMap.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("netwerk:map-edit", args=[second.pk])
    assert {a.key for a in second.alters.all()} == {a.key for a in first.alters.all()}


def test_the_picture_is_an_accessible_svg_with_one_node_per_alter(world: World) -> None:
    network_map = make_map(world)

    response = browser(world.coordinator).get(reverse("netwerk:map-picture", args=[network_map.pk]),
                                              HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output, made in this test
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text.startswith("Network map")
    assert "4 people" in root.find(f"{SVG}desc").text
    nodes = root.findall(f".//{SVG}g[@class='alter']")
    assert len(nodes) == network_map.alters.count()
    assert {n.get("data-key") for n in nodes} == {str(a.key) for a in network_map.alters.all()}
    assert "Zus <Lien>" in {n.find(f"{SVG}title").text.split(" · ")[0] for n in nodes}  # escaped, not markup
    assert len(root.findall(f".//{SVG}line[@class='tie']")) == 1
    assert len(root.findall(f".//{SVG}text[@class='via-buddy']")) == 1
    assert b"Peeters" not in response.content  # no participant name in the picture


def test_two_snapshots_are_drawn_side_by_side(world: World) -> None:
    first = make_map(world)
    second = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2026, 1, 1))
    services.alter_add(network_map=second, by=world.coordinator, data={"label": "Koor", "category": "organisation"})

    svg = selectors.map_picture_svg(network_map=second, compare_to=first)

    root = ET.fromstring(svg)  # noqa: S314 - our own output, made in this test
    panels = root.findall(f"{SVG}g[@class='panel']")
    assert len(panels) == 2
    assert [len(p.findall(f".//{SVG}g[@class='alter']")) for p in panels] == [4, 5]


def test_the_change_page_names_who_is_new_gone_and_kept(world: World) -> None:
    first = make_map(world)
    second = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2026, 1, 1))
    services.alter_add(network_map=second, by=world.coordinator, data={"label": "Koor", "category": "organisation"})
    services.alter_remove(alter=second.alters.get(label="OCMW"))

    response = browser(world.coordinator).get(reverse("netwerk:map-change", args=[second.pk]))

    assert response.status_code == 200
    assert [a["label"] for a in response.context["gained"]] == ["Koor"]
    assert [a["label"] for a in response.context["lost"]] == ["OCMW"]
    assert len(response.context["kept"]) == 3
    assert first


# --- exports --------------------------------------------------------------------------------
def test_graphml_read_back_with_networkx_gives_the_same_measures(world: World, tmp_path: Any) -> None:
    first = make_map(world)
    second = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2026, 1, 1))
    services.alter_add(network_map=second, by=world.coordinator, data={"label": "Bert", "category": "buddy"})
    path = tmp_path / "maps.graphml"

    response = browser(world.coordinator).get(reverse("netwerk:project-export", args=[world.project.pk, "graphml"]))
    path.write_bytes(response.content)

    assert response.status_code == 200
    raw = nx.read_graphml(path)  # plain networkx, no help from us
    assert raw.number_of_nodes() == 2 + 4 + 5
    graphs = export.read_graphml(path)
    for network_map in (first, second):
        assert m.measure(graphs[network_map.pk]) == selectors.map_measures(network_map=network_map)
        # Structure alone, straight from networkx's reader: the same constraint.
        ego = f"{network_map.pk}:ego"
        assert nx.constraint(raw, [ego])[ego] == pytest.approx(
            selectors.map_measures(network_map=network_map).with_buddy.constraint, abs=1e-12)


def test_the_pseudonymised_export_has_codes_instead_of_labels(world: World) -> None:
    network_map = make_map(world)
    client = browser(world.coordinator)

    graphml = client.get(reverse("netwerk:map-export", args=[network_map.pk, "graphml"]) + "?pseudo=1")
    nodes = client.get(reverse("netwerk:map-export", args=[network_map.pk, "nodes.csv"]) + "?pseudo=1")
    edges = client.get(reverse("netwerk:map-export", args=[network_map.pk, "edges.csv"]) + "?pseudo=1")

    for response in (graphml, nodes, edges):
        assert response.status_code == 200
        body = response.content.decode()
        for label in ("Mama", "Lien", "OCMW", "Ria", world.participant.first_name, world.participant.last_name):
            assert label not in body
    rows = list(csv.DictReader(io.StringIO(nodes.content.decode())))
    assert sorted(r["label"] for r in rows if r["is_ego"] == "false") == ["P1", "P2", "P3", "P4"]
    edge_rows = list(csv.DictReader(io.StringIO(edges.content.decode())))
    assert sorted(r["kind"] for r in edge_rows) == ["ego"] * 4 + ["tie"]
    assert "pseudo" in graphml["Content-Disposition"]


def test_the_plain_export_keeps_the_labels(world: World) -> None:
    network_map = make_map(world)

    response = browser(world.coordinator).get(reverse("netwerk:map-export", args=[network_map.pk, "nodes.csv"]))

    assert "Mama" in response.content.decode()


def test_an_unknown_export_format_is_not_found(world: World) -> None:
    network_map = make_map(world)

    response = browser(world.coordinator).get(reverse("netwerk:map-export", args=[network_map.pk, "xlsx"]))

    assert response.status_code == 404


def test_a_map_moved_into_the_future_on_the_page_is_refused_on_its_own_form(world: World) -> None:
    network_map = make_map(world)

    response = browser(world.coordinator).post(reverse("netwerk:map-edit", args=[network_map.pk]), {
        "action": "map", "map-occasion": "intake", "map-date": "2999-01-01", "map-note": "",
    })

    assert response.status_code == 400
    assert "date" in response.context["map_form"].errors
    network_map.refresh_from_db()
    assert network_map.date == dt.date(2025, 6, 1)


def test_a_new_map_dated_in_the_future_is_refused(world: World) -> None:
    response = browser(world.coordinator).post(reverse("netwerk:map-create", args=[world.participant.pk]), {
        "occasion": "interim", "date": "2999-01-01"})

    assert response.status_code == 302
    assert not NetworkMap.objects.exists()


def test_the_pseudonymised_picture_for_reports_has_codes_that_follow_the_person(world: World) -> None:
    first = make_map(world)
    second = services.map_create(participant=world.participant, by=world.coordinator, on=dt.date(2026, 1, 1))

    svg = selectors.map_picture_svg(network_map=second, compare_to=first, pseudonymised=True)

    for label in ("Mama", "Lien", "OCMW", "Ria"):
        assert label not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output, made in this test
    panels = root.findall(f"{SVG}g[@class='panel']")
    labels = [{n.get("data-key"): n.find(f"{SVG}title").text.split(" · ")[0]
               for n in p.findall(f".//{SVG}g[@class='alter']")} for p in panels]
    assert labels[0] == labels[1]
    assert sorted(labels[0].values()) == ["P1", "P2", "P3", "P4"]


def test_the_picture_renders_inside_a_pdf_as_the_reports_are_made(world: World) -> None:
    """The ecogram is self-contained SVG (no fonts or files to fetch), so WeasyPrint, which makes
    the report PDFs, draws it: the page with the picture has ink where the page without has none."""
    import base64

    import pypdfium2
    from weasyprint import HTML

    first = make_map(world)
    svg = selectors.map_picture_svg(network_map=first, pseudonymised=True)
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()

    def ink(body: str) -> int:
        pdf = pypdfium2.PdfDocument(HTML(string=f"<html><body>{body}</body></html>").write_pdf())
        return sum(pdf[0].render(scale=1).to_pil().convert("L").histogram()[:200])

    with_picture = ink(f'<img src="{src}" alt="" style="width: 15cm">')
    assert ink("") == 0
    assert with_picture > 1_500, with_picture  # rings, people and lines (about 6,000 pixels), not an empty box
