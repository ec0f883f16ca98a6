"""Dates in the funder report (page and PDF) read as nl-BE, `6 dec. 2026`, not ISO (issue 17):
through buddynet/formats.py, which also reads the ISO text that frozen report numbers keep."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import translation
from pypdf import PdfReader

from buddynet import formats
from buddynet.features.funding import render, reports
from tests.conftest import World
from tests.funding.builders import hand_built

ISO = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def test_iso_text_and_dates_format_alike() -> None:
    with translation.override("nl"):
        assert formats.short_date("2026-12-06") == formats.short_date(dt.date(2026, 12, 6)) == "6 dec. 2026"
        assert formats.short_date("not a date") == "not a date"
    with translation.override("en"):
        assert formats.short_date("2026-12-06") == "6 Dec 2026"


@pytest.mark.django_db
def test_the_report_pdf_shows_nl_be_dates(world: World) -> None:
    hand = hand_built(world.funder, project=world.project)
    numbers = reports.grant_report(grant=hand.grant, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                   today=dt.date(2026, 1, 15))
    with translation.override("nl"):
        html = render.html_document(numbers)
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render.pdf_bytes(numbers))).pages)
    assert "1 jan. 2025 – 31 dec. 2025" in html and "15 jan. 2026" in html
    assert "1 jan. 2025" in text
    assert ISO.findall(text) == []
