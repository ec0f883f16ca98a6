"""buddynet/dates.py: the one add_months of the project (duo planned end, retention, screening expiry, demo)."""

from __future__ import annotations

from datetime import date

import pytest

from buddynet.dates import add_months


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 15), 1, date(2026, 2, 15)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),  # the month's last day when it has no 31st
    (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
    (date(2026, 11, 30), 3, date(2027, 2, 28)),  # across the year
    (date(2026, 3, 31), -1, date(2026, 2, 28)),  # back
    (date(2026, 5, 31), 24, date(2028, 5, 31)),
])
def test_it_adds_months_and_keeps_the_day_within_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected
