"""The signal report: barrier signals of a period (and optionally one municipality) bundled for
local policy (OCMW, city) and the funder. Counts by barrier type × municipality × life domain,
each cell below 5 shown as "< 5" (the funder reports' suppression, buddynet/features/funding/reports.py),
and no totals beside them (a total minus the cells shown would tell a suppressed one);
the descriptions only of signals a coordinator marked shareable. No name, no date of a single
signal, no participant id ever enters the published dict, so no output made from it can leak one.

Like every aggregate of the project, it counts only participants whose consent covers anonymous
reporting (people.models.REPORTING_SCOPES); those left out are counted (suppressed below 5 too).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from buddynet import spreadsheet as ss
from buddynet.features.funding import render as funding_render
from buddynet.features.funding.reports import cell
from buddynet.features.signals.models import BarrierType, Signal
from buddynet.formats import short_date
from buddynet.records.people.models import REPORTING_SCOPES
from buddynet.vocabulary import LifeDomain


def signal_report(*, signals: QuerySet[Signal], start: date, end: date, municipality: str = "",
                  projects: list[str] | None = None) -> dict[str, Any]:
    """The published numbers (JSON-safe) of `signals` (already scoped to the asker) in [start, end]."""
    qs = signals.filter(date__gte=start, date__lte=end)
    if municipality:
        qs = qs.filter(municipality__iexact=municipality)
    counted = qs.filter(participant__consent_scope__in=REPORTING_SCOPES)
    left_out = qs.exclude(participant__consent_scope__in=REPORTING_SCOPES).count()
    rows = list(counted.values_list("barrier_type_id", "municipality", "life_domain"))
    counts = Counter(rows)
    types = {t.pk: t for t in BarrierType.objects.filter(pk__in={r[0] for r in rows})}
    order = {t: (types[t].position, types[t].code) for t in types}
    cells = [
        {"barrier_type": types[t].code, "municipality": m or "—", "life_domain": d, "count": cell(n)}
        for (t, m, d), n in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2]))
    ]
    descriptions = [
        {"barrier_type": s.barrier_type.code, "municipality": s.municipality or "—", "life_domain": s.life_domain,
         "text": s.description}
        for s in counted.filter(shareable=True).exclude(description="").select_related("barrier_type")
        .order_by("barrier_type__position", "municipality", "life_domain", "id")
    ]
    return {
        "kind": "signals",
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "municipality": municipality,
        "projects": sorted(projects or []),
        "cells": cells,
        "descriptions": descriptions,
        "left_out": cell(left_out) if left_out else 0,
    }


# --- outputs: page, PDF (PDF/A, as the funder reports), XLSX ----------------------------------------
def labelled(report: dict[str, Any]) -> dict[str, Any]:
    """Labels in the reader's language beside the codes (a type since removed keeps its code)."""
    names = {t.code: t.name for t in BarrierType.objects.all()}
    domains = dict(LifeDomain.choices)

    def lab(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "type_label": names.get(row["barrier_type"], row["barrier_type"]),
                "domain_label": str(domains.get(row.get("life_domain", ""), row.get("life_domain", "")))}

    return {**report, "cells": [lab(c) for c in report["cells"]],
            "descriptions": [lab(d) for d in report["descriptions"]]}


def title_of(report: dict[str, Any]) -> str:
    if report["municipality"]:
        return _("Signal report · %(municipality)s") % {"municipality": report["municipality"]}
    return _("Signal report")


def running_head(report: dict[str, Any]) -> str:
    period = _("%(start)s – %(end)s") % {"start": short_date(report["period"]["start"]),
                                         "end": short_date(report["period"]["end"])}
    who = ", ".join(report["projects"]) or _("all projects")
    return f"{title_of(report)} · {who} · {period}"


def context(report: dict[str, Any]) -> dict[str, Any]:
    return {"report": labelled(report), "title": title_of(report), "running_head": running_head(report),
            "page_counter": funding_render.page_counter_css(), "document_lang": funding_render.document_lang()}


def html_document(report: dict[str, Any]) -> str:
    return render_to_string("signals/report_document.html", context(report))


def pdf_document(report: dict[str, Any]) -> Any:
    from django.conf import settings
    from weasyprint import HTML  # loading pango costs time that pages without a PDF don't need

    return HTML(string=html_document(report), base_url=str(settings.BASE_DIR)).render(
        pdf_variant=funding_render.PDF_VARIANT)


def pdf_bytes(report: dict[str, Any]) -> bytes:
    data: bytes = pdf_document(report).write_pdf(pdf_variant=funding_render.PDF_VARIANT)
    return data


def _count(value: Any) -> Any:
    return ss.Formatted(value, ss.INTEGER) if ss.is_number(value) else value


def sections(report: dict[str, Any]) -> list[ss.Sheet]:
    r = labelled(report)
    head = ss.Sheet(_("Report"), [ss.Column(_("Item"), 40), ss.Column(_("Value"), 40)], [
        [_("Kind of report"), _("Signal report")],
        [_("Period from"), date.fromisoformat(r["period"]["start"])],
        [_("Period to"), date.fromisoformat(r["period"]["end"])],
        [_("Municipality"), r["municipality"] or _("all municipalities")],
        [_("Projects"), ", ".join(r["projects"]) or _("all projects")],
        [_("Signals left out (no consent for reporting)"), _count(r["left_out"])],
    ])
    cells = ss.Sheet(_("Signals"), [ss.Column(_("Barrier type"), 36), ss.Column(_("Municipality"), 24),
                                    ss.Column(_("Life domain"), 28), ss.Column(_("Signals"), 12, ss.INTEGER)],
                     [[c["type_label"], c["municipality"], c["domain_label"], _count(c["count"])] for c in r["cells"]])
    texts = ss.Sheet(_("Descriptions"), [ss.Column(_("Barrier type"), 36), ss.Column(_("Municipality"), 24),
                                         ss.Column(_("Life domain"), 28), ss.Column(_("Description"), 80)],
                     [[d["type_label"], d["municipality"], d["domain_label"], d["text"]] for d in r["descriptions"]])
    return [head, cells, texts]


def xlsx_bytes(report: dict[str, Any]) -> bytes:
    return ss.xlsx_bytes(sections(report))
