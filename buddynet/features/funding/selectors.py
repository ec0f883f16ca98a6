"""Reads of funding records, scoped by who asks (see people/selectors.py for the pattern).

- administrators: everything;
- coordinators: the grants (and their lines, tranches, obligations, expenses, reports) of their
  projects, and the allowances of their projects' volunteers;
- funders: their own grants, and of the reports only the frozen ones — never an expense, an
  allowance or anything else that names a person.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from buddynet.access import get_from_scope as _get
from buddynet.features.funding.models import (
    AllowanceCap,
    AllowanceKind,
    AllowancePayment,
    AllowanceSettings,
    BudgetLine,
    DeclaredAllowance,
    Expense,
    Grant,
    PortfolioJob,
    ProgressReport,
    ReportingObligation,
    Tranche,
)
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.duos.models import VolunteerDay
from buddynet.records.people.selectors import funders_for_user
from netwerk.selectors import network_change_aggregates, network_change_aggregates_by_project


def _grant_scope(user: Actor, prefix: str = "", *, funders: bool = True) -> Q | None:
    """None means everything (administrator); an empty Q-match for nobody otherwise."""
    roles = roles_of(user)
    if roles.administrator:
        return None
    scope = Q(**{f"{prefix}project_id__in": roles.coordinated_project_ids})
    if funders and roles.funder_ids:
        scope |= Q(**{f"{prefix}funder_id__in": roles.funder_ids})
    return scope


def _scoped(qs: QuerySet[Any], scope: Q | None) -> QuerySet[Any]:
    return qs if scope is None else qs.filter(scope)


def grants_for_user(*, user: Actor) -> QuerySet[Grant]:
    return _scoped(Grant.objects.select_related("funder", "project"), _grant_scope(user))


def grants_for_coordinator(*, user: Actor) -> QuerySet[Grant]:
    """Grants whose money the caller may record (expenses, reports): not a funder's."""
    return _scoped(Grant.objects.select_related("funder", "project"), _grant_scope(user, funders=False))


def budget_lines_for_user(*, user: Actor) -> QuerySet[BudgetLine]:
    return _scoped(BudgetLine.objects.select_related("grant"), _grant_scope(user, "grant__"))


def budget_lines_for_coordinator(*, user: Actor) -> QuerySet[BudgetLine]:
    return _scoped(BudgetLine.objects.select_related("grant"), _grant_scope(user, "grant__", funders=False))


def tranches_for_user(*, user: Actor) -> QuerySet[Tranche]:
    return _scoped(Tranche.objects.select_related("grant"), _grant_scope(user, "grant__"))


def obligations_for_user(*, user: Actor) -> QuerySet[ReportingObligation]:
    return _scoped(ReportingObligation.objects.select_related("grant"), _grant_scope(user, "grant__"))


def expenses_for_user(*, user: Actor) -> QuerySet[Expense]:
    # Expenses name suppliers and describe purchases: not for the funder's eyes (only totals are).
    return _scoped(Expense.objects.select_related("grant", "budget_line"),
                   _grant_scope(user, "grant__", funders=False))


def receipt_expense_for_user(*, user: Actor, expense_id: int) -> Expense | None:
    """The expense whose receipt this user may read, or None (the caller answers 404): the page and
    the API serve receipts to the coordinators of the expense's project (and administrators) only,
    as long as it has one."""
    expense = expenses_for_user(user=user).filter(pk=expense_id).first()
    if expense is None or not expense.receipt or not roles_of(user).coordinates(expense.grant.project_id):
        return None
    return expense


def reports_for_user(*, user: Actor) -> QuerySet[ProgressReport]:
    roles = roles_of(user)
    qs = ProgressReport.objects.select_related("grant", "grant__project", "grant__funder", "obligation")
    if roles.administrator:
        return qs
    scope = Q(grant__project_id__in=roles.coordinated_project_ids)
    if roles.funder_ids:
        # A funder receives a report when it is signed off, not while it is a draft.
        scope |= Q(grant__funder_id__in=roles.funder_ids, status=ProgressReport.Status.FROZEN)
    return qs.filter(scope)


def _volunteer_scope(user: Actor) -> Q | None:
    roles = roles_of(user)
    if roles.administrator:
        return None
    return Q(volunteer__project_id__in=roles.coordinated_project_ids)


def allowance_payments_for_user(*, user: Actor) -> QuerySet[AllowancePayment]:
    return _scoped(AllowancePayment.objects.select_related("volunteer"), _volunteer_scope(user))


def declared_allowances_for_user(*, user: Actor) -> QuerySet[DeclaredAllowance]:
    return _scoped(DeclaredAllowance.objects.select_related("volunteer"), _volunteer_scope(user))


def allowance_caps_for_user(*, user: Actor) -> QuerySet[AllowanceCap]:
    roles = roles_of(user)
    if roles.administrator or roles.is_coordinator:
        return AllowanceCap.objects.all()
    return AllowanceCap.objects.none()


def allowance_settings_of(*, organisation_id: int) -> AllowanceSettings | None:
    """What the organisation decided about allowances (issue 16); None when it decided nothing."""
    return AllowanceSettings.objects.filter(organisation_id=organisation_id).first()


def allowance_cap_for(*, year: int) -> AllowanceCap | None:
    """The legal caps that a setting made in `year` is held to: that year's, or when the platform
    administrator has not entered them yet (early January), the latest earlier year's (caps are
    indexed upwards, so an organisation's rate that respects last year's stays lawful)."""
    return AllowanceCap.objects.filter(year__lte=year).order_by("-year").first()


def allowance_prefill(*, organisation_id: int, year: int, days: int) -> dict[str, Any]:
    """The coordinator's payment form filled in from the organisation's settings: its default
    system, and for a flat rate days × the organisation's rate per day (never above the legal
    daily cap of `year`, which the payment service refuses anyway). Nothing when it decided nothing."""
    own = allowance_settings_of(organisation_id=organisation_id)
    if own is None:
        return {}
    initial: dict[str, Any] = {"kind": own.default_kind}
    if own.default_kind == AllowanceKind.FLAT_RATE and own.daily_rate is not None:
        rate = own.daily_rate
        cap = AllowanceCap.objects.filter(year=year).first()
        if cap is not None:
            rate = min(rate, cap.daily_cap)
        initial.update(days=days, amount=rate * days)
    return initial


def grant_get_for_user(*, user: Actor, grant_id: Any) -> Grant:
    return _get(grants_for_user(user=user), grant_id)


def report_get_for_user(*, user: Actor, report_id: Any) -> ProgressReport:
    return _get(reports_for_user(user=user), report_id)


def portfolio_job_get_for_user(*, user: Actor, job_id: Any) -> PortfolioJob:
    """A portfolio report job of the user who asked for it, while it is kept and while the user may
    still see its funder; 404 for anyone else's, an expired one, or one whose funder they lost."""
    jobs = PortfolioJob.objects.filter(requested_by_id=getattr(user, "pk", None), expires_at__gt=timezone.now(),
                                       funder__in=funders_for_user(user=user)).select_related("funder")
    return _get(jobs, job_id)


def open_obligations_of_project(*, user: Actor, project_id: int) -> list[ReportingObligation]:
    """The project's reports not yet submitted, soonest due first (coordinator's Today page)."""
    return list(
        obligations_for_user(user=user).filter(grant__project_id=project_id, submitted_on=None)
        .select_related("grant").order_by("due_on", "pk")
    )


# The funders a user may see: buddynet.records.people.selectors.funders_for_user / funder_get_for_user,
# the one scoped queryset and access helper of Funder (used by the API, the pages and the admin).


# --- what other apps provide, read through one function each ---------------------------------
def volunteered_days(*, volunteer_ids: list[int], year: int) -> dict[int, int]:
    """Days each volunteer volunteered in `year`, from the volunteer pages ({volunteer_id: days}).

    A volunteer missing from the answer has no days on record; the allowance rules then do not
    check paid days against volunteered days."""
    rows = (VolunteerDay.objects.filter(volunteer_id__in=volunteer_ids, date__year=year)
            .values("volunteer_id").annotate(days=Count("id")).values_list("volunteer_id", "days"))
    return dict(rows)


def allowances_of_volunteer(*, volunteer_id: int) -> tuple[list[AllowancePayment], list[DeclaredAllowance]]:
    """Every allowance paid to one volunteer and every one they declared from elsewhere, oldest
    first: for their subject-access export (buddynet/security/retention.py, run by an
    administrator, who sees every allowance anyway)."""
    payments = list(AllowancePayment.objects.filter(volunteer_id=volunteer_id).order_by("paid_on", "id"))
    declared = list(DeclaredAllowance.objects.filter(volunteer_id=volunteer_id).order_by("year", "id"))
    return payments, declared


def network_section(*, project_ids: list[int], start: date, end: date) -> Any | None:
    """The network-change aggregates of these projects over the period (netwerk's
    NetworkAggregates), or None while no participant has a first and a later map in it."""
    aggregates = network_change_aggregates(project_ids=project_ids, start=start, end=end)
    # No participant with two maps in the period: nothing to show yet (the report says so).
    return aggregates if aggregates.participants_measured else None


def network_sections(*, project_ids: list[int], start: date, end: date) -> dict[int, Any | None]:
    """network_section of each project on its own, in three queries for them all (the portfolio)."""
    by_project = network_change_aggregates_by_project(project_ids=project_ids, start=start, end=end)
    return {pid: aggregates if aggregates.participants_measured else None for pid, aggregates in by_project.items()}
