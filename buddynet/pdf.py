"""HTML to PDF with WeasyPrint, the one way buddynet prints (funder reports, a participant's story).

Imported lazily: loading pango costs time that pages without a PDF don't need. PDF/A-3a, as the
funder reports (funding/render.py PDF_VARIANT): fonts embedded, the structure tagged (headings,
tables, figures with their alt text), which screen readers and archives both need.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

PDF_VARIANT = "pdf/a-3a"


def pdf_document(html: str) -> Any:
    """The laid-out document (its `pages` can be counted) before it is written."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(pdf_variant=PDF_VARIANT)


def pdf_bytes(html: str) -> bytes:
    data: bytes = pdf_document(html).write_pdf(pdf_variant=PDF_VARIANT)
    return data
