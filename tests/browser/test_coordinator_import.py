"""Issue 17, bulk start, in a real chromium at 1366×768, nl-BE: a coordinator uploads a spreadsheet
with 3 good rows and 2 bad ones; the preview shows each error in its cell, in Dutch, and writes
nothing; confirming writes exactly the 3 good participants. axe finds no serious violation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from buddynet.records.people.models import ConsentEvent, Participant
from tests import factories as f
from tests.browser.conftest import close_when_idle, login, serious_axe_violations
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEADER = ["Voornaam", "Achternaam", "Geboortejaar", "Postcode", "Talen", "Beschikbaarheid", "Interesses",
          "Nood: Wonen", "Nood: Werk", "Toestemming", "Toestemming gegeven op"]
ROWS: list[list[Any]] = [
    ["Nadia", "Amrani", 1980, 9000, "Nederlands, Arabisch", "maandag avond, zaterdag voormiddag", "Koken", 2, 0,
     "Gegevens voor de begeleiding", dt.date(2025, 10, 1)],
    ["Jan", "Claes", 1955, 9050, "nl", "dinsdag namiddag", None, 1, 1, "basic", "30/09/2025"],
    ["Ali", "Yilmaz", 1990, 9000, "Nederlands, Klingon", "maandag avond", None, 1, 0, "basic", "31/02/2025"],
    ["Els", "Wouters", None, 9000, "Frans", "woensdag voormiddag", "Wandelen", 3, 0, "research", "15/10/2025"],
    ["Mia", "Pauwels", 1990, "0001", "nl", "maandag avond", None, 0, 4, "basic", "01/10/2025"],
]


@pytest.fixture
def laptop(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(locale="nl-BE", viewport={"width": 1366, "height": 768}, service_workers="block")
    yield ctx
    close_when_idle(ctx)


def spreadsheet(folder: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    path = folder / "deelnemers.xlsx"
    wb.save(path)
    return path


def test_a_coordinator_imports_three_good_rows_of_five(live_server: Any, laptop: Any, world: World,
                                                        tmp_path: Path) -> None:
    page = laptop.new_page()
    login(page, live_server, world.coordinator.email, f.PASSWORD)
    page.goto(f"{live_server.url}/coordinator/projecten/{world.project.pk}/deelnemers/")
    page.get_by_role("link", name="Importeren", exact=True).click()
    expect(page.get_by_role("heading", name="Deelnemers importeren")).to_be_visible()
    violations = serious_axe_violations(page)
    assert violations == [], [(v["id"], v["help"]) for v in violations]

    before = Participant.objects.count(), ConsentEvent.objects.count()
    page.get_by_label("Rekenblad (CSV of XLSX)").set_input_files(str(spreadsheet(tmp_path)))
    page.get_by_role("button", name="Toon het voorbeeld").click()
    expect(page.get_by_role("heading", name="Voorbeeld van deelnemers.xlsx")).to_be_visible()
    summary = page.locator("#import-summary").inner_text()
    assert "3 rijen worden aangemaakt." in summary and "2 rijen hebben fouten" in summary
    assert (Participant.objects.count(), ConsentEvent.objects.count()) == before, "a preview writes nothing"

    # Each wrong cell holds its own message, in the row and column of the mistake.
    bad_cells = page.locator("td.cell-bad")
    expect(bad_cells).to_have_count(4)
    ali = page.locator("tr[data-row='4']")
    assert "Onbekende taal: Klingon." in ali.locator("td.cell-bad").nth(0).inner_text()
    assert "Geen geldige datum: 31/02/2025" in ali.locator("td.cell-bad").nth(1).inner_text()
    mia = page.locator("tr[data-row='6']")
    assert "Onbekende Belgische postcode: 0001." in mia.locator("td.cell-bad").nth(0).inner_text()
    assert "Een niveau is 0, 1, 2 of 3, niet 4." in mia.locator("td.cell-bad").nth(1).inner_text()
    # The start of the row sums up its wrong cells, so nothing is hidden to the right of the screen.
    assert ali.locator(".row-errors").inner_text().splitlines() == [
        "Talen: Onbekende taal: Klingon.",
        "Toestemming gegeven op: Geen geldige datum: 31/02/2025. Schrijf ze als dd/mm/jjjj, bv. 31/01/2025.",
    ]
    assert mia.locator(".row-errors li").count() == 2
    for good in ("2", "3", "5"):
        assert "wordt aangemaakt" in page.locator(f"tr[data-row='{good}']").inner_text()
    violations = serious_axe_violations(page)
    assert violations == [], [(v["id"], v["help"]) for v in violations]

    page.get_by_role("button", name="3 rijen importeren").click()
    expect(page.get_by_role("heading", name="Deelnemers", exact=True)).to_be_visible()
    assert "3 deelnemers geïmporteerd." in page.get_by_role("status").first.inner_text()
    assert Participant.objects.count() == before[0] + 3
    assert ConsentEvent.objects.count() == before[1] + 3
    imported = set(Participant.objects.filter(project=world.project).values_list("first_name", flat=True))
    assert {"Nadia", "Jan", "Els"} <= imported and not {"Ali", "Mia"} & imported
    jan = Participant.objects.get(first_name="Jan", last_name="Claes")
    assert jan.availability == ["tue_afternoon"] and jan.needs == {"housing": 1, "work": 1}
