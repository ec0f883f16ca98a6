"""Number formatting for report templates, in the reader's language (nl-BE: 1.234,56)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency, format_decimal, format_percent
from django import template
from django.utils.translation import get_language

register = template.Library()


def _locale() -> str:
    return "en_GB" if (get_language() or "nl-be").startswith("en") else "nl_BE"


@register.filter
def eur(value: Any) -> str:
    """A money string ("1234.50") as "€ 1.234,50"; anything else unchanged."""
    try:
        return format_currency(Decimal(str(value)), "EUR", locale=_locale())
    except (InvalidOperation, ValueError, TypeError):
        return "" if value is None else str(value)


@register.filter
def pct(value: Any) -> str:
    """A share (0.25) as "25 %"; a suppressed cell or nothing unchanged."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_percent(value, locale=_locale())
    return "–" if value is None else str(value)


@register.filter
def num(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value, locale=_locale())
    return "–" if value is None else str(value)


@register.filter
def change_bucket(value: Any) -> str:
    """A bucket of netwerk's change distribution ("-2 or less", "+1", ...) in the reader's language.

    The buckets are stable keys of frozen reports; only their label is translated here."""
    from django.utils.translation import gettext

    labels = {"-2 or less": gettext("−2 or fewer"), "+3 or more": gettext("+3 or more")}
    text = labels.get(str(value), str(value))
    return text.replace("-", "−", 1) if text.startswith("-") else text


@register.filter
def prose(value: Any) -> str:
    """A narrative section's text as safe HTML: paragraphs, bullet lists, bold (funding/prose.py)."""
    from buddynet.features.funding.prose import to_html

    return to_html(str(value or ""))


@register.filter
def filesize(value: Any) -> str:
    """Bytes as "1,2 MB" / "340 kB" in the reader's language."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return ""
    if size >= 1_000_000:
        return f"{format_decimal(size / 1_000_000, format='#,##0.0', locale=_locale())} MB"
    return f"{format_decimal(max(1, round(size / 1000)), locale=_locale())} kB"
