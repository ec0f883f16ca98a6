"""Outputs of a published report (see reports.py): HTML, PDF, CSV, XLSX and SVG charts.

Every output is made from the published dict only — the frozen numbers of a signed-off report,
or the live numbers of a draft — so what a funder downloads cannot hold more than that dict.
The HTML page and the PDF use the same template (funding/_report_body.html).
"""

from __future__ import annotations

import base64
import copy
import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server; must come before pyplot
import matplotlib.pyplot as plt  # noqa: E402
from django.conf import settings  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils.translation import get_language, ngettext  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from buddynet import spreadsheet as ss  # noqa: E402
from buddynet.features.aftercare import report as aftercare_report  # noqa: E402
from buddynet.features.funding import needs_section  # noqa: E402
from buddynet.features.funding.models import BudgetLineKind, ObligationKind  # noqa: E402  # noqa: E402
from buddynet.formats import short_date  # noqa: E402
from buddynet.records.duos.models import ClosureReason  # noqa: E402  # noqa: E402
from buddynet.vocabulary import LifeDomain  # noqa: E402

# Same bytes for the same numbers: matplotlib otherwise salts SVG ids and stamps a date.
matplotlib.rcParams["svg.hashsalt"] = "buddynet"
matplotlib.rcParams["font.family"] = "DejaVu Sans"
# Text in the charts as SVG <text>, not one path per glyph: WeasyPrint drew the glyph paths of the two
# charts of a grant report in about a third of the sign-off's time (cProfile at demo scale, issue 19);
# as text they draw about 30 % faster, stay real text in the PDF (searchable, read aloud), and use the
# same embedded DejaVu Sans.
matplotlib.rcParams["svg.fonttype"] = "none"

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
    r["needs_change"] = needs_section.labelled(r.get("needs_change"))
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
        # Numbers frozen before the lights had reasons have none.
        row["light_texts"] = {k: light_reason(v) for k, v in (row.get("light_reasons") or {}).items()}
        row["pace"] = _value(row, ("pace",))
    return r


def light_reason(light: dict[str, Any]) -> str:
    """One sentence that says why a light has its colour, with the figures behind it."""
    from babel.numbers import format_currency, format_percent

    locale = _locale()

    def pct(key: str) -> str:
        return format_percent(light[key], locale=locale)

    def eur(key: str) -> str:
        return format_currency(light[key], "EUR", locale=locale)

    code = light.get("reason")
    if code == "spend_early":
        return _("Too early to judge: %(elapsed)s of the grant period has passed.") % {"elapsed": pct("elapsed")}
    if code == "spend_on_schedule":
        return _("Spending keeps pace with time: %(spent)s of the grant spent at %(elapsed)s of the period.") % {
            "spent": pct("spent_share"), "elapsed": pct("elapsed")}
    if code == "spend_ahead":
        return _("Spending runs ahead of time, a risk of overspending: %(spent)s spent at %(elapsed)s of the "
                 "period, heading for %(projected)s on a grant of %(amount)s.") % {
            "spent": pct("spent_share"), "elapsed": pct("elapsed"), "projected": eur("projected"),
            "amount": eur("amount")}
    if code == "spend_behind":
        return _("Spending lags behind time, a risk of underspending: %(spent)s spent at %(elapsed)s of the "
                 "period, heading for %(projected)s of a grant of %(amount)s.") % {
            "spent": pct("spent_share"), "elapsed": pct("elapsed"), "projected": eur("projected"),
            "amount": eur("amount")}
    if code == "reports_none_overdue":
        return _("No report is overdue.")
    if code == "reports_overdue":
        return ngettext("%(n)s report is overdue, by %(days)s days.",
                        "%(n)s reports are overdue, the oldest by %(days)s days.", light["overdue"]) % {
            "n": light["overdue"], "days": light["days"]}
    if code == "quiet_no_duos":
        return _("No active duos.")
    if code == "quiet_too_few":
        return _("Fewer than 5 active duos, none of them quiet.")
    if code == "quiet_too_few_some":
        return _("Fewer than 5 active duos, and some had no contact for longer than the project's quiet-alert "
                 "period (no share is shown under 5).")
    if code == "quiet_share":
        return _("%(share)s of the active duos had no contact for longer than the project's quiet-alert "
                 "period.") % {"share": pct("share")}
    return ""


# --- comparing projects -------------------------------------------------------------------------
# The columns a funder may sort the portfolio's projects by; a suppressed ("< 5") or missing
# value sorts after every number, whatever the direction.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "project": ("grant", "project"), "reached": ("participants_reached",), "active": ("duos_active",),
    "rhythm": ("compare", "share_meeting_cadence"), "check_ins": ("compare", "check_ins_per_duo_month"),
    "informal": ("compare", "share_more_informal"), "spent": ("share_spent",), "pace": ("pace",),
}


def _value(row: dict[str, Any], path: tuple[str, ...]) -> Any:
    if path == ("pace",):
        return row["share_spent"] / row["time_elapsed"] if row.get("time_elapsed") else None
    value: Any = row
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def sort_rows(report: dict[str, Any], key: str, *, descending: bool = False) -> dict[str, Any]:
    """A copy of a portfolio with its projects sorted by one of SORT_KEYS (unknown keys: as made)."""
    if report.get("kind") != "portfolio" or key not in SORT_KEYS:
        return report
    path = SORT_KEYS[key]
    rows = list(report["rows"])
    if key == "project":
        rows.sort(key=lambda r: str(_value(r, path)).casefold(), reverse=descending)
    else:
        known = [r for r in rows if ss.is_number(_value(r, path))]
        unknown = [r for r in rows if not ss.is_number(_value(r, path))]
        known.sort(key=lambda r: _value(r, path), reverse=descending)
        rows = known + unknown
    return {**report, "rows": rows}


# --- charts -------------------------------------------------------------------------------------
# Axis numbers in the reader's format (nl-BE: 45.000, 25 %); legends above the plot area, never on
# top of the data.
def _locale() -> str:
    return "en_GB" if (get_language() or "nl-be").startswith("en") else "nl_BE"


def _amount_axis(axis: Any) -> None:
    from babel.numbers import format_decimal
    from matplotlib.ticker import FuncFormatter

    locale = _locale()
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: format_decimal(x, format="#,##0", locale=locale)))


def _percent_axis(axis: Any) -> None:
    from babel.numbers import format_percent
    from matplotlib.ticker import FuncFormatter

    locale = _locale()
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: format_percent(x / 100, locale=locale)))


def _legend_outside(ax: Any) -> None:
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=2, frameon=False, borderaxespad=0)


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def budget_chart(lines: list[dict[str, Any]]) -> str:
    return _svg(budget_figure(lines))


def burn_chart(r: dict[str, Any]) -> str:
    return _svg(burn_figure(r))


def portfolio_chart(r: dict[str, Any]) -> str:
    return _svg(portfolio_figure(r))


def budget_figure(lines: list[dict[str, Any]]) -> Any:
    fig, ax = plt.subplots(figsize=(6.5, 0.8 + 0.55 * max(1, len(lines))))
    labels = [row["label"] for row in lines]
    ys = range(len(lines))
    ax.barh([y + 0.2 for y in ys], [float(row["budget"]) for row in lines], height=0.4, color="#9cc9bd",
            label=_("Budget"))
    ax.barh([y - 0.2 for y in ys], [float(row["spent_to_date"]) for row in lines], height=0.4, color="#0b5d4b",
            label=_("Spent"))
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.set_xlabel("EUR")
    _amount_axis(ax.xaxis)
    _legend_outside(ax)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def burn_figure(r: dict[str, Any]) -> Any:
    from matplotlib.dates import DateFormatter

    g, m = r["grant"], r["money"]
    start, end = date.fromisoformat(g["start_date"]), date.fromisoformat(g["end_date"])
    fig, ax = plt.subplots(figsize=(6.5, 3))
    ax.plot([start, end], [0, float(g["amount"])], linestyle="--", color="#4a5560", label=_("Even spending"))
    points = [(date.fromisoformat(d), float(v)) for d, v in m["cumulative_spend"]]
    if points:
        ax.step([p[0] for p in points], [p[1] for p in points], where="post", color="#0b5d4b", label=_("Spent"))
    ax.set_ylabel("EUR")
    _amount_axis(ax.yaxis)
    ax.xaxis.set_major_formatter(DateFormatter("%m/%Y"))
    _legend_outside(ax)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return fig


def portfolio_figure(r: dict[str, Any]) -> Any:
    rows = r["rows"]
    fig, ax = plt.subplots(figsize=(6.5, 0.8 + 0.35 * max(1, len(rows))))
    ys = range(len(rows))
    ax.barh(list(ys), [row["share_spent"] * 100 for row in rows], color="#0b5d4b", label=_("Share spent"))
    ax.scatter([row["time_elapsed"] * 100 for row in rows], list(ys), marker="|", s=200, color="#a4161a",
               label=_("Time elapsed"), zorder=3)
    ax.set_yticks(list(ys), [f'{_short(row["grant"]["project"])} ({row["grant"]["reference"]})' for row in rows])
    ax.invert_yaxis()
    _percent_axis(ax.xaxis)
    _legend_outside(ax)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def running_head(report: dict[str, Any]) -> str:
    """Project (or funder) and period, at the top of every PDF page."""
    period = _("%(start)s – %(end)s") % {"start": short_date(report["period"]["start"]),
                                         "end": short_date(report["period"]["end"])}
    if report["kind"] == "grant":
        return f'{report["grant"]["project"]} · {report["grant"]["reference"]} · {period}'
    return f'{report["funder"]["name"]} · {period}'


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_counter_css() -> str:
    """The CSS `content` of the page number: "pagina 3 van 7" in Dutch."""
    parts = re.split(r"(%\(page\)s|%\(pages\)s)", _("page %(page)s of %(pages)s"))
    return " ".join("counter(page)" if p == "%(page)s" else "counter(pages)" if p == "%(pages)s" else _css_string(p)
                    for p in parts if p)


def document_lang() -> str:
    """The BCP 47 tag of the document (nl-BE, en-GB): screen readers and PDF/A read it."""
    return "en-GB" if (get_language() or "nl-be").startswith("en") else "nl-BE"


def compare_columns() -> list[dict[str, Any]]:
    return [{"key": "project", "label": _("Project"), "n": False},
            {"key": "reached", "label": _("Participants reached"), "n": True},
            {"key": "active", "label": _("Active duos"), "n": True},
            {"key": "rhythm", "label": _("Contact rhythm kept"), "n": True},
            {"key": "check_ins", "label": _("Check-ins per duo-month"), "n": True},
            {"key": "informal", "label": _("Share with more informal ties"), "n": True},
            {"key": "spent", "label": _("Share spent"), "n": True},
            {"key": "pace", "label": _("Pace"), "n": True}]


def context(report: dict[str, Any], **extra: Any) -> dict[str, Any]:
    r = labelled(report)
    return {"report": r, "charts": charts(r), "title": title_of(report), "running_head": running_head(report),
            "page_counter": page_counter_css(), "document_lang": document_lang(),
            "compare_columns": compare_columns(), **extra}


def html_document(report: dict[str, Any], **extra: Any) -> str:
    """The stand-alone document the PDF is printed from (no site navigation)."""
    return render_to_string("funding/report_document.html", context(report, **extra))


# PDF/A-3a: the archival PDF a government archive accepts (fonts embedded, sRGB output intent,
# XMP metadata) at conformance level "a", which WeasyPrint makes by tagging the structure
# (headings, tables, figures with their alt text) — the accessible part PDF/UA asks for too.
PDF_VARIANT = "pdf/a-3a"


def pdf_document(report: dict[str, Any], **extra: Any) -> Any:
    """The laid-out WeasyPrint document (pages and boxes), before it is written as PDF."""
    from weasyprint import HTML  # imported here: loading pango costs time that pages without a PDF don't need

    return HTML(string=html_document(report, **extra), base_url=str(settings.BASE_DIR)).render(
        pdf_variant=PDF_VARIANT)


def pdf_bytes(report: dict[str, Any], **extra: Any) -> bytes:
    return pdf_document(report, **extra).write_pdf(pdf_variant=PDF_VARIANT)


# --- CSV and XLSX -------------------------------------------------------------------------------
# Both are made from the same sections (buddynet/spreadsheet.py writes them): the XLSX has one
# sheet per section, the CSV one row per value (section; row; column; value), both with Dutch
# headers in a Dutch session. Money is a number with a euro format, shares are percentages,
# dates are dates; a suppressed count stays the text "< 5".
def _money_cell(value: Any) -> Any:
    if value is None or value == "":
        return None
    try:
        return ss.Formatted(Decimal(str(value)), ss.EUR)
    except ArithmeticError:
        return str(value)


def _share_cell(value: Any) -> Any:
    return ss.Formatted(value, ss.PERCENT) if ss.is_number(value) else value


def _count_cell(value: Any) -> Any:
    return ss.Formatted(value, ss.INTEGER if isinstance(value, int) else ss.DECIMAL) if ss.is_number(value) else value


def _date_cell(value: Any) -> Any:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def _kv(title: str, pairs: list[tuple[str, Any]]) -> ss.Sheet:
    return ss.Sheet(title, [ss.Column(_("Item"), 52), ss.Column(_("Value"), 18)], [list(p) for p in pairs])


def _lines_sheet(title: str, lines: list[dict[str, Any]], totals: list[Any] | None) -> ss.Sheet:
    money_col = {"width": 18, "number_format": ss.EUR}
    sheet = ss.Sheet(title, [
        ss.Column(_("Budget line"), 30), ss.Column(_("Budget"), **money_col),
        ss.Column(_("Spent in the period"), **money_col), ss.Column(_("Spent to date"), **money_col),
        ss.Column(_("Remaining"), **money_col), ss.Column(_("Share spent"), 14, ss.PERCENT),
    ])
    for line in lines:
        sheet.rows.append([line["label"], _money_cell(line["budget"]), _money_cell(line["spent_in_period"]),
                           _money_cell(line["spent_to_date"]), _money_cell(line["remaining"]),
                           _share_cell(line["share_spent"])])
    if totals is not None:
        sheet.rows.append([_("Total"), *(_money_cell(v) for v in totals), None, None][:6])
    return sheet


def sections(report: dict[str, Any]) -> list[ss.Sheet]:
    """The report as tables, in the reader's language. Numbers made before a key existed still give
    their sections, without that key (hence the .get and `in`)."""
    r = labelled(report)
    head: list[tuple[str, Any]] = [
        (_("Kind of report"), _("Progress report") if r["kind"] == "grant" else _("Portfolio report")),
        (_("Period from"), _date_cell(r["period"]["start"])), (_("Period up to"), _date_cell(r["period"]["end"])),
    ]
    if r.get("made_on"):
        head.append((_("Made on"), _date_cell(r["made_on"])))
    out: list[ss.Sheet] = []
    if r["kind"] == "grant":
        g = r["grant"]
        head += [(_("Reference"), g["reference"]), (_("Project"), g["project"]), (_("Funder"), g["funder"]),
                 (_("Amount granted"), _money_cell(g["amount"])),
                 (_("Grant period from"), _date_cell(g["start_date"])),
                 (_("Grant period up to"), _date_cell(g["end_date"]))]
        out.append(_kv(_("Report"), head))
    else:
        head.append((_("Funder"), r["funder"]["name"]))
        for key, label in (("total_amount", _("Granted")), ("total_spent", _("Spent to date")),
                           ("total_budget", _("Budget")), ("total_spent_in_period", _("Spent in the period")),
                           ("total_projected_spend", _("Projected at the end")),
                           ("total_tranches_paid", _("Tranches paid")),
                           ("total_tranches_due", _("Tranches due, not yet paid"))):
            if key in r:
                head.append((label, _money_cell(r[key])))
        out.append(_kv(_("Report"), head))
        eur = {"width": 16, "number_format": ss.EUR}
        projects = ss.Sheet(_("Projects"), [
            ss.Column(_("Reference"), 16), ss.Column(_("Project"), 30), ss.Column(_("Granted"), **eur),
            ss.Column(_("Spent to date"), **eur), ss.Column(_("Share spent"), 12, ss.PERCENT),
            ss.Column(_("Time elapsed"), 12, ss.PERCENT), ss.Column(_("Reports overdue"), 12, ss.INTEGER),
            ss.Column(_("Participants reached"), 12, ss.INTEGER), ss.Column(_("Active duos"), 12, ss.INTEGER),
            ss.Column(_("Projected at the end"), **eur), ss.Column(_("Tranches paid"), **eur),
            ss.Column(_("Tranches due, not yet paid"), **eur),
            ss.Column(_("Spending"), 30), ss.Column(_("Reports"), 30), ss.Column(_("Quiet duos"), 30),
            ss.Column(_("Contact rhythm kept"), 12, ss.PERCENT),
            ss.Column(_("Check-ins per duo-month"), 12, ss.DECIMAL),
            ss.Column(_("Share with more informal ties"), 12, ss.PERCENT), ss.Column(_("Pace"), 10, ss.DECIMAL),
        ])
        for row in r["rows"]:
            lights = row.get("light_labels", {})
            projects.rows.append([
                row["grant"]["reference"], row["grant"]["project"], _money_cell(row["grant"]["amount"]),
                _money_cell(row["spent_to_date"]), row["share_spent"], row["time_elapsed"], row["reports_overdue"],
                row["participants_reached"], row["duos_active"], _money_cell(row.get("projected_spend")),
                _money_cell(row.get("tranches_paid")), _money_cell(row.get("tranches_due")),
                *(_light_cell(lights.get(k), row.get("light_texts", {}).get(k)) for k in ("spend", "reports", "quiet")),
                *(_compare_cell(row, k) for k in ("share_meeting_cadence", "check_ins_per_duo_month",
                                                  "share_more_informal")),
                row.get("pace"),
            ])
        out.append(projects)
        if r.get("lines"):
            out.append(_lines_sheet(_("Budget lines, all grants"), r["lines"],
                                    [r.get("total_budget"), r.get("total_spent_in_period"), r.get("total_spent")]))
    c = r["content"]
    content_labels = (
        ("participants_reached", _("Participants reached")), ("duos_started", _("Duos started")),
        ("duos_active", _("Duos active")), ("duos_closed", _("Duos closed")),
        ("average_duo_months", _("Average length of a closed duo (months)")), ("check_ins", _("Check-ins")),
        ("check_ins_per_duo_month", _("Check-ins per duo-month")),
        ("share_meeting_cadence", _("Share of duos meeting the project's cadence")),
        ("concerns_raised", _("Concerns raised")), ("concerns_handled", _("Concerns handled")),
        ("participants_left_out", _("Participants left out: their consent does not cover anonymous reporting")),
    )
    out.append(_kv(_("Content"), [
        (label, _share_cell(c[key]) if key.startswith("share") else _count_cell(c[key]))
        for key, label in content_labels if key in c]))
    if c.get("closure_reasons"):
        out.append(ss.Sheet(_("Duos closed, by reason"), [ss.Column(_("Reason"), 40), ss.Column(_("Duos"), 12)],
                            [[row["label"], _count_cell(row["count"])] for row in c["closure_reasons"]]))
    if c.get("needs_per_domain"):
        out.append(ss.Sheet(_("Needs per life domain"), [ss.Column(_("Life domain"), 40),
                                                         ss.Column(_("Participants"), 12)],
                            [[row["label"], _count_cell(row["count"])] for row in c["needs_per_domain"]]))
    out += needs_section.sheets(r.get("needs_change"))  # needs over time (issue 18), before the network
    out += aftercare_report.sheets(r.get("referrals"), r.get("voice"))  # referrals and evaluation (issue 18)
    n = r.get("network")
    network_labels = (
        ("participants_measured", _("Participants with two network maps")),
        ("median_informal_change", _("Median change in informal ties")),
        ("share_more_informal", _("Share with more informal ties")),
        ("share_new_non_professional", _("Share with new non-professional ties")),
        ("ties_via_buddy", _("Ties made via the buddy")),
        ("median_constraint_change", _("Median change in network constraint")),
        ("median_domain_coverage_change", _("Median change in life domains covered")),
    )
    if n is None:
        out.append(_kv(_("Network change"), [(_("Network change"), _("Not yet available."))]))
    else:
        out.append(_kv(_("Network change"), [
            (label, _share_cell(n.get(key)) if key.startswith("share") else _count_cell(n.get(key)))
            for key, label in network_labels if key in n]))
        if n.get("informal_change_distribution"):
            out.append(ss.Sheet(_("Change in informal ties"), [ss.Column(_("Change"), 14),
                                                               ss.Column(_("Participants"), 12)],
                                [[_count_cell(_int_or_text(row["change"])), _count_cell(row["count"])]
                                 for row in n["informal_change_distribution"]]))
    m = r.get("money")
    if m:
        out.append(_lines_sheet(_("Budget lines"), m["lines"],
                                [m["total_budget"], m["total_spent_in_period"], m["total_spent_to_date"]]))
        if m.get("by_year"):
            kinds = m.get("year_kinds", [])
            out.append(ss.Sheet(_("Spending per year"), [
                ss.Column(_("Year"), 10), *(ss.Column(k["label"], 18, ss.EUR) for k in kinds),
                ss.Column(_("Total"), 18, ss.EUR)],
                [[row["year"], *(_money_cell(v) for v in row["cells"]), _money_cell(row["total"])]
                 for row in m["by_year"]]))
        out.append(_kv(_("Money"), [
            (_("Amount granted"), _money_cell(m["amount"])),
            (_("Share of the grant spent"), _share_cell(m["share_spent"])),
            (_("Share of the grant period elapsed"), _share_cell(m["time_elapsed"])),
            (_("Burn rate (spending against time)"), _count_cell(m["burn_rate"])),
            (_("Projected spending at the end of the grant"), _money_cell(m["projected_spend"])),
            (_("Tranches paid"), _money_cell(m["tranches_paid"])),
            (_("Tranches due, not yet paid"), _money_cell(m["tranches_due"])),
        ]))
        if m.get("tranches"):
            states = {"paid": _("paid"), "due": _("due"), "planned": _("planned")}
            out.append(ss.Sheet(_("Tranches"), [
                ss.Column(_("Due on"), 14), ss.Column(_("Amount"), 16, ss.EUR), ss.Column(_("Condition"), 40),
                ss.Column(_("State"), 12), ss.Column(_("Paid on"), 14)],
                [[_date_cell(t["due_on"]), _money_cell(t["amount"]), t.get("condition") or None,
                  states.get(t["state"], t["state"]), _date_cell(t["paid_on"])] for t in m["tranches"]]))
    if r.get("obligations"):
        out.append(ss.Sheet(_("Reporting obligations"), [
            ss.Column(_("Report"), 30), ss.Column(_("Due on"), 14), ss.Column(_("Submitted on"), 14),
            ss.Column(_("Approved on"), 14), ss.Column(_("Overdue"), 10)],
            [[o["label"], _date_cell(o["due_on"]), _date_cell(o["submitted_on"]), _date_cell(o["approved_on"]),
              _("yes") if o["overdue"] else _("no")] for o in r["obligations"]]))
    return out


def _compare_cell(row: dict[str, Any], key: str) -> Any:
    return (row.get("compare") or {}).get(key)


def _light_cell(label: str | None, reason: str | None) -> str | None:
    return f"{label}: {reason}" if label and reason else label


def _int_or_text(value: Any) -> Any:
    try:
        return int(str(value))
    except ValueError:
        return value


def rows(report: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """Every value of the report, one per row: (section, row, column, value)."""
    for sheet in sections(report):
        columns = sheet.columns
        for row in sheet.rows:
            if len(columns) == 2:
                yield (sheet.title, str(row[0]), "", row[1])
                continue
            for column, value in zip(columns[1:], row[1:], strict=True):
                yield (sheet.title, str(row[0]), column.header, value)


def csv_header() -> tuple[str, str, str, str]:
    return (_("Section"), _("Item"), _("Column"), _("Value"))


def csv_bytes(report: dict[str, Any]) -> bytes:
    """UTF-8 with a BOM, `;` and decimal commas: what Belgian Excel opens with a double click."""
    return ss.csv_bytes(csv_header(), rows(report))


def xlsx_bytes(report: dict[str, Any]) -> bytes:
    return ss.xlsx_bytes(sections(report))
