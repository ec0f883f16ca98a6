"""Progress reports for funders: the numbers, built in a fixed number of queries, then published.

Two steps, so pseudonymisation is by construction:
1. `*_raw` functions read the records with grouped queries (their number does not depend on how
   many duos or check-ins there are) and compute additive counts per project and per grant.
   Nothing in them carries a name or a free-text note: only ids, dates, codes and numbers.
2. `publish_*` turns those into the JSON-safe dict that every output (HTML, PDF, CSV, XLSX) and
   the frozen record are made from. Every count of people, duos or events below 5 becomes
   "< 5", and so does every average or share computed over fewer than 5.

Definitions (the same in every report):
- a duo is *active in the period* when it started on or before the end and was not closed before
  the start; its *duo-days* are the days of that overlap (pauses included);
- *participants reached*: participants with a duo introduced on or before the end of the period
  and not closed before its start;
- *average duo length*: from start to closing, over the duos closed in the period;
- *check-ins per duo-month*: check-ins in the period of the active duos, divided by their
  duo-days / 30.4375;
- a duo *meets the cadence* when, over its duo-days in the period (at least one cadence long), it
  has at least duo-days // the project's cadence check-ins;
- *projected spend at the end of a grant*: the spending up to the end of the period divided by the
  share of the grant period elapsed at that end; a portfolio's is the sum over its grants;
- *tranches paid* by the end of the period, and *due*: due by then but not paid by then;
- *needs per life domain*: per life domain, the participants reached whose need there is 2 or 3
  ("medium" or "high") in their latest needs measurement (Participant.needs); not the barrier
  signals, which have their own report (buddynet/features/signals). Frozen numbers keep the key
  `needs_per_domain`, so reports signed off under the old heading render under this one;
- consent (issue 16): every figure about people, duos, check-ins and networks counts only
  participants whose consent covers anonymous reporting (people.models.REPORTING_SCOPES), read
  when the report is made; *participants left out* counts those whose duos would have counted
  but whose consent does not cover it (suppressed below 5 like every cell). A frozen report keeps
  the numbers it was made with.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone

from buddynet.features.aftercare.report import referral_section, voice_section
from buddynet.features.funding import lights, needs_section, selectors
from buddynet.features.funding.models import (
    BudgetLine,
    BudgetLineKind,
    Expense,
    Funder,
    Grant,
    ReportingObligation,
    Tranche,
)
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus
from buddynet.records.people.models import REPORTING_SCOPES, Project
from buddynet.vocabulary import LIFE_DOMAINS

SMALL = 5
SUPPRESSED = "< 5"
DAYS_PER_MONTH = 30.4375
NEED_SIGNAL_LEVEL = 2
CENT = Decimal("0.01")

NETWORK_FIELDS = (
    "participants_measured", "median_informal_change", "informal_change_distribution", "share_more_informal",
    "share_new_non_professional", "ties_via_buddy", "median_constraint_change", "median_domain_coverage_change",
)


# --- 1. raw, additive numbers -----------------------------------------------------------------
@dataclass
class ContentRaw:
    participants_reached: int = 0
    duos_started: int = 0
    duos_active: int = 0
    duos_closed: int = 0
    closure_reasons: Counter[str] = field(default_factory=Counter)
    closed_length_days: int = 0
    closed_with_length: int = 0
    check_ins: int = 0
    duo_days: int = 0
    cadence_duos: int = 0
    cadence_met: int = 0
    concerns_raised: int = 0
    concerns_handled: int = 0
    needs: Counter[str] = field(default_factory=Counter)
    participants_left_out: int = 0  # reached, but their consent does not cover reporting

    def __add__(self, other: ContentRaw) -> ContentRaw:
        out = ContentRaw()
        for f in dataclasses.fields(self):
            setattr(out, f.name, getattr(self, f.name) + getattr(other, f.name))
        return out

    @property
    def average_duo_months(self) -> float | None:
        if not self.closed_with_length:
            return None
        return round(self.closed_length_days / self.closed_with_length / DAYS_PER_MONTH, 1)

    @property
    def check_ins_per_duo_month(self) -> float | None:
        if not self.duo_days:
            return None
        return round(self.check_ins / (self.duo_days / DAYS_PER_MONTH), 2)

    @property
    def share_meeting_cadence(self) -> float | None:
        if not self.cadence_duos:
            return None
        return round(self.cadence_met / self.cadence_duos, 3)


def content_raw(*, project_ids: list[int], start: date, end: date) -> dict[int, ContentRaw]:
    """Content numbers per project over [start, end]: three queries whatever the data size."""
    out = {pid: ContentRaw() for pid in project_ids}
    cadence = dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "contact_cadence_days"))
    duos = list(
        Duo.objects.filter(project_id__in=project_ids)
        .filter(
            Q(introduced_on__lte=end, closed_on__isnull=True)
            | Q(introduced_on__lte=end, closed_on__gte=start)
            | Q(closed_on__gte=start, closed_on__lte=end)
        )
        .values_list("pk", "project_id", "participant_id", "participant__needs", "introduced_on", "started_on",
                     "closed_on", "closure_reason", "participant__consent_scope")
    )
    per_duo = {
        row["duo_id"]: row
        for row in CheckIn.objects.filter(duo__project_id__in=project_ids, date__gte=start, date__lte=end)
        .values("duo_id")
        .annotate(n=Count("id"), concerns=Count("id", filter=Q(concern=True)),
                  handled=Count("id", filter=Q(concern=True, concern_handled_at__isnull=False)))
        .order_by()
    }
    reached: dict[int, set[int]] = defaultdict(set)
    left_out: dict[int, set[int]] = defaultdict(set)
    needs_of: dict[int, dict[str, Any]] = {}
    for pk, pid, participant_id, needs, introduced_on, started_on, closed_on, reason, scope in duos:
        if scope not in REPORTING_SCOPES:
            left_out[pid].add(participant_id)  # none of this duo's figures counts
            continue
        c = out[pid]
        if introduced_on is not None and introduced_on <= end and (closed_on is None or closed_on >= start):
            reached[pid].add(participant_id)
            needs_of[participant_id] = needs or {}
        if started_on is not None and start <= started_on <= end:
            c.duos_started += 1
        if closed_on is not None and start <= closed_on <= end:
            c.duos_closed += 1
            c.closure_reasons[reason] += 1
            if started_on is not None:
                c.closed_length_days += (closed_on - started_on).days
                c.closed_with_length += 1
        checks = per_duo.get(pk, {"n": 0, "concerns": 0, "handled": 0})
        c.concerns_raised += checks["concerns"]
        c.concerns_handled += checks["handled"]
        if started_on is None or started_on > end or (closed_on is not None and closed_on < start):
            continue
        c.duos_active += 1
        days = (min(end, closed_on or end) - max(start, started_on)).days + 1
        c.duo_days += days
        c.check_ins += checks["n"]
        every = cadence.get(pid) or 14
        if days >= every:
            c.cadence_duos += 1
            if checks["n"] >= days // every:
                c.cadence_met += 1
    for pid, participants in left_out.items():
        out[pid].participants_left_out = len(participants)
    for pid, participants in reached.items():
        out[pid].participants_reached = len(participants)
        for participant_id in participants:
            for domain, level in needs_of[participant_id].items():
                if domain in LIFE_DOMAINS and isinstance(level, int) and level >= NEED_SIGNAL_LEVEL:
                    out[pid].needs[domain] += 1
    return out


@dataclass
class MoneyRaw:
    grant: Grant
    budget: dict[str, Decimal]
    spent_to_date: dict[str, Decimal]
    spent_in_period: dict[str, Decimal]
    by_year: dict[tuple[int, str], Decimal]
    tranches: list[Tranche]
    obligations: list[ReportingObligation]
    monthly: dict[date, Decimal]

    @property
    def total_budget(self) -> Decimal:
        return sum(self.budget.values(), Decimal(0))

    @property
    def total_spent(self) -> Decimal:
        return sum(self.spent_to_date.values(), Decimal(0))


def time_share(grant: Grant, on: date) -> float:
    """How much of the grant period has passed on `on` (0..1)."""
    total = (grant.end_date - grant.start_date).days + 1
    elapsed = (min(on, grant.end_date) - grant.start_date).days + 1
    return max(0.0, min(1.0, elapsed / total))


def money_raw(*, grants: list[Grant], start: date, end: date, monthly: bool = False) -> dict[int, MoneyRaw]:
    """Money per grant up to `end` (and within [start, end]): a fixed number of queries."""
    ids = [g.pk for g in grants]
    out = {
        g.pk: MoneyRaw(g, {}, defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal), [], [], {})
        for g in grants
    }
    for line in BudgetLine.objects.filter(grant_id__in=ids):
        out[line.grant_id].budget[line.kind] = line.amount
    for row in (Expense.objects.filter(grant_id__in=ids, date__lte=end)
                .values("grant_id", "budget_line__kind", year=ExtractYear("date"))
                .annotate(total=Sum("amount"), in_period=Sum("amount", filter=Q(date__gte=start))).order_by()):
        m = out[row["grant_id"]]
        kind = row["budget_line__kind"]
        m.spent_to_date[kind] += row["total"]
        m.spent_in_period[kind] += row["in_period"] or Decimal(0)
        m.by_year[(row["year"], kind)] += row["total"]
    for tranche in Tranche.objects.filter(grant_id__in=ids):
        out[tranche.grant_id].tranches.append(tranche)
    for obligation in ReportingObligation.objects.filter(grant_id__in=ids):
        out[obligation.grant_id].obligations.append(obligation)
    if monthly:
        for row in (Expense.objects.filter(grant_id__in=ids, date__lte=end)
                    .values("grant_id", month=TruncMonth("date")).annotate(total=Sum("amount")).order_by("month")):
            month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
            out[row["grant_id"]].monthly[month] = row["total"]
    return out


def quiet_shares(*, project_ids: list[int], today: date) -> dict[int, tuple[int, int]]:
    """Per project (quiet duos, active duos): an active duo is quiet when its last check-in (or its
    start, without one) is longer ago than the project's quiet-alert days. One query."""
    out: dict[int, tuple[int, int]] = dict.fromkeys(project_ids, (0, 0))
    rows = (Duo.objects.filter(project_id__in=project_ids, status=DuoStatus.ACTIVE,
                               participant__consent_scope__in=REPORTING_SCOPES)
            .annotate(last=Max("check_ins__date"))
            .values_list("project_id", "last", "started_on", "project__quiet_alert_days").order_by())
    for pid, last, started_on, quiet_days in rows:
        seen = last or started_on
        quiet, active = out[pid]
        out[pid] = (quiet + (1 if seen is None or (today - seen).days > quiet_days else 0), active + 1)
    return out


# --- 2. publication: suppression and JSON-safe values ------------------------------------------
def cell(n: int) -> int | str:
    return SUPPRESSED if n < SMALL else n


def guarded(value: float | None, base: int) -> float | str | None:
    """A ratio shown only when it rests on at least SMALL duos or people."""
    if value is None:
        return None
    return SUPPRESSED if base < SMALL else value


def share(value: float | None, base: int) -> float | str | None:
    """A share of `base` people or duos, shown only when the group it counts *and* the group it
    leaves out are both at least SMALL: 0.667 of 12 would tell that 4 did not (issue 21 item 3)."""
    if value is None:
        return None
    part = round(float(value) * base)
    return SUPPRESSED if base < SMALL or part < SMALL or base - part < SMALL else value


def handled_of(raised: int, handled: int) -> int | str:
    """A count published beside a larger one it is part of: suppressed when the difference is a
    small group (12 raised and 8 handled would tell that 4 were never handled)."""
    if handled < SMALL or 0 < raised - handled < SMALL:
        return SUPPRESSED
    return handled


def whole_months(start: date, end: date) -> tuple[date, date]:
    """A freely chosen period widened to whole calendar months, so two periods a week apart cannot
    be subtracted to learn about the one participant of that week (issue 21 item 3)."""
    first = start.replace(day=1)
    following = (end.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def money(amount: Decimal | float | int) -> str:
    return str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def publish_content(c: ContentRaw) -> dict[str, Any]:
    return {
        "participants_reached": cell(c.participants_reached),
        "duos_started": cell(c.duos_started),
        "duos_active": cell(c.duos_active),
        "duos_closed": cell(c.duos_closed),
        "closure_reasons": [{"reason": r, "count": cell(n)} for r, n in sorted(c.closure_reasons.items())],
        "average_duo_months": guarded(c.average_duo_months, c.closed_with_length),
        "check_ins": cell(c.check_ins),
        "check_ins_per_duo_month": guarded(c.check_ins_per_duo_month, c.duos_active),
        "share_meeting_cadence": share(c.share_meeting_cadence, c.cadence_duos),
        "concerns_raised": cell(c.concerns_raised),
        "concerns_handled": handled_of(c.concerns_raised, c.concerns_handled),
        "needs_per_domain": [{"domain": d, "count": cell(c.needs.get(d, 0))} for d in LIFE_DOMAINS],
        "participants_left_out": cell(c.participants_left_out),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def publish_network(aggregates: Any | None) -> dict[str, Any] | None:
    """netwerk's NetworkAggregates (any object with NETWORK_FIELDS) → suppressed JSON, or None."""
    if aggregates is None:
        return None
    measured = int(aggregates.participants_measured or 0)
    out: dict[str, Any] = {"participants_measured": cell(measured)}
    for name in NETWORK_FIELDS[1:]:
        value = getattr(aggregates, name, None)
        if name == "informal_change_distribution":
            pairs = value.items() if hasattr(value, "items") else (value or [])
            out[name] = [{"change": str(k), "count": cell(int(n))} for k, n in pairs]
        elif name == "ties_via_buddy":
            out[name] = None if value is None else cell(int(value))
        else:
            rounded = None if value is None else round(float(_plain(value)), 3)
            out[name] = share(rounded, measured) if name.startswith("share_") else guarded(rounded, measured)
    return out


def _line(kind: str, budget: Decimal, spent_in_period: Decimal, spent_to_date: Decimal) -> dict[str, Any]:
    return {
        "kind": kind, "budget": money(budget), "spent_in_period": money(spent_in_period),
        "spent_to_date": money(spent_to_date), "remaining": money(budget - spent_to_date),
        "share_spent": round(float(spent_to_date / budget), 3) if budget else None,
    }


def publish_money(m: MoneyRaw, *, start: date, end: date) -> dict[str, Any]:
    g = m.grant
    kinds = [k for k in BudgetLineKind.values if k in m.budget or k in m.spent_to_date]
    lines = [_line(kind, m.budget.get(kind, Decimal(0)), m.spent_in_period.get(kind, Decimal(0)),
                   m.spent_to_date.get(kind, Decimal(0))) for kind in kinds]
    elapsed = time_share(g, end)
    spent = m.total_spent
    spend_share = float(spent / g.amount)
    projected = (spent / Decimal(str(elapsed))) if elapsed > 0 else Decimal(0)
    years = sorted({y for y, _ in m.by_year})
    tranches = [{"due_on": t.due_on.isoformat(), "amount": money(t.amount), "condition": t.condition,
                 "paid_on": t.paid_on.isoformat() if t.paid_on else None,
                 "state": "paid" if t.paid_on and t.paid_on <= end else "due" if t.due_on <= end else "planned"}
                for t in sorted(m.tranches, key=lambda t: (t.due_on, t.pk))]
    cumulative, running = [], Decimal(0)
    for month in sorted(m.monthly):
        running += m.monthly[month]
        cumulative.append([month.isoformat(), money(running)])
    return {
        "lines": lines,
        "by_year": [{"year": y, "totals": {k: money(m.by_year.get((y, k), 0)) for k in kinds},
                     "total": money(sum((m.by_year.get((y, k), Decimal(0)) for k in kinds), Decimal(0)))}
                    for y in years],
        "total_budget": money(m.total_budget), "total_spent_to_date": money(spent),
        "total_spent_in_period": money(sum(m.spent_in_period.values(), Decimal(0))),
        "amount": money(g.amount), "share_spent": round(spend_share, 3), "time_elapsed": round(elapsed, 3),
        "burn_rate": round(spend_share / elapsed, 2) if elapsed else None,
        "projected_spend": money(projected),
        "tranches": tranches,
        "tranches_paid": money(sum((Decimal(t["amount"]) for t in tranches if t["state"] == "paid"), Decimal(0))),
        "tranches_due": money(sum((Decimal(t["amount"]) for t in tranches if t["state"] == "due"), Decimal(0))),
        "cumulative_spend": cumulative,
    }


def publish_obligations(obligations: list[ReportingObligation], *, today: date,
                        submitting: int | None = None) -> list[dict[str, Any]]:
    """The obligations as published. `submitting` is the obligation that the report being signed off
    answers: it is submitted today by that very sign-off, so the frozen report says so."""
    rows = []
    for o in sorted(obligations, key=lambda o: (o.due_on, o.pk)):
        submitted = o.submitted_on or (today if o.pk == submitting else None)
        rows.append({"kind": o.kind, "due_on": o.due_on.isoformat(),
                     "submitted_on": submitted.isoformat() if submitted else None,
                     "approved_on": o.approved_on.isoformat() if o.approved_on else None,
                     "overdue": submitted is None and o.due_on < today})
    return rows


def _grant_head(g: Grant) -> dict[str, Any]:
    return {"id": g.pk, "reference": g.reference, "project": g.project.name, "funder": g.funder.name,
            "amount": money(g.amount), "start_date": g.start_date.isoformat(), "end_date": g.end_date.isoformat()}


def grant_report(*, grant: Grant, start: date, end: date, today: date | None = None,
                 submitting: int | None = None) -> dict[str, Any]:
    """The published numbers of one grant over one period (`submitting`: publish_obligations)."""
    today = today or timezone.localdate()
    content = content_raw(project_ids=[grant.project_id], start=start, end=end)[grant.project_id]
    m = money_raw(grants=[grant], start=start, end=end, monthly=True)[grant.pk]
    return {
        "kind": "grant", "grant": _grant_head(grant), "period": {"start": start.isoformat(), "end": end.isoformat()},
        "made_on": today.isoformat(),
        "content": publish_content(content),
        "network": publish_network(selectors.network_section(project_ids=[grant.project_id], start=start, end=end)),
        "needs_change": needs_section.needs_change_section(project_ids=[grant.project_id], start=start, end=end),
        "money": publish_money(m, start=start, end=end),
        "obligations": publish_obligations(m.obligations, today=today, submitting=submitting),
        "referrals": referral_section(project_ids=[grant.project_id], start=start, end=end),
        "voice": voice_section(project_ids=[grant.project_id], start=start, end=end),
    }


def portfolio_report(*, funder: Funder, start: date, end: date, today: date | None = None,
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """All grants of a funder over one period (widened to whole months): per project a row with
    traffic lights, and totals. `progress(done, total)` hears of each project's row (the Celery
    task that makes large portfolios shows it); it is called with (0, total) before the first."""
    start, end = whole_months(start, end)
    today = today or timezone.localdate()
    grants = list(Grant.objects.filter(funder=funder).select_related("project", "funder")
                  .order_by("project__name", "pk"))
    project_ids = sorted({g.project_id for g in grants})
    contents = content_raw(project_ids=project_ids, start=start, end=end)
    moneys = money_raw(grants=grants, start=start, end=end)
    quiet = quiet_shares(project_ids=project_ids, today=today)
    networks = selectors.network_sections(project_ids=project_ids, start=start, end=end)
    rows = []
    total_amount = total_spent = Decimal(0)
    published = {g.pk: publish_money(moneys[g.pk], start=start, end=end) for g in grants}
    if progress is not None:
        progress(0, len(grants))
    for done, g in enumerate(grants, start=1):
        m, pm = moneys[g.pk], published[g.pk]
        overdue = max(((today - o.due_on).days for o in m.obligations if o.submitted_on is None and o.due_on < today),
                      default=0)
        overdue_count = sum(1 for o in m.obligations if o.submitted_on is None and o.due_on < today)
        spend_share = float(m.total_spent / g.amount)
        elapsed = time_share(g, today)
        c = contents[g.project_id]
        rows.append({
            "grant": _grant_head(g),
            "spent_to_date": money(m.total_spent), "share_spent": round(spend_share, 3),
            "time_elapsed": round(elapsed, 3),
            "reports_overdue": overdue_count,
            # Each light with its direction and reason (lights.py); "lights" keeps the states alone.
            **_lights(lights.lights(funder_name=funder.name, spent=float(m.total_spent), amount=float(g.amount),
                                    elapsed=elapsed, overdue=overdue_count, oldest_days=overdue,
                                    quiet=quiet[g.project_id][0], active=quiet[g.project_id][1])),
            "participants_reached": cell(c.participants_reached),
            "duos_active": cell(c.duos_active),
            # Side by side with the other projects, suppressed as in the project's own report.
            "compare": _compare(c, networks[g.project_id]),
            # The same figures as this grant's progress report over the same period.
            "tranches_paid": pm["tranches_paid"], "tranches_due": pm["tranches_due"],
            "projected_spend": pm["projected_spend"],
        })
        total_amount += g.amount
        total_spent += m.total_spent
        if progress is not None:
            progress(done, len(grants))
    total = sum(contents.values(), ContentRaw())
    return {
        "kind": "portfolio", "funder": {"id": funder.pk, "name": funder.name},
        "period": {"start": start.isoformat(), "end": end.isoformat()}, "made_on": today.isoformat(),
        "rows": rows, "total_amount": money(total_amount), "total_spent": money(total_spent),
        **portfolio_money(moneys.values(), published.values()),
        "content": publish_content(total),
        "network": publish_network(selectors.network_section(project_ids=project_ids, start=start, end=end)),
        "needs_change": needs_section.needs_change_section(project_ids=project_ids, start=start, end=end),
        "referrals": referral_section(project_ids=project_ids, start=start, end=end),
        "voice": voice_section(project_ids=project_ids, start=start, end=end),
    }


def _compare(c: ContentRaw, network: Any | None) -> dict[str, Any]:
    published = publish_content(c)
    net = publish_network(network) or {}
    return {"share_meeting_cadence": published["share_meeting_cadence"],
            "check_ins_per_duo_month": published["check_ins_per_duo_month"],
            "participants_measured": net.get("participants_measured"),
            "share_more_informal": net.get("share_more_informal")}


def _lights(found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"lights": {k: v["state"] for k, v in found.items()}, "light_reasons": found}


def portfolio_money(moneys: Iterable[MoneyRaw], published: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Budget against spending per budget line summed over the grants, and the sums of the grants'
    tranches and projected spending (each grant projected on its own period, as in its report)."""
    budget: dict[str, Decimal] = defaultdict(Decimal)
    to_date: dict[str, Decimal] = defaultdict(Decimal)
    in_period: dict[str, Decimal] = defaultdict(Decimal)
    for m in moneys:
        for kind, amount in m.budget.items():
            budget[kind] += amount
        for kind, amount in m.spent_to_date.items():
            to_date[kind] += amount
        for kind, amount in m.spent_in_period.items():
            in_period[kind] += amount
    lines = [_line(kind, budget[kind], in_period[kind], to_date[kind])
             for kind in BudgetLineKind.values if kind in budget or kind in to_date]
    published = list(published)

    def total(key: str) -> str:
        return money(sum((Decimal(p[key]) for p in published), Decimal(0)))

    return {
        "lines": lines, "total_budget": money(sum(budget.values(), Decimal(0))),
        "total_spent_in_period": money(sum(in_period.values(), Decimal(0))),
        "total_tranches_paid": total("tranches_paid"), "total_tranches_due": total("tranches_due"),
        "total_projected_spend": total("projected_spend"),
    }
