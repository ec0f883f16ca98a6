"""Exports people open in Excel: the report XLSX has one sheet per section with Dutch headers,
real number and date cells and frozen headers; the CSV is UTF-8 with a BOM, `;` and decimal
commas. Text someone typed that a spreadsheet would run as a formula arrives as text in every
CSV/XLSX the project writes (report, portfolio, allowance list, network map)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from buddynet.features.funding.models import AllowancePayment, Funder, ProgressReport
from buddynet.records.people.models import Project, Volunteer
from netwerk import services as netwerk_services
from tests.conftest import World, client_for
from tests.funding.builders import hand_built, pages, portfolio_get, second_grant

ATTACK = '=HYPERLINK("http://evil.example","Open report")'
SHORT_ATTACK = '=HYPERLINK("http://x.be","Open")'  # a contact's label holds 40 characters
REPORTS = "/api/v1/funding/reports/"


def no_formula(xlsx: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode(), name


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "no BOM"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def frozen_report(world: World) -> ProgressReport:
    hand_built(world.funder, project=world.project)
    client = client_for(world.coordinator)
    made = client.post(REPORTS, {"grant": world.project.grants.get().pk, "period_start": "2025-01-01",
                                 "period_end": "2025-12-31"}, format="json")
    assert client.post(f"{REPORTS}{made.json()['id']}/sign-off/", {"confirmation": made.json()["name"]},
                         format="json").status_code == 200
    return ProgressReport.objects.get(pk=made.json()["id"])


def test_the_report_xlsx_has_a_sheet_per_section_with_typed_cells(world: World) -> None:
    report = frozen_report(world)

    data = pages(world.funder_user).get(f"/financiering/rapporten/{report.pk}/rapport.xlsx").content

    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Verslag", "Inhoud", "Afgesloten duo's, per reden", "Noden per levensdomein",
                             "Doorverwijzingen", "Doorverwijzingen per dienst", "Doorverwijzingen per uitkomst",
                             "Verandering in het netwerk", "Budgetlijnen", "Uitgaven per jaar", "Geld", "Schijven",
                             "Rapportageverplichtingen"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws["A1"].font.bold
        assert all(ws.column_dimensions[c].width >= 10 for c in "AB")
    head = {row[0].value: row[1] for row in wb["Verslag"].iter_rows(min_row=2)}
    assert head["Toegekend bedrag"].value == 45000 and head["Toegekend bedrag"].number_format == '"€" #,##0.00'
    assert head["Periode van"].is_date and head["Periode van"].value == dt.datetime(2025, 1, 1)
    lines = wb["Budgetlijnen"]
    assert [c.value for c in lines[1]] == ["Budgetlijn", "Budget", "Uitgegeven in de periode", "Uitgegeven tot nu",
                                           "Resterend", "Deel uitgegeven"]
    personnel = next(r for r in lines.iter_rows(min_row=2) if r[0].value == "Personeel")
    assert personnel[1].value == 30000 and personnel[3].value == 12000 and personnel[3].data_type == "n"
    assert personnel[5].value == 0.4 and personnel[5].number_format == "0.0%"
    content = {row[0].value: row[1] for row in wb["Inhoud"].iter_rows(min_row=2)}
    assert content["Bereikte deelnemers"].data_type == "n" and content["Bereikte deelnemers"].value >= 5
    assert content["Zorgen gemeld"].value == "< 5"  # suppressed counts stay text
    tranches = wb["Schijven"]
    assert tranches["A2"].is_date and tranches["B2"].value == 18000 and tranches["D2"].value == "betaald"


def test_the_report_csv_is_what_belgian_excel_opens(world: World) -> None:
    report = frozen_report(world)

    rows = csv_rows(pages(world.funder_user).get(f"/financiering/rapporten/{report.pk}/rapport.csv").content)

    assert rows[0] == ["Sectie", "Onderdeel", "Kolom", "Waarde"]
    assert ["Verslag", "Toegekend bedrag", "", "45000,00"] in rows
    assert ["Budgetlijnen", "Personeel", "Uitgegeven tot nu", "12000,00"] in rows
    assert ["Budgetlijnen", "Personeel", "Deel uitgegeven", "0,4"] in rows
    assert ["Verslag", "Periode van", "", "2025-01-01"] in rows


def test_a_project_named_like_a_formula_reaches_report_and_portfolio_as_text(world: World) -> None:
    Project.objects.filter(pk=world.project.pk).update(name=ATTACK)
    Funder.objects.filter(pk=world.funder.pk).update(name="@" + ATTACK[1:])
    report = frozen_report(world)
    second_grant(world.funder)
    funder = pages(world.funder_user)
    portfolio = f"/financiering/portefeuille/{world.funder.pk}/rapport"
    query = "?start=2025-01-01&end=2025-12-31"

    files = {
        "report": (funder.get(f"/financiering/rapporten/{report.pk}/rapport.csv").content,
                   funder.get(f"/financiering/rapporten/{report.pk}/rapport.xlsx").content),
        "portfolio": (portfolio_get(funder, f"{portfolio}.csv{query}").content,
                      portfolio_get(funder, f"{portfolio}.xlsx{query}").content),
    }

    for body, xlsx in files.values():
        cells = [c for row in csv_rows(body) for c in row]
        assert "'" + ATTACK in cells and ATTACK not in cells
        no_formula(xlsx)
        wb = load_workbook(io.BytesIO(xlsx))
        texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == ATTACK]
        assert texts and all(c.data_type == "s" and c.quotePrefix for c in texts)
    portfolio_cells = [c for row in csv_rows(files["portfolio"][0]) for c in row]
    assert "'@" + ATTACK[1:] in portfolio_cells


def test_a_volunteer_named_like_a_formula_is_text_in_the_allowance_list(world: World) -> None:
    Volunteer.objects.filter(pk=world.volunteer.pk).update(first_name="-2+3", last_name="+cmd")
    AllowancePayment.objects.create(volunteer=world.volunteer, kind="flat_rate", paid_on=dt.date(2026, 3, 1),
                                    year=2026, days=5, amount=Decimal("220.10"))

    body = pages(world.coordinator).get(f"/financiering/vergoedingen/{world.project.pk}/lijst.csv?year=2026").content

    assert csv_rows(body)[1] == ["'-2+3 +cmd", "", "5", "220,10", "0,00", "0", "0,00"]


def test_a_contact_labelled_like_a_formula_is_text_in_the_network_csv(world: World) -> None:
    network_map = netwerk_services.map_create(participant=world.participant, by=world.coordinator,
                                              on=dt.date(2025, 6, 1))
    netwerk_services.alter_add(network_map=network_map, by=world.coordinator,
                               data={"label": SHORT_ATTACK, "category": "friend", "ring": 2})
    client = pages(world.coordinator)

    for url in (reverse("netwerk:map-export", args=[network_map.pk, "nodes.csv"]),
                reverse("netwerk:project-export", args=[world.project.pk, "nodes.csv"])):
        rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode())))
        labels = [r["label"] for r in rows]
        assert "'" + SHORT_ATTACK in labels and SHORT_ATTACK not in labels
        assert all(r["ring"].lstrip("-").isdigit() for r in rows)  # numbers stay numbers
