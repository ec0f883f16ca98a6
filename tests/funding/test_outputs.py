"""Report outputs: frozen means frozen; no participant or volunteer name or note reaches a funder
(HTML, PDF text, CSV, XLSX, API); the PDF renders (page 1 kept under docs/)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from buddynet import events
from buddynet.features.funding import render, reports
from buddynet.features.funding.models import ProgressReport
from buddynet.records.duos.models import CheckIn, Duo
from buddynet.records.people.models import Participant, Volunteer
from tests import factories as f
from tests.conftest import World, client_for
from tests.funding.builders import (
    SECRET_FIRST,
    SECRET_LAST,
    SECRET_NOTE,
    Hand,
    hand_built,
    portfolio_get,
    second_grant,
)

REPORTS = "/api/v1/funding/reports/"
DOCS = Path(django_settings.BASE_DIR) / "docs"


@pytest.fixture
def hand(world: World) -> Hand:
    h = hand_built(world.funder, project=world.project)
    # Free text everywhere a person could be described, to be sure none of it leaks.
    Duo.objects.filter(pk=h.duos[5].pk).update(closure_note=SECRET_NOTE)
    CheckIn.objects.filter(duo=world.duo).update(note=SECRET_NOTE, concern=True, concern_note=SECRET_NOTE,
                                                 concern_handled_note=SECRET_NOTE)
    return h


def pages_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def secrets() -> set[str]:
    """Every participant's and volunteer's name, and every free-text note."""
    found = {SECRET_FIRST, SECRET_LAST, SECRET_NOTE}
    for model in (Participant, Volunteer):
        for first, last in model.objects.values_list("first_name", "last_name"):
            found |= {f"{first} {last}", last} if len(last) >= 4 else {f"{first} {last}"}
    return found


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(name).decode() for name in z.namelist() if name.endswith(".xml"))


def assert_no_person(*texts: str) -> None:
    for text in texts:
        assert text.strip()
        leaked = [s for s in secrets() if s in text]
        assert leaked == []


def signed_off(world: World, hand: Hand) -> ProgressReport:
    client = client_for(world.coordinator)
    made = client.post(REPORTS, {"grant": hand.grant.pk, "period_start": "2025-01-01", "period_end": "2025-12-31"},
                       format="json")
    assert made.status_code == 201, made.content
    signed = client.post(f"{REPORTS}{made.json()['id']}/sign-off/", {"confirmation": made.json()["name"]},
                         format="json")
    assert signed.status_code == 200, signed.content
    return ProgressReport.objects.get(pk=made.json()["id"])


def test_a_frozen_report_does_not_change_after_new_check_ins(world: World, hand: Hand) -> None:
    heard: list[Any] = []

    def listener(report: Any) -> None:
        heard.append(report)

    events.subscribe("report_frozen", listener)
    try:
        report = signed_off(world, hand)
    finally:
        events._subscribers["report_frozen"].remove(listener)  # only ours: notifications may listen too
    funder = pages_for(world.funder_user)
    before_api = funder.get(f"{REPORTS}{report.pk}/").json()["numbers"]
    before_pdf = b"".join(funder.get(f"/financiering/rapporten/{report.pk}/rapport.pdf").streaming_content)
    before_csv = funder.get(f"/financiering/rapporten/{report.pk}/rapport.csv").content

    for d in hand.duos[:5]:
        for day in range(5):
            f.CheckInFactory(duo=d, author=hand.author, date=dt.date(2025, 11, 1 + day))
    f.DuoFactory(participant=f.ParticipantFactory(project=world.project), started_on=dt.date(2025, 6, 1))

    after_api = funder.get(f"{REPORTS}{report.pk}/").json()["numbers"]
    after_pdf = b"".join(funder.get(f"/financiering/rapporten/{report.pk}/rapport.pdf").streaming_content)
    assert after_api == before_api
    assert after_pdf == before_pdf and before_pdf.startswith(b"%PDF")
    assert funder.get(f"/financiering/rapporten/{report.pk}/rapport.csv").content == before_csv
    # The live numbers did move: a new draft over the same period sees the new check-ins.
    draft = client_for(world.coordinator).post(REPORTS, {"grant": hand.grant.pk, "period_start": "2025-01-01",
                                                         "period_end": "2025-12-31"}, format="json").json()
    live = client_for(world.coordinator).get(f"{REPORTS}{draft['id']}/").json()["numbers"]
    assert live["content"]["check_ins"] == before_api["content"]["check_ins"] + 25
    assert heard == [report]
    assert heard[0].grant == hand.grant and heard[0].pdf.name.endswith(".pdf")


def test_a_signed_off_report_cannot_be_signed_off_again(world: World, hand: Hand) -> None:
    report = signed_off(world, hand)
    numbers = report.numbers

    response = client_for(world.coordinator).post(f"{REPORTS}{report.pk}/sign-off/", {}, format="json")

    assert response.status_code == 409
    report.refresh_from_db()
    assert report.numbers == numbers


def test_no_name_or_note_reaches_the_funder_in_any_output(world: World, hand: Hand) -> None:
    report = signed_off(world, hand)
    funder = pages_for(world.funder_user)
    base = f"/financiering/rapporten/{report.pk}/"
    portfolio = f"/financiering/portefeuille/{world.funder.pk}/?start=2025-01-01&end=2025-12-31"
    portfolio_as = f"/financiering/portefeuille/{world.funder.pk}/rapport"

    html = funder.get(base).content.decode()
    pdf = b"".join(funder.get(base + "rapport.pdf").streaming_content)
    csv = funder.get(base + "rapport.csv").content.decode("utf-8-sig")
    xlsx = funder.get(base + "rapport.xlsx").content
    api = funder.get(f"{REPORTS}{report.pk}/").content.decode()
    portal = funder.get("/financiering/?start=2025-01-01&end=2025-12-31").content.decode()
    p_html = funder.get(portfolio).content.decode()
    p_pdf = funder.get(portfolio_as + ".pdf?start=2025-01-01&end=2025-12-31").content
    p_csv = funder.get(portfolio_as + ".csv?start=2025-01-01&end=2025-12-31").content.decode("utf-8-sig")
    p_xlsx = funder.get(portfolio_as + ".xlsx?start=2025-01-01&end=2025-12-31").content

    assert "WVG-2025-001" in html and "&lt; 5" in html
    assert "WVG-2025-001" in pdf_text(pdf) and "< 5" in pdf_text(pdf)
    assert "Bereikte deelnemers" in csv and "< 5" in csv
    assert "&lt; 5" in p_html and world.project.name in p_html
    assert_no_person(html, pdf_text(pdf), csv, xlsx_text(xlsx), api, portal, p_html, pdf_text(p_pdf), p_csv,
                     xlsx_text(p_xlsx))


def test_the_report_pdf_renders_and_page_one_is_kept_for_review(world: World, hand: Hand) -> None:
    import pypdfium2

    report = signed_off(world, hand)
    data = report.pdf.read()

    pdf = pypdfium2.PdfDocument(data)
    assert len(pdf) >= 2
    image = pdf[0].render(scale=1.5).to_pil()
    DOCS.mkdir(exist_ok=True)
    image.save(DOCS / "funding-report-page1.png")
    # Something is printed on the page: a good share of pixels is not white.
    grey = image.convert("L")
    dark = sum(grey.histogram()[:200])
    assert dark > grey.width * grey.height * 0.01
    text = pdf_text(data)
    for words in ("Buddy Gent", "WVG-2025-001", "45.000,00"):
        assert words in text


def test_the_needs_per_life_domain_are_titled_as_needs_not_signals_in_every_output(world: World,
                                                                                   hand: Hand) -> None:
    """The count of participants with a medium or high need per life domain is not a barrier signal
    (those have their own report, buddynet/features/signals): its title says what it counts, in HTML,
    PDF, XLSX and CSV of the grant and the portfolio report. A frozen report keeps the key
    `needs_per_domain` in its numbers, which is what the outputs read."""
    report = signed_off(world, hand)
    assert len(report.numbers["content"]["needs_per_domain"]) == 10
    funder = pages_for(world.funder_user)
    base = f"/financiering/rapporten/{report.pk}/"
    portfolio = f"/financiering/portefeuille/{world.funder.pk}/"
    query = "?start=2025-01-01&end=2025-12-31"

    html = funder.get(base).content.decode()
    pdf = pdf_text(report.pdf.read())
    csv = funder.get(base + "rapport.csv").content.decode("utf-8-sig")
    xlsx = xlsx_text(funder.get(base + "rapport.xlsx").content)
    p_html = portfolio_get(funder, portfolio + query).content.decode()
    p_pdf = pdf_text(portfolio_get(funder, portfolio + "rapport.pdf" + query).content)
    p_csv = portfolio_get(funder, portfolio + "rapport.csv" + query).content.decode("utf-8-sig")
    p_xlsx = xlsx_text(portfolio_get(funder, portfolio + "rapport.xlsx" + query).content)

    heading = "Noden per levensdomein: deelnemers met een middelgrote of hoge nood (laatste meting)"
    for text in (html, p_html):
        assert f"<h3>{heading}</h3>" in text
    for text in (pdf, p_pdf):
        assert "Noden per levensdomein" in text
    for text in (csv, p_csv):
        assert "\nNoden per levensdomein;Wonen;;" in text.replace("\r\n", "\n")
    for text in (xlsx, p_xlsx):
        assert 'name="Noden per levensdomein"' in text
    for text in (html, pdf, csv, xlsx, p_html, p_pdf, p_csv, p_xlsx):
        assert "Structurele signalen" not in text and "Signalen per levensdomein" not in text


PORTFOLIO_MONEY = ("lines", "total_budget", "total_spent_in_period", "total_tranches_paid", "total_tranches_due",
                   "total_projected_spend")


def test_the_portfolio_money_reaches_every_output(world: World, hand: Hand) -> None:
    second_grant(world.funder)
    funder = pages_for(world.funder_user)
    base = f"/financiering/portefeuille/{world.funder.pk}/"
    query = "?start=2025-01-01&end=2025-12-31"

    html = portfolio_get(funder, base + query).content.decode()
    pdf = pdf_text(portfolio_get(funder, base + "rapport.pdf" + query).content)
    csv = portfolio_get(funder, base + "rapport.csv" + query).content.decode("utf-8-sig")
    xlsx = xlsx_text(portfolio_get(funder, base + "rapport.xlsx" + query).content)

    # Hand-computed in test_reports.py: projected 40,500 + 35,739.13; tranches paid 18,000 + 16,000
    # and due 18,000 + 12,000; personnel 30,000 + 25,000 budgeted, 12,000 + 5,000 spent.
    for text in (html, pdf):
        for words in ("Geld per project", "Budget en uitgaven per budgetlijn, alle subsidies",
                      "35.739,13", "76.239,13", "34.000,00", "30.000,00", "55.000,00", "17.000,00",
                      "Vrijwilligersvergoedingen"):
            assert words in text, words
    # Dutch headers, `;` and decimal commas (Belgian Excel); one row per value.
    for line in ("Projecten;WVG-2025-002;Verwacht op het einde;35739,13",
                 "Projecten;WVG-2025-002;Betaalde schijven;16000,00",
                 "Projecten;WVG-2025-002;Vervallen schijven, nog niet betaald;12000,00",
                 "Verslag;Verwacht op het einde;;76239,13", "Verslag;Betaalde schijven;;34000,00",
                 "Verslag;Vervallen schijven, nog niet betaald;;30000,00", "Verslag;Budget;;85000,00",
                 "Budgetlijnen, alle subsidies;Personeel;Budget;55000,00",
                 "Budgetlijnen, alle subsidies;Personeel;Uitgegeven tot nu;17000,00",
                 "Budgetlijnen, alle subsidies;Personeel;Resterend;38000,00"):
        assert line in csv.splitlines(), line
    for value in ("<v>35739.13</v>", "<v>76239.13</v>", "<v>34000</v>", "<v>30000</v>", "<v>55000</v>",
                  "<v>38000</v>"):
        assert value in xlsx, value
    assert_no_person(html, pdf, csv, xlsx)


def test_portfolio_numbers_made_before_the_money_part_still_render(world: World, hand: Hand) -> None:
    numbers = reports.portfolio_report(funder=world.funder, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    for key in PORTFOLIO_MONEY:
        del numbers[key]
    for row in numbers["rows"]:
        for key in ("projected_spend", "tranches_paid", "tranches_due"):
            del row[key]

    with translation.override("nl"):
        html = render.html_document(numbers)
        complete = render.html_document(reports.portfolio_report(funder=world.funder, start=dt.date(2025, 1, 1),
                                                                 end=dt.date(2025, 12, 31)))
    csv = render.csv_bytes(numbers).decode("utf-8-sig")

    assert "WVG-2025-001" in html and "Geld per project" not in html and "Geld per project" in complete
    assert "WVG-2025-001" in pdf_text(render.pdf_bytes(numbers))
    assert "Verslag;Uitgegeven tot nu;;" in csv and "Budgetlijnen" not in csv
    assert "Projecten;WVG-2025-001;Verwacht op het einde;" in csv.splitlines()  # empty: not in these numbers
    assert render.xlsx_bytes(numbers).startswith(b"PK")
