"""The signed-off PDF holds on paper (issue 19): at demo scale and at four times the data, for the
grant report and the portfolio report, no character lies outside the printable area of its page
(pypdfium2's character boxes), no table is wider than the page's content box (WeasyPrint's
layout), no page ends on a heading, every page says "pagina n van m" under the project or funder
and the period; and the file is PDF/A-3a: tagged, language nl-BE, fonts embedded, XMP metadata."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape
from typing import Any

import pypdfium2
import pytest
from django.utils import translation
from weasyprint.formatting_structure import boxes

from buddynet.features.funding import render, reports
from buddynet.features.funding.models import Funder, Grant
from tests.conftest import World
from tests.funding.builders import hand_built, second_grant, wide_grant

MM = 72 / 25.4
SIDE_MARGIN = 16 * MM  # report_document.html: @page margin left and right
TOLERANCE = 1.0  # pt: anti-aliasing of a glyph's box, not a cut-off character


def numbers_for(world: World, case: str) -> dict[str, Any]:
    if case.endswith("demo"):
        hand = hand_built(world.funder, project=world.project)
        second_grant(world.funder)
        if case == "grant report, demo":
            return reports.grant_report(grant=hand.grant, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
        return reports.portfolio_report(funder=world.funder, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    big = Funder.objects.create(name="Vlaamse overheid, Departement Welzijn, Volksgezondheid en Gezin — "
                                     "afdeling Armoedebestrijding", grant_cap=200000)
    wides = [wide_grant(big, i) for i in range(8)]  # four times the demo's two grants, each wider
    start, end = dt.date(2025, 1, 1), dt.date(2028, 6, 30)
    if case.startswith("grant report, 4x"):
        return reports.grant_report(grant=Grant.objects.get(pk=wides[0].pk), start=start, end=end)
    return reports.portfolio_report(funder=big, start=start, end=end)


CASES = ["grant report, demo", "portfolio report, demo", "grant report, 4x", "portfolio report, 4x",
         "grant report, 4x, long narrative and annexes"]

PARAGRAPH = ("Het project bereikte dit jaar meer deelnemers dan gepland, vooral via het OCMW en de "
             "wijkgezondheidscentra; de **wachttijd** daalde. ")


def extra_for(case: str) -> dict[str, Any]:
    """Long narrative sections (paragraphs, bullets, bold, an unbreakable word) and annexes with long names."""
    if "narrative" not in case:
        return {}
    long_word = "armoedebestrijdingsondersteuningsnetwerkcoördinatiemedewerkersopleidingstraject" * 2
    text = "\n\n".join([PARAGRAPH * 12, "- " + PARAGRAPH + "\n- " + long_word + "\n- kort", PARAGRAPH * 8])
    narrative = {"highlights": text, "difficulties": text, "deviations": text, "outlook": PARAGRAPH * 20}
    annexes = [{"name": f"bijlage-{i}-{'verslag-van-de-stuurgroep-' * 5}.pdf", "content_type": "application/pdf",
                "size": 9_876_543, "sha256": "ab" * 32} for i in range(12)]
    return {"version": 3, "narrative": narrative, "annexes": annexes}


def outside_chars(data: bytes) -> list[tuple[int, str, tuple[float, ...]]]:
    out = []
    pdf = pypdfium2.PdfDocument(data)
    try:
        _collect_outside(pdf, out)
    finally:
        pdf.close()
    return out


def _collect_outside(pdf: Any, out: list[tuple[int, str, tuple[float, ...]]]) -> None:
    for n in range(len(pdf)):
        page = pdf[n]
        width, height = page.get_size()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            char = text.get_text_range(i, 1)
            if not char.strip():
                continue
            left, bottom, right, top = text.get_charbox(i)
            if (left < SIDE_MARGIN - TOLERANCE or right > width - SIDE_MARGIN + TOLERANCE
                    or bottom < -TOLERANCE or top > height + TOLERANCE):
                out.append((n + 1, char, (round(left), round(bottom), round(right), round(top))))


def page_texts(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [pdf[n].get_textpage().get_text_range() for n in range(len(pdf))]
    finally:
        pdf.close()


def headings(html: str) -> set[str]:
    found = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html, flags=re.S)
    return {unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in found}


@pytest.mark.parametrize("case", CASES)
def test_the_pdf_holds_on_paper(world: World, case: str) -> None:
    numbers = numbers_for(world, case)
    extra = extra_for(case)
    with translation.override("nl"):
        html = render.html_document(numbers, **extra)
        document = render.pdf_document(numbers, **extra)
        data = document.write_pdf(pdf_variant=render.PDF_VARIANT)

    assert outside_chars(data) == []
    assert_tables_fit(document)
    assert_pages_numbered_and_no_heading_last(numbers, html, data)
    assert_archival_and_tagged(data)
    if case == "portfolio report, 4x":
        # The grand total once, under the last project, not under every page's part of the table
        # (its projects span pages; their budget lines add up to another sum).
        total = f"{Decimal(numbers['total_amount']):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
        assert " ".join(page_texts(data)).count(total) == 1, total
    if extra:
        text = " ".join(page_texts(data))
        assert "Toelichting" in text and "Bijlagen" in text and "<strong>" not in text


def assert_tables_fit(document: Any) -> None:
    tables = 0
    for n, page in enumerate(document.pages, 1):
        root = page._page_box
        right = root.content_box_x() + root.width
        for box in root.descendants():
            if isinstance(box, boxes.TableBox | boxes.TableCellBox):
                tables += isinstance(box, boxes.TableBox)
                assert box.border_box_x() + box.border_width() <= right + 0.5, (n, box.element_tag)
    assert tables >= 3


def assert_pages_numbered_and_no_heading_last(numbers: dict[str, Any], html: str, data: bytes) -> None:
    texts = page_texts(data)
    titles = headings(html)
    head = (numbers["grant"]["project"] if numbers["kind"] == "grant" else numbers["funder"]["name"])[:30]
    assert len(texts) >= 2
    for n, text in enumerate(texts, 1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert f"pagina {n} van {len(texts)}" in lines, n
        flat = text.replace("\r", "").replace("\n", " ")
        assert head in flat and "1 jan. 2025" in flat, n  # the running head's period, in nl-BE (issue 17)
        body = [line for line in lines if not line.startswith("pagina ")]
        assert body[-1] not in titles, (n, body[-1])


def assert_archival_and_tagged(data: bytes) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl-BE"
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[^0-9]{1,3}3", xmp) and re.search(r"pdfaid:conformance[^A-Z]{1,3}A", xmp), xmp
    fonts = 0
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            for d in font.get("/DescendantFonts", [font]):
                descriptor = d.get_object()["/FontDescriptor"]
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts += 1
    assert fonts
