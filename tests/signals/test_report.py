"""The signal report: counts by barrier type × municipality × life domain, cells below 5
suppressed, shareable descriptions only, no names, consent respected; its page, PDF and XLSX;
and a barrier recorded on the phone reaches the coordinator's list and the report."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from buddynet.features.signals import report, selectors, services
from buddynet.features.signals.models import Signal
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

REPORT = "/signalen/rapport/"


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(user)
    return client


def consenting(world: World, n: int, *, municipality: str = "Gent", postcode: str = "9000") -> list[Any]:
    return [f.ParticipantFactory(project=world.project, first_name=f"Naam{i}", last_name=f"Achternaam{i}",
                                 postcode=postcode, municipality=municipality, consent_scope="research",
                                 consent_date=dt.date(2025, 1, 1)) for i in range(n)]


def record(world: World, people: list[Any], barrier: str, domain: str, *, on: dt.date = dt.date(2025, 3, 1),
           description: str = "") -> list[Signal]:
    return [services.signal_record(participant=p, by=world.coordinator, on=on,
                                   data={"barrier_type": barrier, "life_domain": domain, "description": description})
            for p in people]


def numbers(world: World, **kw: Any) -> dict[str, Any]:
    signals = selectors.signals_filtered(user=world.coordinator, project_ids=[world.project.pk])
    return report.signal_report(signals=signals, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), **kw)


def test_cells_below_five_are_suppressed_and_there_is_no_total_to_subtract(world: World) -> None:
    gent = consenting(world, 9)
    record(world, gent[:6], "waiting-lists", "housing")
    record(world, gent[6:], "waiting-lists", "health")  # 3
    record(world, consenting(world, 5, municipality="Brugge", postcode="8000"), "digital-exclusion",
           "administration")
    record(world, gent[:2], "housing", "housing", on=dt.date(2024, 12, 31))  # before the period

    cells = {(c["barrier_type"], c["municipality"], c["life_domain"]): c["count"] for c in numbers(world)["cells"]}

    assert cells == {("waiting-lists", "Gent", "housing"): 6, ("waiting-lists", "Gent", "health"): "< 5",
                     ("digital-exclusion", "Brugge", "administration"): 5}
    assert cells == {(c["barrier_type"], c["municipality"], c["life_domain"]): c["count"]
                     for c in numbers(world)["cells"]}
    only_brugge = numbers(world, municipality="brugge")["cells"]
    assert [c["municipality"] for c in only_brugge] == ["Brugge"]


def test_only_participants_with_reporting_consent_are_counted(world: World) -> None:
    people = consenting(world, 5)
    people[0].consent_scope = "network"
    people[0].save()
    record(world, people, "non-take-up", "income")
    result = numbers(world)
    assert result["cells"][0]["count"] == "< 5" and result["left_out"] == "< 5"


def test_a_shareable_description_appears_and_the_others_never(world: World) -> None:
    people = consenting(world, 5)
    shared, kept = record(world, people[:2], "complex-procedures", "administration",
                          description="Aanvraag studietoelage enkel via itsme")
    kept.description = "Geheime tekst die niet gedeeld is"
    kept.save()
    services.signal_share(signal=shared, shareable=True, by=world.coordinator)

    result = numbers(world)
    texts = [d["text"] for d in result["descriptions"]]
    assert texts == ["Aanvraag studietoelage enkel via itsme"]
    with translation.override("nl"):
        html = report.html_document(result)
        sheet = report.xlsx_bytes(result)
    assert "Aanvraag studietoelage" in html and "Geheime tekst" not in html
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(sheet))
    values = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Aanvraag studietoelage enkel via itsme" in values and not any("Geheime" in v for v in values)
    assert wb.sheetnames == ["Verslag", "Signalen", "Beschrijvingen"]


def test_no_name_reaches_any_output_of_the_report(world: World) -> None:
    people = consenting(world, 6)
    signals = record(world, people, "discrimination", "work", description="Werkgever weigert na sollicitatie")
    services.signal_share(signal=signals[0], shareable=True, by=world.coordinator)
    result = numbers(world)
    with translation.override("nl"):
        outputs = [str(result), report.html_document(result)]
        xlsx = report.xlsx_bytes(result)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx))
    outputs.append(" ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row))
    for p in people:
        for name in (p.first_name, p.last_name):
            assert all(name not in text for text in outputs)
    assert "participant" not in result["cells"][0] and "date" not in result["descriptions"][0]


def test_a_barrier_from_the_phone_reaches_the_coordinators_list_and_the_report(world: World) -> None:
    world.participant.consent_scope, world.participant.consent_date = "research", dt.date(2025, 1, 1)
    world.participant.municipality = "Gent"
    world.participant.save()
    others = consenting(world, 4)
    record(world, others, "digital-exclusion", "administration", on=timezone.localdate())
    phone = signed_in(world.volunteer_user)
    sent = phone.post("/mijn/contact/", {
        "duo": world.duo.pk, "date": timezone.localdate().isoformat(), "duration": "30", "mode": "in_person",
        "barrier_type": "digital-exclusion", "barrier_life_domain": "administration",
        "barrier_note": "Afspraak enkel online te boeken"}, HTTP_ACCEPT="application/json",
        HTTP_X_BUDDYNET_AUTHOR=str(world.volunteer_user.pk))
    assert sent.status_code == 201

    office = signed_in(world.coordinator)
    page = office.get(f"/signalen/projecten/{world.project.pk}/").content.decode()
    assert "Digitale uitsluiting" in page and "Afspraak enkel online te boeken" in page and "Marieke" in page

    year = timezone.localdate().year
    shown = office.get(REPORT, {"start": f"{year}-01-01", "end": f"{year}-12-31", "project": world.project.pk})
    assert shown.status_code == 200
    assert shown.context["numbers"]["cells"] == [
        {"barrier_type": "digital-exclusion", "municipality": "Gent", "life_domain": "administration", "count": 5}]
    assert "Marieke" not in shown.content.decode().split("<main", 1)[-1].split("</form>", 1)[-1]


def test_the_report_downloads_as_pdf_and_xlsx(world: World) -> None:
    record(world, consenting(world, 5), "waiting-lists", "housing")
    office = signed_in(world.coordinator)
    query = {"start": "2025-01-01", "end": "2025-12-31"}
    pdf = office.get(REPORT, {**query, "format": "pdf"})
    xlsx = office.get(REPORT, {**query, "format": "xlsx"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    bad = office.get(REPORT, {"start": "2025-12-31", "end": "2025-01-01"})
    assert bad.status_code == 400


def test_the_report_api_gives_the_same_numbers(world: World) -> None:
    record(world, consenting(world, 5), "waiting-lists", "housing")
    response = client_for(world.coordinator).get("/api/v1/signals/report/", {"start": "2025-01-01",
                                                                             "end": "2025-12-31"})
    assert response.status_code == 200
    assert response.json()["cells"] == numbers(world)["cells"]
    assert client_for(world.other_coordinator).get(
        "/api/v1/signals/report/", {"start": "2025-01-01", "end": "2025-12-31"}).json()["cells"] == []
