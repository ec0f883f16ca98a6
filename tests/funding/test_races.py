"""Caps under concurrency (PostgreSQL): two payments that each fit but together exceed the yearly
cap, or two expenses that together overspend a line, cannot both pass."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from buddynet.errors import InvalidInput
from buddynet.funding import services
from buddynet.funding.models import AllowancePayment, BudgetLine, Expense, Grant
from tests import factories as f
from tests.conftest import require_postgres
from tests.funding.builders import seed_caps


def _race(*calls: Any) -> list[Any]:
    """Run the calls at the same moment in threads with their own connections."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Any) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # the loser's refusal is the result we check
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


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

    results = _race(pay, pay)

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

    results = _race(spend, spend)

    assert sum(isinstance(r, Expense) for r in results) == 1, results
    assert sum(isinstance(r, InvalidInput) for r in results) == 1, results
    assert Expense.objects.filter(grant=grant).count() == 1
