"""Calendar arithmetic shared by the records and the features (plain Python, no Django)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta


def add_months(day: date, months: int) -> date:
    """The same day `months` later (earlier when negative); a day the target month lacks becomes
    its last day (31 January + 1 month = 28 or 29 February)."""
    later: date = day + relativedelta(months=months)
    return later
