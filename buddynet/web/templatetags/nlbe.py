"""Template filters for dates, money and waiting time in the reader's language (buddynet/formats.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext, ngettext

from buddynet import formats

register = template.Library()

register.filter("short_date", formats.short_date)
register.filter("day_month", formats.day_month)
register.filter("month_year", formats.month_year)
register.filter("money", formats.money)


@register.filter
def waited(since: Any, today: Any) -> str:
    """How long since `since`, in whole days/weeks/months ("today" rather than "0 minutes")."""
    if not isinstance(since, dt.date) or not isinstance(today, dt.date):
        return ""
    days = (today - since).days
    if days <= 0:
        return gettext("since today")
    if days < 14:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if days < 61:
        return ngettext("%(n)d week", "%(n)d weeks", days // 7) % {"n": days // 7}
    months = days * 12 // 365
    return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
