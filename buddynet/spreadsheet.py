"""CSV and XLSX files that people open in a spreadsheet: the one writer every export goes through.

Text a user typed (a project name, a volunteer's name, a contact's label) can start with a
character that Excel or LibreOffice reads as the start of a formula (`=`, `+`, `-`, `@`, and
tab or carriage return, which some importers strip first). Opened, such a cell would run:
`=HYPERLINK("http://…","Open report")` becomes a live link in a funder's file. So:

- in CSV, such text is prefixed with an apostrophe (`'=HYPERLINK(…)`), the OWASP advice — the
  spreadsheet shows it as text; numbers are written as numbers and never prefixed;
- in XLSX, every text cell is stored as a string (never a formula) and, when it starts with one
  of those characters, also marked "quote prefix", as Excel does when a user types `'=…`;
  numbers, dates and money stay real number and date cells with their display formats.

`EXCEL_NL` is what Belgian Excel opens with a double click: UTF-8 with a BOM, `;` between cells
and a decimal comma. `PLAIN` (`,`, decimal point, no BOM) is for tools such as Gephi, R or pandas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Display formats of XLSX cells (stored locale-free; Excel shows them with the reader's separators,
# so a Dutch Excel shows 1.234,56 and 25,0 %).
EUR = '"€" #,##0.00'
INTEGER = "#,##0"
DECIMAL = "#,##0.00"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"


def neutralise(text: str) -> str:
    """Text that a spreadsheet would read as a formula, made plain text with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal_comma: bool
    bom: bool


EXCEL_NL = CsvDialect(delimiter=";", decimal_comma=True, bom=True)
PLAIN = CsvDialect(delimiter=",", decimal_comma=False, bom=False)


@dataclass(frozen=True)
class Formatted:
    """A number with its own display format, where a column holds numbers of several kinds."""

    value: Any
    number_format: str


def csv_cell(value: Any, dialect: CsvDialect = EXCEL_NL) -> str:
    if isinstance(value, Formatted):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if is_number(value):
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        return text.replace(".", ",") if dialect.decimal_comma else text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, dialect: CsvDialect = EXCEL_NL) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([csv_cell(h, dialect) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v, dialect) for v in row])
    return buf.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, dialect: CsvDialect = EXCEL_NL) -> bytes:
    """The file as bytes: UTF-8, with a BOM when the dialect asks for one (Excel then reads accents right)."""
    return csv_text(header, rows, dialect=dialect).encode("utf-8-sig" if dialect.bom else "utf-8")


def csv_read(data: bytes, *, max_rows: int = 2000) -> list[dict[str, str]]:
    """The rows of an uploaded CSV as {lower-cased header: stripped text}: UTF-8 with or without a
    BOM (else Windows-1252, what older Excel writes), `;` or `,` between cells (whichever the
    header line holds more of). The apostrophe this module's writer puts before a formula-like
    text is taken off again. ValueError for a file that is not text or holds more than max_rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if "\x00" in text:
        raise ValueError("not a text file")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    if len(rows) - 1 > max_rows:
        raise ValueError(f"more than {max_rows} rows")

    def clean(cell: str) -> str:
        cell = cell.strip()
        return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_STARTS else cell

    return [{h: clean(r[i]) if i < len(r) else "" for i, h in enumerate(header)} for r in rows[1:]]


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 16
    number_format: str | None = None  # for numbers; dates always get DATE


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: list[Sequence[Any]] = field(default_factory=list)


def _sheet_title(title: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31] or "Blad"
    name, n = clean, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _write(cell: Any, value: Any, column: Column) -> None:
    number_format = column.number_format
    if isinstance(value, Formatted):
        value, number_format = value.value, value.number_format
    if value is None:
        return
    if is_number(value):
        cell.value = value
        if number_format:
            cell.number_format = number_format
    elif isinstance(value, datetime | date):
        cell.value = value
        cell.number_format = DATE
    else:
        text = str(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl makes "=…" a formula otherwise
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per `Sheet`: bold, frozen header row, column widths set."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for sheet in sheets:
        ws = wb.create_sheet(_sheet_title(sheet.title, taken))
        bold = Font(bold=True)
        for j, column in enumerate(sheet.columns, 1):
            cell = ws.cell(row=1, column=j)
            _write(cell, column.header, column)
            cell.font = bold
            ws.column_dimensions[get_column_letter(j)].width = column.width
        for i, row in enumerate(sheet.rows, 2):
            for j, (value, column) in enumerate(zip(row, sheet.columns, strict=True), 1):
                _write(ws.cell(row=i, column=j), value, column)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- reading (the coordinator's bulk import) ------------------------------------------------
MAX_IMPORT_ROWS = 2000


class UnreadableFile(ValueError):
    """A file that is not a CSV or XLSX this module can read; the message is for the user."""


@dataclass(frozen=True)
class ReadCell:
    """One cell as read: text, a number, a date, or None; `formula` when the cell holds a formula
    (an XLSX formula cell, or CSV text that a spreadsheet would run as one: it starts with `=`).
    Importers refuse formulas instead of storing them: their value is not what the file shows."""

    value: str | int | float | date | datetime | None
    formula: bool = False


def _read_text(text: str) -> ReadCell:
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return ReadCell(text[1:])  # neutralised by our own export: the apostrophe is not data
    if text.startswith("="):
        return ReadCell(text, formula=True)
    return ReadCell(text if text.strip() else None)


def _read_csv(data: bytes) -> list[list[ReadCell]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    return [[_read_text(cell) for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_xlsx(data: bytes) -> list[list[ReadCell]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors) for a bad file
        raise UnreadableFile("xlsx") from exc
    ws = wb.worksheets[0]
    rows: list[list[ReadCell]] = []
    for row in ws.iter_rows():
        out = []
        for cell in row:
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")
                                                          and not getattr(cell, "quotePrefix", False)):
                out.append(ReadCell(str(value), formula=True))
            elif isinstance(value, str):
                out.append(ReadCell(value if value.strip() else None))
            elif isinstance(value, bool):
                out.append(ReadCell("ja" if value else "nee"))
            elif isinstance(value, int | float | date | datetime) or value is None:
                out.append(ReadCell(value))
            else:
                out.append(ReadCell(str(value)))
        rows.append(out)
        if len(rows) > MAX_IMPORT_ROWS + 1:
            break
    wb.close()
    return rows


def read_table(data: bytes, filename: str) -> list[list[ReadCell]]:
    """The rows of a CSV (`;`, `,` or tab between cells; UTF-8 or Windows-1252) or of the first
    sheet of an XLSX file, the header row first; empty rows left out. Raises UnreadableFile."""
    name = filename.lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        rows = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        rows = _read_csv(data)
    else:
        raise UnreadableFile("type")
    rows = [row for row in rows if any(cell.value is not None for cell in row)]
    if len(rows) > MAX_IMPORT_ROWS + 1:
        raise UnreadableFile("size")
    return rows
