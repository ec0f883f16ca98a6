"""The download formats of the funder reports, in one place: which there are, how each is labelled
and served, and how a report's published numbers become a file of that format.

A grant report (views.report), a portfolio made on the request (views.portfolio) and a portfolio
made by a task (services.portfolio_job_output, served by views.portfolio_job_download) all go
through `output_file` and `content_type`, so a format added or changed here reaches every channel.
The HTML form of a report is not a file: each page renders it in its own template.

This module is light on purpose: the PDF (WeasyPrint) and the charts (matplotlib) load only when a
file is made, not when a stored one is served.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

# format → (content type, label of its download link), in the order the links are shown.
FILE_FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "PDF"),
    "csv": ("text/csv; charset=utf-8", "CSV"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
}
# What a report's PDF shows besides the numbers (services.report_document_extra); CSV and XLSX
# carry the numbers only.
DOCUMENT_KEYS = ("version", "narrative", "annexes", "answers")


def content_type(fmt: str) -> str:
    """The content type a file of this format is served with; KeyError for a format that is no file."""
    return FILE_FORMATS[fmt][0]


def download_links(url_of: Any) -> list[dict[str, str]]:
    """One link per file format: `url_of(fmt)` gives its address."""
    return [{"label": label, "url": url_of(fmt)} for fmt, (_type, label) in FILE_FORMATS.items()]


def output_file(numbers: dict[str, Any], fmt: str, *, frozen_at: datetime | None = None, **document: Any) -> bytes:
    """The published numbers of a report as a file of `fmt` (pdf, csv or xlsx), in the active language.
    `document` (DOCUMENT_KEYS) goes into the PDF only; unknown keys are refused, not silently dropped."""
    from buddynet.features.funding import render  # matplotlib/WeasyPrint: only where a file is made

    unknown = set(document) - set(DOCUMENT_KEYS)
    if unknown:
        raise TypeError(f"not part of a report document: {sorted(unknown)}")
    if fmt == "pdf":
        return render.pdf_bytes(numbers, frozen_at=frozen_at, **document)
    if fmt == "csv":
        return render.csv_bytes(numbers)
    if fmt == "xlsx":
        return render.xlsx_bytes(numbers)
    raise ValueError(f"not a file format of a report: {fmt!r}")
