"""The funder report's "Referrals" section (issue 18 item 3): how many referrals were made in the
period, to which kinds of service, and what came of them — counts only, of participants whose
consent covers anonymous reporting, every count below 5 suppressed. Hooked into
buddynet/features/funding/reports.py (grant and portfolio reports) and rendered by
templates/aftercare/_report_referrals.html."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from buddynet.features.aftercare.models import Referral, ReferralOutcome, ServiceKind
from buddynet.records.people.models import REPORTING_SCOPES

SMALL = 5  # as buddynet/features/funding/reports.py
SUPPRESSED = "< 5"
PENDING = "pending"


def _breakdown(counts: Counter[str], codes: Iterable[str]) -> list[dict[str, Any]]:
    """One row per code, small counts suppressed. When exactly one non-zero cell is suppressed, the
    next smallest is suppressed too, so it cannot be found back from the total."""
    rows: list[dict[str, Any]] = [{"code": code, "count": counts.get(code, 0)} for code in codes]
    small = [r for r in rows if 0 < r["count"] < SMALL]
    if len(small) == 1:
        others = sorted((r for r in rows if r["count"] >= SMALL), key=lambda r: r["count"])
        if others:
            small.append(others[0])
    for r in rows:
        if r["count"] < SMALL or r in small:
            r["count"] = SUPPRESSED
    return rows


def referral_section(*, project_ids: Iterable[int], start: date, end: date) -> dict[str, Any]:
    rows = list(
        Referral.objects.filter(participant__project_id__in=list(project_ids), date__gte=start, date__lte=end,
                                participant__consent_scope__in=REPORTING_SCOPES)
        .values_list("participant_id", "service__kind", "outcome")
    )
    total = len(rows)
    people = len({r[0] for r in rows})
    return {
        "total": total if total >= SMALL else SUPPRESSED,
        "participants": people if people >= SMALL else SUPPRESSED,
        "by_kind": _breakdown(Counter(r[1] for r in rows), ServiceKind.values),
        "by_outcome": _breakdown(Counter(r[2] or PENDING for r in rows), [*ReferralOutcome.values, PENDING]),
    }


def labels() -> dict[str, str]:
    """The label of each code, in the active language (for the template)."""
    from django.utils.translation import gettext as _

    return {**{k: str(v) for k, v in ServiceKind.choices}, **{k: str(v) for k, v in ReferralOutcome.choices},
            PENDING: _("No outcome yet")}


def voice_section(*, project_ids: Iterable[int], start: date, end: date) -> dict[str, Any]:
    """The participants' own evaluations (issue 18 item 4): per moment and question, how many
    answered and the mean of the five faces (1–5) — shown only when at least 5 answered."""
    from buddynet.features.aftercare.models import QUESTIONS, Evaluation, Moment, Respondent

    rows = list(
        Evaluation.objects.filter(participant__project_id__in=list(project_ids), date__gte=start, date__lte=end,
                                  respondent=Respondent.PARTICIPANT, participant__consent_scope__in=REPORTING_SCOPES)
        .values("moment", *QUESTIONS)
    )
    out = []
    for moment in Moment.values:
        for question in QUESTIONS:
            answers = [r[question] for r in rows if r["moment"] == moment and r[question] is not None]
            if not answers:
                continue
            small = len(answers) < SMALL
            out.append({"moment": moment, "question": question,
                        "answered": SUPPRESSED if small else len(answers),
                        "mean": SUPPRESSED if small else round(sum(answers) / len(answers), 1)})
    return {"rows": out}


def voice_labels() -> dict[str, str]:
    from buddynet.features.aftercare.models import Evaluation, Moment

    fields: dict[str, Any] = {q: Evaluation._meta.get_field(q) for q in ("heard", "decide", "network", "recommend",
                                                                          "fit")}
    return {**{k: str(v) for k, v in Moment.choices}, **{q: str(f.verbose_name) for q, f in fields.items()}}


def sheets(referrals: dict[str, Any] | None, voice: dict[str, Any] | None) -> list[Any]:
    """The referrals and the participants' own evaluation as spreadsheet tables (the funder report's
    XLSX and CSV, funding/render.sections). Counts stay numbers; a suppressed count stays "< 5"."""
    from django.utils.translation import gettext as _

    from buddynet import spreadsheet as ss

    def count(value: Any) -> Any:
        return ss.Formatted(value, ss.INTEGER) if ss.is_number(value) else value

    out: list[ss.Sheet] = []
    if referrals:
        names = labels()
        out.append(ss.Sheet(_("Referrals"), [ss.Column(_("Item"), 52), ss.Column(_("Value"), 18)], [
            [_("Referrals to other services"), count(referrals["total"])],
            [_("Participants referred"), count(referrals["participants"])],
        ]))
        for title, header, rows in ((_("Referrals per service"), _("Kind of service"), referrals["by_kind"]),
                                    (_("Referrals per outcome"), _("Outcome"), referrals["by_outcome"])):
            out.append(ss.Sheet(title, [ss.Column(header, 40), ss.Column(_("Referrals"), 14)],
                                [[names.get(r["code"], r["code"]), count(r["count"])] for r in rows]))
    if voice and voice.get("rows"):
        names = voice_labels()
        out.append(ss.Sheet(_("Participants' evaluation"), [
            ss.Column(_("Question"), 60), ss.Column(_("Answered"), 14),
            ss.Column(_("Mean"), 12, ss.DECIMAL)],
            [[f"{names.get(r['moment'], r['moment'])}: {names.get(r['question'], r['question'])}",
              count(r["answered"]), ss.Formatted(r["mean"], ss.DECIMAL) if ss.is_number(r["mean"]) else r["mean"]]
             for r in voice["rows"]]))
    return out
