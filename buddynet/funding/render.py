"""Outputs of a published report (see reports.py): HTML, PDF, CSV, XLSX and SVG charts.

Every output is made from the published dict only — the frozen numbers of a signed-off report,
or the live numbers of a draft — so what a funder downloads cannot hold more than that dict.
The HTML page and the PDF use the same template (funding/_report_body.html).
"""

from __future__ import annotations

import base64
import copy
import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server; must come before pyplot
import matplotlib.pyplot as plt  # noqa: E402
from django.conf import settings  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from buddynet.duos.models import ClosureReason  # noqa: E402
from buddynet.funding.models import BudgetLineKind, ObligationKind  # noqa: E402
from buddynet.vocabulary import LifeDomain  # noqa: E402

# Same bytes for the same numbers: matplotlib otherwise salts SVG ids and stamps a date.
matplotlib.rcParams["svg.hashsalt"] = "buddynet"
matplotlib.rcParams["font.family"] = "DejaVu Sans"

LIGHT_LABELS = {"green": "On track", "amber": "Watch", "red": "Act"}


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def labelled(report: dict[str, Any]) -> dict[str, Any]:
    """A copy with a label (in the current language) next to every code."""
    r = copy.deepcopy(report)
    content = r.get("content") or {}
    for row in content.get("closure_reasons", []):
        row["label"] = _label(ClosureReason, row["reason"])
    for row in content.get("needs_per_domain", []):
        row["label"] = _label(LifeDomain, row["domain"])
    money = r.get("money") or {}
    # A grant's lines are under "money"; a portfolio's, summed over its grants, at the top.
    for row in [*money.get("lines", []), *r.get("lines", [])]:
        row["label"] = _label(BudgetLineKind, row["kind"])
    if money.get("by_year"):
        money["year_kinds"] = [{"kind": k, "label": _label(BudgetLineKind, k)} for k in money["by_year"][0]["totals"]]
        for row in money["by_year"]:
            row["cells"] = list(row["totals"].values())
    for row in r.get("obligations", []):
        row["label"] = _label(ObligationKind, row["kind"])
    for row in r.get("rows", []):
        row["light_labels"] = {k: str(_(LIGHT_LABELS[v])) for k, v in row["lights"].items()}
    return r


# --- charts -------------------------------------------------------------------------------------
def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def budget_chart(lines: list[dict[str, Any]]) -> str:
    fig, ax = plt.subplots(figsize=(6.5, 0.5 + 0.55 * max(1, len(lines))))
    labels = [row["label"] for row in lines]
    ys = range(len(lines))
    ax.barh([y + 0.2 for y in ys], [float(row["budget"]) for row in lines], height=0.4, color="#9cc9bd",
            label=_("Budget"))
    ax.barh([y - 0.2 for y in ys], [float(row["spent_to_date"]) for row in lines], height=0.4, color="#0b5d4b",
            label=_("Spent"))
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.set_xlabel("EUR")
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def burn_chart(r: dict[str, Any]) -> str:
    g, m = r["grant"], r["money"]
    start, end = date.fromisoformat(g["start_date"]), date.fromisoformat(g["end_date"])
    fig, ax = plt.subplots(figsize=(6.5, 3))
    ax.plot([start, end], [0, float(g["amount"])], linestyle="--", color="#4a5560", label=_("Even spending"))
    points = [(date.fromisoformat(d), float(v)) for d, v in m["cumulative_spend"]]
    if points:
        ax.step([p[0] for p in points], [p[1] for p in points], where="post", color="#0b5d4b", label=_("Spent"))
    ax.set_ylabel("EUR")
    ax.legend(loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return _svg(fig)


def portfolio_chart(r: dict[str, Any]) -> str:
    rows = r["rows"]
    fig, ax = plt.subplots(figsize=(6.5, 0.5 + 0.35 * max(1, len(rows))))
    ys = range(len(rows))
    ax.barh(list(ys), [row["share_spent"] * 100 for row in rows], color="#0b5d4b", label=_("Share spent"))
    ax.scatter([row["time_elapsed"] * 100 for row in rows], list(ys), marker="|", s=200, color="#a4161a",
               label=_("Time elapsed"), zorder=3)
    ax.set_yticks(list(ys), [row["grant"]["project"] for row in rows])
    ax.invert_yaxis()
    ax.set_xlabel("%")
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def charts(r: dict[str, Any]) -> list[dict[str, str]]:
    if r["kind"] == "grant":
        return [
            {"title": _("Budget and spending per budget line"), "src": data_uri(budget_chart(r["money"]["lines"])),
             "alt": _("Bar chart: for each budget line the budget and the amount spent; the numbers are in the "
                      "table below.")},
            {"title": _("Spending over time"), "src": data_uri(burn_chart(r)),
             "alt": _("Line chart: money spent so far against even spending over the grant period.")},
        ]
    if not r["rows"]:
        return []
    out = [{"title": _("Spending against time elapsed"), "src": data_uri(portfolio_chart(r)),
            "alt": _("Bar chart: per project the share of the grant spent, with a mark at the share of the "
                     "grant period elapsed; the numbers are in the table.")}]
    if r.get("lines"):  # absent from numbers made before portfolios showed budget lines
        out.append({"title": _("Budget and spending per budget line, all grants"),
                    "src": data_uri(budget_chart(r["lines"])),
                    "alt": _("Bar chart: for each budget line, summed over all grants, the budget and the amount "
                             "spent; the numbers are in the table.")})
    return out


# --- HTML and PDF -------------------------------------------------------------------------------
def title_of(report: dict[str, Any]) -> str:
    if report["kind"] == "grant":
        return _("Progress report %(reference)s · %(project)s") % report["grant"]
    return _("Portfolio report · %(funder)s") % {"funder": report["funder"]["name"]}


def context(report: dict[str, Any], **extra: Any) -> dict[str, Any]:
    r = labelled(report)
    return {"report": r, "charts": charts(r), "title": title_of(report), **extra}


def html_document(report: dict[str, Any], **extra: Any) -> str:
    """The stand-alone document the PDF is printed from (no site navigation)."""
    return render_to_string("funding/report_document.html", context(report, **extra))


def pdf_bytes(report: dict[str, Any], **extra: Any) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time that pages without a PDF don't need

    return HTML(string=html_document(report, **extra), base_url=str(settings.BASE_DIR)).write_pdf()


# --- CSV and XLSX -------------------------------------------------------------------------------
HEADER = ("section", "item", "detail", "value")


def rows(report: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """Every number of the report, one per row: (section, item, detail, value)."""
    r = labelled(report)
    yield ("report", "kind", "", r["kind"])
    yield ("report", "period", "start", r["period"]["start"])
    yield ("report", "period", "end", r["period"]["end"])
    if r["kind"] == "grant":
        for key, value in r["grant"].items():
            yield ("grant", key, "", value)
    else:
        yield ("portfolio", "funder", "", r["funder"]["name"])
        # .get and `in`: numbers made before a key existed still give a file, without that key.
        for key in ("total_amount", "total_spent", "total_budget", "total_spent_in_period", "total_tranches_paid",
                    "total_tranches_due", "total_projected_spend"):
            if key in r:
                yield ("portfolio", key, "", r[key])
        for row in r["rows"]:
            item = f'{row["grant"]["reference"]} {row["grant"]["project"]}'
            for key in ("spent_to_date", "share_spent", "time_elapsed", "reports_overdue", "participants_reached",
                        "duos_active", "projected_spend", "tranches_paid", "tranches_due"):
                if key in row:
                    yield ("projects", item, key, row[key])
            for key, value in row["lights"].items():
                yield ("projects", item, f"light_{key}", value)
        for line in r.get("lines", []):
            for key in ("budget", "spent_in_period", "spent_to_date", "remaining", "share_spent"):
                yield ("money", line["label"], key, line[key])
    content = r["content"]
    for key, value in content.items():
        if key == "closure_reasons":
            for row in value:
                yield ("content", "duos_closed_by_reason", row["label"], row["count"])
        elif key == "needs_per_domain":
            for row in value:
                yield ("content", "structural_signals", row["label"], row["count"])
        else:
            yield ("content", key, "", value)
    network = r.get("network")
    if network is None:
        yield ("network", "available", "", "no")
    else:
        for key, value in network.items():
            if key == "informal_change_distribution":
                for row in value:
                    yield ("network", key, row["change"], row["count"])
            else:
                yield ("network", key, "", value)
    money = r.get("money")
    if money:
        for line in money["lines"]:
            for key in ("budget", "spent_in_period", "spent_to_date", "remaining", "share_spent"):
                yield ("money", line["label"], key, line[key])
        for row in money["by_year"]:
            for kind, total in row["totals"].items():
                yield ("money_per_year", str(row["year"]), _label(BudgetLineKind, kind), total)
            yield ("money_per_year", str(row["year"]), "total", row["total"])
        for key in ("amount", "total_budget", "total_spent_to_date", "total_spent_in_period", "share_spent",
                    "time_elapsed", "burn_rate", "projected_spend", "tranches_paid", "tranches_due"):
            yield ("money", "totals", key, money[key])
        for t in money["tranches"]:
            yield ("tranches", t["due_on"], "amount", t["amount"])
            yield ("tranches", t["due_on"], "state", t["state"])
            yield ("tranches", t["due_on"], "paid_on", t["paid_on"] or "")
    for o in r.get("obligations", []):
        for key in ("due_on", "submitted_on", "approved_on", "overdue"):
            yield ("obligations", o["label"], key, o[key] if o[key] is not None else "")


def csv_bytes(report: dict[str, Any]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for row in rows(report):
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the accents right


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(Decimal(value)) if value and value[0].isdigit() and "-" not in value else value
        except ArithmeticError:
            return value
    return value


def xlsx_bytes(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "numbers"
    ws.append(HEADER)
    for row in rows(report):
        ws.append([_cell_value(v) if v is not None else None for v in row])
    for column, width in zip("ABCD", (16, 36, 28, 16), strict=True):
        ws.column_dimensions[column].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
