"""The funder report's XLSX and CSV carry the referrals and the participants' own evaluation
(issue 18 items 3 and 4) as the page and PDF do: Dutch headers, counts as number cells, a
suppressed count the text "< 5"."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from buddynet.features.aftercare import services
from buddynet.features.funding.models import ProgressReport
from tests import factories as f
from tests.conftest import World, client_for
from tests.funding.builders import hand_built

pytestmark = pytest.mark.django_db

D = dt.date
REPORTS = "/api/v1/funding/reports/"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def report_with_referrals_and_voice(world: World) -> ProgressReport:
    hand_built(world.funder, project=world.project)
    ocmw = services.referral_service_save(
        project_id=world.project.pk,
        by=world.coordinator,
        data={"name": "OCMW Gent", "kind": "ocmw", "municipality": "Gent"},
    )
    caw = services.referral_service_save(
        project_id=world.project.pk, by=world.coordinator, data={"name": "CAW", "kind": "caw"}
    )
    people = [f.ParticipantFactory(project=world.project) for _ in range(7)]
    for person in people:
        services.referral_record(
            participant=person, service=ocmw, by=world.coordinator, on=D(2025, 9, 1), life_domain="income"
        )
    for person in people[:5]:
        services.referral_record(
            participant=person, service=caw, by=world.coordinator, on=D(2025, 9, 2), life_domain="housing"
        )
    for n, person in enumerate(people[:5]):
        services.evaluation_record(
            participant=person,
            duo=None,
            by=world.coordinator,
            data={"moment": "intake", "date": D(2025, 6, 1), "heard": 1 + n, "decide": 4 if n < 4 else None},
        )
    client = client_for(world.coordinator)
    made = client.post(
        REPORTS,
        {"grant": world.project.grants.get().pk, "period_start": "2025-01-01", "period_end": "2025-12-31"},
        format="json",
    )
    assert (
        client.post(
            f"{REPORTS}{made.json()['id']}/sign-off/", {"confirmation": made.json()["name"]}, format="json"
        ).status_code
        == 200
    )
    report = ProgressReport.objects.get(pk=made.json()["id"])
    assert report.numbers["referrals"]["total"] == 12  # the section is in the frozen numbers
    return report


def download(world: World, report: ProgressReport, kind: str) -> bytes:
    client = Client()
    client.force_login(world.funder_user)
    response = client.get(f"/financiering/rapporten/{report.pk}/rapport.{kind}")
    assert response.status_code == 200
    return response.content


def test_the_xlsx_and_csv_have_the_referral_and_evaluation_tables(world: World) -> None:
    report = report_with_referrals_and_voice(world)
    wb = load_workbook(io.BytesIO(download(world, report, "xlsx")))

    for name in (
        "Doorverwijzingen",
        "Doorverwijzingen per dienst",
        "Doorverwijzingen per uitkomst",
        "Evaluatie door deelnemers",
    ):
        assert name in wb.sheetnames
    head = {row[0].value: row[1] for row in wb["Doorverwijzingen"].iter_rows(min_row=2)}
    assert head["Doorverwijzingen naar andere diensten"].value == 12
    assert head["Doorverwijzingen naar andere diensten"].data_type == "n"
    assert head["Doorverwezen deelnemers"].value == 7
    kinds = wb["Doorverwijzingen per dienst"]
    assert [c.value for c in kinds[1]] == ["Soort dienst", "Doorverwijzingen"]
    by_kind = {row[0].value: row[1] for row in kinds.iter_rows(min_row=2)}
    # OCMW 7, CAW 5, the kinds without referrals "< 5" as text
    counts = [cell.value for cell in by_kind.values()]
    assert sorted(c for c in counts if c != "< 5") == [5, 7] and "< 5" in counts
    assert all(c.data_type == "s" for c in by_kind.values() if c.value == "< 5")
    outcomes = {row[0].value: row[1].value for row in wb["Doorverwijzingen per uitkomst"].iter_rows(min_row=2)}
    assert outcomes["Nog geen uitkomst"] == 12
    voice = wb["Evaluatie door deelnemers"]
    assert [c.value for c in voice[1]] == ["Vraag", "Beantwoord", "Gemiddelde"]
    rows = [[c.value for c in row] for row in voice.iter_rows(min_row=2)]
    assert [5, 3.0] in [r[1:] for r in rows]
    assert ["< 5", "< 5"] in [r[1:] for r in rows]  # "decide": 4 answers, nothing shown

    body = download(world, report, "csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))

    assert ["Doorverwijzingen", "Doorverwijzingen naar andere diensten", "", "12"] in rows
    assert ["Doorverwijzingen per uitkomst", "Nog geen uitkomst", "", "12"] in rows
    assert any(r[0] == "Doorverwijzingen per dienst" and r[3] == "< 5" for r in rows)
    voice = [r for r in rows if r[0] == "Evaluatie door deelnemers"]
    assert any(r[2] == "Gemiddelde" and r[3] in ("3,0", "3") for r in voice)
    assert any(r[2] == "Beantwoord" and r[3] == "< 5" for r in voice)


def test_no_name_nor_own_text_of_a_referral_or_evaluation_reaches_the_funder(world: World) -> None:
    """The funder's report of a period with referrals and evaluations: on the page, in the PDF,
    XLSX and CSV, in the API's numbers and in the portfolio, counts and means only — never a
    participant's name, a service's name or contact, a referral's reason, an outcome's note or the
    participant's own words (issue 18: a funder never sees a name)."""
    from pypdf import PdfReader

    hand_built(world.funder, project=world.project)
    service = services.referral_service_save(
        project_id=world.project.pk, by=world.coordinator,
        data={"name": "Dienst Zonnebloem", "kind": "debt", "contact": "Jef Zonnebloem, 09 123 45 67"})
    people = [f.ParticipantFactory(project=world.project, first_name=f"Quirina{n}", last_name=f"Vandromme{n}")
              for n in range(6)]
    for n, person in enumerate(people):
        referral = services.referral_record(participant=person, service=service, by=world.coordinator,
                                            on=D(2025, 9, 1), life_domain="income", reason=f"Huurachterstand{n}")
        services.referral_outcome_record(referral=referral, by=world.coordinator, outcome="started",
                                         on=D(2025, 9, 20), note=f"Afbetalingsplan{n}")
        services.evaluation_record(participant=person, duo=None, by=world.coordinator,
                                   data={"moment": "intake", "date": D(2025, 6, 1), "heard": 2 + n % 3,
                                         "own_words": f"Eindelijk iemand{n}"})
    client = client_for(world.coordinator)
    made = client.post(REPORTS, {"grant": world.project.grants.get().pk, "period_start": "2025-01-01",
                                 "period_end": "2025-12-31"}, format="json")
    client.post(f"{REPORTS}{made.json()['id']}/sign-off/", {"confirmation": made.json()["name"]}, format="json")
    report = ProgressReport.objects.get(pk=made.json()["id"])
    assert report.numbers["referrals"]["total"] == 6 and report.numbers["voice"]["rows"]  # the sections are there

    funder = Client()
    funder.force_login(world.funder_user)
    page = funder.get(f"/financiering/rapporten/{report.pk}/")
    assert page.status_code == 200
    frozen = funder.get(f"/financiering/rapporten/{report.pk}/rapport.pdf")
    assert frozen.status_code == 200
    pdf = PdfReader(io.BytesIO(b"".join(frozen.streaming_content)))
    book = load_workbook(io.BytesIO(download(world, report, "xlsx")))
    portfolio = funder.get(f"/financiering/portefeuille/{world.funder.pk}/", {"start": "2025-01-01",
                                                                              "end": "2025-12-31"})
    assert portfolio.status_code == 200
    api = client_for(world.funder_user).get(f"{REPORTS}{report.pk}/")
    assert api.status_code == 200
    outputs = {
        "page": page.content.decode(),
        "pdf": "\n".join(p.extract_text() for p in pdf.pages),
        "xlsx": " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row),
        "csv": download(world, report, "csv").decode("utf-8-sig"),
        "api": api.content.decode(),
        "portfolio": portfolio.content.decode(),
    }
    assert "Doorverwijzingen" in outputs["page"] and "Doorverwijzingen" in outputs["pdf"]
    assert "Doorverwijzingen" in outputs["portfolio"]
    secrets = ["Quirina", "Vandromme", "Zonnebloem", "09 123 45 67", "Huurachterstand", "Afbetalingsplan",
               "Eindelijk iemand"]
    leaks = {(where, secret) for where, text in outputs.items() for secret in secrets if secret in text}
    assert leaks == set()
