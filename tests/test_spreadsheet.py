"""The one spreadsheet writer (buddynet/spreadsheet.py): formula-like text is neutralised, numbers
stay numbers, dates stay dates; Excel's Belgian CSV dialect; sheets with frozen, bold headers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from buddynet import spreadsheet as ss

ATTACKS = ['=HYPERLINK("http://evil.example","Open report")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_gets_an_apostrophe_in_csv(text: str) -> None:
    body = ss.csv_bytes(["Naam"], [[text]]).decode("utf-8-sig")

    [row] = list(csv.reader(io.StringIO(body), delimiter=";"))[1:]
    assert row == ["'" + text]


@pytest.mark.parametrize("text", ["Buddy Gent", "a=b", "3 duo's", "O'Neill", ""])
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert ss.neutralise(text) == text
    assert ss.csv_cell(text) == text


def test_numbers_stay_numbers_even_when_negative() -> None:
    body = ss.csv_bytes(["a", "b", "c", "d", "e"], [[-12, Decimal("-1234.50"), 0.667, True, None]])

    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").splitlines()[1] == "-12;-1234,50;0,667;true;"
    assert ss.csv_text(["a", "b"], [[Decimal("-1234.50"), dt.date(2025, 3, 1)]],
                       dialect=ss.PLAIN).splitlines()[1] == "-1234.50,2025-03-01"


def test_an_xlsx_never_holds_a_formula_and_keeps_numbers_and_dates_typed() -> None:
    sheet = ss.Sheet("Projecten", [ss.Column("Project", 30), ss.Column("Bedrag", 16, ss.EUR),
                                   ss.Column("Aandeel", 10, ss.PERCENT), ss.Column("Datum", 12)])
    for text in ATTACKS:
        sheet.rows.append([text, Decimal("-45000.00"), 0.25, dt.date(2025, 3, 1)])
    sheet.rows.append(["< 5", "< 5", None, None])

    data = ss.xlsx_bytes([sheet, ss.Sheet("Projecten", [ss.Column("x")], [[1]])])

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert all("<f>" not in z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Projecten", "Projecten (2)"]
    ws = wb["Projecten"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold and ws.column_dimensions["A"].width == 30
    for i, text in enumerate(ATTACKS, 2):
        name, amount, share, day = ws.cell(i, 1), ws.cell(i, 2), ws.cell(i, 3), ws.cell(i, 4)
        assert name.data_type == "s" and name.value == text.replace("\r", "\n")  # XML keeps no bare CR
        assert name.quotePrefix
        assert amount.data_type == "n" and amount.value == -45000 and amount.number_format == ss.EUR
        assert share.value == 0.25 and share.number_format == ss.PERCENT
        assert day.is_date and day.value == dt.datetime(2025, 3, 1) and day.number_format == ss.DATE
    assert ws.cell(len(ATTACKS) + 2, 2).value == "< 5" and ws.cell(len(ATTACKS) + 2, 2).data_type == "s"
