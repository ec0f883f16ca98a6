"""Caps under concurrency (PostgreSQL): two payments that each fit but together exceed the yearly
cap, or two expenses that together overspend a line, cannot both pass."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from buddynet.errors import InvalidInput
from buddynet.features.funding import services
from buddynet.features.funding.models import AllowancePayment, BudgetLine, Expense, Grant
from tests import factories as f
from tests.concurrency import race
from tests.conftest import require_postgres
from tests.funding.builders import seed_caps


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_never_pass_the_yearly_cap_together() -> None:
    require_postgres()
    seed_caps()
    volunteer = f.VolunteerFactory()

    def pay() -> Any:
        # 30 days × 44.02 = 1,320.60: one fits under 1,760.83, two do not.
        return services.allowance_payment_record(volunteer=volunteer, kind="flat_rate", paid_on=dt.date(2026, 3, 1),
                                                 year=2026, days=30, amount=Decimal("1320.60"))

    results = race(pay, pay)

    assert sorted(type(r).__name__ for r in results) == ["AllowanceResult", "InvalidInput"], results
    assert AllowancePayment.objects.filter(volunteer=volunteer).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_expenses_at_once_never_overspend_a_line_unjustified() -> None:
    require_postgres()
    project = f.ProjectFactory()
    grant = Grant.objects.create(funder=f.FunderFactory(), project=project, reference="R-1", amount=Decimal("1000"),
                                 start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))
    line = BudgetLine.objects.create(grant=grant, kind="operating", amount=Decimal("1000"))

    def spend() -> Any:
        return services.expense_record(grant=grant, budget_line=line, date=dt.date(2025, 5, 1),
                                       amount=Decimal("600"), description="Huur")

    results = race(spend, spend)

    assert sum(isinstance(r, Expense) for r in results) == 1, results
    assert sum(isinstance(r, InvalidInput) for r in results) == 1, results
    assert Expense.objects.filter(grant=grant).count() == 1
