"""Dates, money and numbers as a reader in nl-BE (or English) expects them: `6 dec. 2026`, `€ 44,02`.

Django's own `date:"j M"` capitalises month abbreviations ("6 Dec", "9 Okt") and knows no Belgian
money format, so the pages, e-mails and service messages format through these helpers (CLDR data
through babel), in the active language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from django.utils import timezone
from django.utils.translation import get_language


def locale() -> str:
    return "en_GB" if (get_language() or "nl-be").startswith("en") else "nl_BE"


def money(value: Any) -> str:
    """12.5 or "44.02" as "€ 12,50" / "€ 44,02" (en: "€12.50"); anything else unchanged."""
    try:
        return format_currency(Decimal(str(value)), "EUR", locale=locale())
    except (InvalidOperation, ValueError, TypeError):
        return "" if value is None else str(value)


# The Taalunie's abbreviations with their full stop ("6 dec. 2026"); recent CLDR data drops it.
NL_MONTHS = ("", "jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")


def _date(value: Any, pattern: str) -> str:
    if isinstance(value, str) and len(value) == 10:
        # Frozen report numbers keep their dates as ISO text ("2026-12-06"): shown as dates too.
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    if locale() == "nl_BE":
        return (pattern.replace("MMM", "\x00").replace("d", str(value.day)).replace("y", str(value.year))
                .replace("\x00", NL_MONTHS[value.month]))
    return format_date(value, pattern, locale=locale())


def short_date(value: Any) -> str:
    """6 dec. 2026"""
    return _date(value, "d MMM y")


def day_month(value: Any) -> str:
    """6 dec."""
    return _date(value, "d MMM")


def month_year(value: Any) -> str:
    """dec. 2026"""
    return _date(value, "MMM y")
