"""Bulk start (issue 17): the importer of participants and volunteers, and its pages.

Rows are checked by the intake's own forms and saved through people_import (participant_save /
volunteer_save), all or none; the preview writes nothing; the export imports again.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from buddynet import spreadsheet as ss
from buddynet.records.people import services as people_services
from buddynet.records.people.models import ConsentEvent, Participant, Volunteer
from buddynet.web.coordinator.bulk import check_rows, export_rows
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

P_HEADER = ["Voornaam", "Achternaam", "Geboortejaar", "Postcode", "Talen", "Beschikbaarheid", "Interesses",
            "Nood: Wonen", "Toestemming", "Toestemming gegeven op"]
GOOD = [
    ["Nadia", "Amrani", "1980", "9000", "Nederlands, Arabisch", "maandag avond, zaterdag voormiddag", "Koken",
     "2", "basic", "01/10/2025"],
    ["Jan", "Claes", "1955", "9050", "nl", "di avond", "", "1", "Gegevens voor de begeleiding", "2025-09-30"],
    ["Els", "Wouters", "", "9000", "Frans", "wed_morning", "Wandelen", "3", "research", "15/10/2025"],
]
# "di avond" is no slot name: the second good row uses the code so it stays good.
GOOD[1][5] = "tue_evening"


def table(rows: list[list[Any]], header: list[str] = P_HEADER) -> list[list[ss.ReadCell]]:
    return [[ss.ReadCell(v if v != "" else None) for v in row] for row in [header, *rows]]


def csv_file(rows: list[list[Any]], header: list[str] = P_HEADER) -> bytes:
    return ss.csv_bytes(header, rows)


def errors_of(row: Any) -> dict[str, list[str]]:
    return {str(c.header): e for c, _t, e in row.cells if e}


@pytest.fixture(autouse=True)
def _dutch_on_a_known_day() -> Any:
    with translation.override("nl"), time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


def test_good_rows_become_intake_data(world: World) -> None:
    preview = check_rows(kind="participant", project=world.project, table=table(GOOD))
    assert [r.number for r in preview.good] == [2, 3, 4]
    data = preview.rows[0].data
    assert data is not None
    assert data["languages"] == ["nl", "ar"] and data["availability"] == ["mon_evening", "sat_morning"]
    assert data["needs"] == {"housing": 2} and data["consent_scope"] == "basic"
    assert data["consent_date"] == dt.date(2025, 10, 1) and data["status"] == Participant.Status.WAITING
    assert data["project"] == world.project


def test_bad_dates_unknown_languages_and_missing_consent_are_told_per_cell(world: World) -> None:
    rows = [
        ["Ali", "Yilmaz", "1990", "9000", "Nederlands, Klingon", "mon_evening", "", "1", "basic", "31/02/2025"],
        ["Mia", "Pauwels", "1990", "0001", "nl", "mon_evening", "", "1", "", ""],
        ["Tom", "Smet", "1990", "9000", "nl", "mon_evening", "", "1", "basic", "01/01/2030"],
    ]
    preview = check_rows(kind="participant", project=world.project, table=table(rows))
    assert preview.good == []
    first, second, third = (errors_of(r) for r in preview.rows)
    assert first == {
        "Talen": ["Onbekende taal: Klingon."],
        "Toestemming gegeven op": ["Geen geldige datum: 31/02/2025. Schrijf ze als dd/mm/jjjj, bv. 31/01/2025."],
    }
    assert second["Postcode"] == ["Onbekende Belgische postcode: 0001."]
    assert set(second) == {"Postcode", "Toestemming", "Toestemming gegeven op"}
    assert third == {"Toestemming gegeven op": ["Deze datum ligt in de toekomst."]}


def test_formula_cells_are_refused_and_our_own_apostrophe_is_not_data(world: World) -> None:
    rows = [list(GOOD[0]), list(GOOD[1])]
    rows[0][0] = "=HYPERLINK(\"http://x\",\"Nadia\")"
    rows[1][6] = ""
    data = csv_file(rows)
    # csv_bytes neutralised the formula with an apostrophe: that reads back as the text itself.
    cells = ss.read_table(data, "lijst.csv")
    assert cells[1][0] == ss.ReadCell('=HYPERLINK("http://x","Nadia")')
    raw = data.decode("utf-8-sig").replace("'=HYPERLINK", "=HYPERLINK").encode()
    preview = check_rows(kind="participant", project=world.project, table=ss.read_table(raw, "lijst.csv"))
    assert errors_of(preview.rows[0]) == {"Voornaam": ["Deze cel bevat een formule; typ de waarde zelf."]}
    assert preview.rows[1].ok


def test_xlsx_formula_cells_and_date_cells(world: World) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(P_HEADER)
    ws.append(["Nadia", "Amrani", 1980, 9000, "nl", "mon_evening", None, 2, "basic", dt.datetime(2025, 10, 1)])
    ws.append(["Jan", "Claes", "=1900+55", 9050, "nl", "mon_evening", None, 1, "basic", dt.datetime(2025, 10, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    preview = check_rows(kind="participant", project=world.project, table=ss.read_table(buf.getvalue(), "x.xlsx"))
    assert preview.rows[0].ok, errors_of(preview.rows[0])
    assert preview.rows[0].data and preview.rows[0].data["postcode"] == "9000"
    assert errors_of(preview.rows[1]) == {"Geboortejaar": ["Deze cel bevat een formule; typ de waarde zelf."]}


def test_duplicate_rows_in_the_file_and_in_the_project(world: World) -> None:
    rows = [GOOD[0], list(GOOD[0]), ["Marieke", "Peeters", "", world.participant.postcode, "nl", "mon_evening", "",
                                     "1", "basic", "01/10/2025"]]
    existing = {("marieke", "peeters", world.participant.postcode.casefold())}
    preview = check_rows(kind="participant", project=world.project, table=table(rows), existing=existing)
    assert [r.ok for r in preview.rows] == [True, False, False]
    assert errors_of(preview.rows[1]) == {"Voornaam": ["Dezelfde persoon als rij 2 (naam en postcode)."]}
    assert errors_of(preview.rows[2]) == {"Voornaam": ["Al in dit project (zelfde naam en postcode)."]}


def test_missing_columns_are_named(world: World) -> None:
    preview = check_rows(kind="participant", project=world.project, table=table([GOOD[0][:8]], P_HEADER[:8]))
    assert preview.file_errors == ["Deze kolommen ontbreken: Toestemming, Toestemming gegeven op."]


def test_people_import_saves_all_or_nothing(world: World) -> None:
    preview = check_rows(kind="participant", project=world.project, table=table(GOOD))
    rows = [(r.number, r.data or {}) for r in preview.good]
    rows[2][1]["postcode"] = "0001"  # the postcode list changed between preview and confirm
    before = Participant.objects.count()
    with pytest.raises(people_services.RowRefused) as refused:
        people_services.people_import(project=world.project, kind="participant", rows=rows, by=world.coordinator)
    assert refused.value.row == 4
    assert Participant.objects.count() == before
    with pytest.raises(people_services.NotAllowed):
        people_services.people_import(project=world.project, kind="participant", rows=rows[:1],
                                      by=world.other_coordinator)
    assert Participant.objects.count() == before


def _upload(client: Client, url: str, data: bytes, name: str = "lijst.csv") -> Any:
    return client.post(url, {"file": io_file(data, name)})


def io_file(data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_preview_writes_nothing_and_confirm_writes_the_good_rows(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator)
    url = reverse("web:coordinator-participant-import", args=[world.project.pk])
    bad = ["Ali", "Yilmaz", "1990", "9000", "Klingon", "mon_evening", "", "1", "basic", "31/02/2025"]
    before = Participant.objects.count(), ConsentEvent.objects.count()
    response = _upload(client, url, csv_file([*GOOD, bad]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Onbekende taal: Klingon." in page and "Geen geldige datum: 31/02/2025" in page
    assert (Participant.objects.count(), ConsentEvent.objects.count()) == before
    digest = response.context["digest"]
    response = client.post(url, {"confirm": "1", "digest": digest})
    assert response.status_code == 302
    assert Participant.objects.count() == before[0] + 3
    assert ConsentEvent.objects.count() == before[1] + 3
    nadia = Participant.objects.get(first_name="Nadia", last_name="Amrani")  # the world's random names may hold a Nadia
    assert nadia.project == world.project and nadia.status == Participant.Status.WAITING
    assert nadia.consent_recorded_by == world.coordinator and nadia.municipality == "Gent"
    # The preview is used up: a second confirm imports nothing twice.
    response = client.post(url, {"confirm": "1", "digest": digest})
    assert response.status_code == 302 and Participant.objects.count() == before[0] + 3


def test_an_outsider_cannot_import_into_the_project(world: World) -> None:
    client = Client()
    client.force_login(world.other_coordinator)
    url = reverse("web:coordinator-participant-import", args=[world.project.pk])
    before = Participant.objects.count()
    assert _upload(client, url, csv_file(GOOD)).status_code == 404
    assert client.post(url, {"confirm": "1", "digest": "x"}).status_code == 404
    assert Participant.objects.count() == before


def test_volunteers_export_imports_again(world: World) -> None:
    f.VolunteerFactory(project=world.project, first_name="Ann", last_name="Maes",
                       privacy_informed_on=dt.date(2025, 1, 1))
    client = Client()
    client.force_login(world.coordinator)
    response = client.get(reverse("web:coordinator-volunteer-export", args=[world.project.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    cells = ss.read_table(response.content, "v.xlsx")
    names = [c.value for c in cells[0]]
    assert "Privacyverklaring uitgelegd" in names and "Sterkte: Wonen" in names
    # Imported again into the project, an exported row is a duplicate, not a new volunteer.
    preview = check_rows(kind="volunteer", project=world.project, table=cells,
                         existing={("ann", "maes", "9000")})
    ann = next(r for r in preview.rows if r.name == "Ann Maes")
    assert errors_of(ann) == {"Voornaam": ["Al in dit project (zelfde naam en postcode)."]}
    # ...and in another project the same file is good as it is, but for the volunteer who was never
    # told about privacy (Bert): the import asks for it as the intake does.
    preview = check_rows(kind="volunteer", project=world.other_project, table=cells)
    by_name = {r.name: r for r in preview.rows}
    assert by_name["Ann Maes"].ok, errors_of(by_name["Ann Maes"])
    told = "Schrijf “ja” zodra de privacyverklaring aan deze vrijwilliger werd uitgelegd."
    assert errors_of(by_name["Bert Janssens"]) == {"Privacyverklaring uitgelegd": [told]}
    data = by_name["Ann Maes"].data or {}
    ann = Volunteer.objects.get(first_name="Ann", last_name="Maes")
    assert (data["languages"], data["availability"], data["strengths"]) == (ann.languages, ann.availability,
                                                                           ann.strengths)


def test_export_rows_use_the_import_columns(world: World) -> None:
    columns, rows = export_rows("participant", [world.participant])
    assert len(rows[0]) == len(columns)


def test_a_participant_export_is_in_each_participants_access_log(world: World) -> None:
    from buddynet.security.audit import participant_reads

    client = Client()
    client.force_login(world.coordinator)
    response = client.get(reverse("web:coordinator-participant-export", args=[world.project.pk]), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "Marieke" in response.content.decode("utf-8-sig")
    reads = participant_reads(world.participant.pk)
    assert [r.additional_data["route"] for r in reads] == ["web:coordinator-participant-export"]
    assert world.other_participant.last_name not in response.content.decode("utf-8-sig")
