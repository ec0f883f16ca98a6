"""The funder report's "needs over time" section (issue 18 item 2): how the participants' needs
per life domain changed between their first measurement (intake) and their latest one in the
period. Suppressed as every figure of the report (reports.py: cell, guarded, share), counting
only participants whose consent covers anonymous reporting."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from buddynet import spreadsheet as ss
from buddynet.records.people.models import REPORTING_SCOPES, NeedsMeasurement
from buddynet.records.people.needs import needs_change
from buddynet.vocabulary import LIFE_DOMAINS, LifeDomain


def needs_change_section(*, project_ids: list[int], start: date, end: date) -> dict[str, Any] | None:
    """None while no participant has a first and a later measurement, the later one in the period."""
    from buddynet.features.funding.reports import cell, guarded, share

    by_participant: dict[int, list[tuple[date, int, dict[str, int]]]] = {}
    for pid, on, pk, needs in (NeedsMeasurement.objects
                               .filter(participant__project_id__in=project_ids, date__lte=end,
                                       participant__consent_scope__in=REPORTING_SCOPES)
                               .values_list("participant_id", "date", "pk", "needs")):
        by_participant.setdefault(pid, []).append((on, pk, needs or {}))
    changes = []
    for rows in by_participant.values():
        rows.sort(key=lambda r: (r[0], r[1]))
        if len(rows) >= 2 and rows[-1][0] >= start:
            changes.append(needs_change(rows[0][2], rows[-1][2], LIFE_DOMAINS))
    n = len(changes)
    if n == 0:
        return None
    less = sum(1 for c in changes if c.total_change < 0)
    return {
        "participants_measured": cell(n),
        "average_total_before": guarded(round(sum(c.total_before for c in changes) / n, 1), n),
        "average_total_after": guarded(round(sum(c.total_after for c in changes) / n, 1), n),
        "average_total_change": guarded(round(sum(c.total_change for c in changes) / n, 1), n),
        "share_less_need": share(round(less / n, 3), n),
        "domains": [{"domain": d, "average_change": guarded(round(sum(c.domains[d][2] for c in changes) / n, 2), n)}
                    for d in LIFE_DOMAINS],
    }


def labelled(section: dict[str, Any] | None) -> dict[str, Any] | None:
    if not section:
        return section
    labels = dict(LifeDomain.choices)
    return {**section, "domains": [{**row, "label": str(labels.get(row["domain"], row["domain"]))}
                                   for row in section.get("domains", [])]}


def sheets(section: dict[str, Any] | None) -> list[ss.Sheet]:
    """The section as spreadsheet tables (render.sections adds them after the network change)."""
    s = labelled(section)
    if not s:
        return []

    def number(value: Any) -> Any:
        return ss.Formatted(value, ss.DECIMAL) if ss.is_number(value) else value

    head = ss.Sheet(_("Needs over time"), [ss.Column(_("Item"), 52), ss.Column(_("Value"), 18)], [
        [_("Participants with two needs measurements"), s["participants_measured"]],
        [_("Average total need at the first measurement (0–30)"), number(s["average_total_before"])],
        [_("Average total need at the latest measurement (0–30)"), number(s["average_total_after"])],
        [_("Average change in total need"), number(s["average_total_change"])],
        [_("Share with less need"), ss.Formatted(s["share_less_need"], ss.PERCENT)
         if ss.is_number(s["share_less_need"]) else s["share_less_need"]],
    ])
    domains = ss.Sheet(_("Needs change per life domain"), [ss.Column(_("Life domain"), 40),
                                                            ss.Column(_("Average change"), 16)],
                       [[row["label"], number(row["average_change"])] for row in s["domains"]])
    return [head, domains]
