"""Small server-rendered pictures (inline SVG geometry), each with a text alternative.

Plain Python on plain data: the templates draw the rectangles these functions place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

BAR_WIDTH = 14
BAR_GAP = 4
CHART_HEIGHT = 48
LABEL_HEIGHT = 14


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    count: int
    label: str
    short: str  # first letter of the month, drawn under the bar


@dataclass(frozen=True)
class MonthBars:
    bars: list[Bar]
    width: int
    height: int
    text: str  # the same information in words, for screen readers and for whoever prefers text


def _months_back(end: date, months: int) -> list[date]:
    firsts = []
    year, month = end.year, end.month
    for _i in range(months):
        firsts.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(firsts))


def first_day_shown(end: date, months: int = 12) -> date:
    """The first day whose check-ins `month_bars(..., end=end, months=months)` counts."""
    return _months_back(end, months)[0]


def month_bars(days: Iterable[date], *, end: date, months: int = 12) -> MonthBars:
    """Check-ins per calendar month for the `months` months up to and including `end`'s month."""
    per_month = Counter(date(d.year, d.month, 1) for d in days)
    firsts = _months_back(end, months)
    top = max([per_month[m] for m in firsts] + [1])
    bars = []
    for i, first in enumerate(firsts):
        count = per_month[first]
        height = round(count / top * (CHART_HEIGHT - 2)) if count else 0
        label = formats.date_format(first, "F Y")
        bars.append(Bar(i * (BAR_WIDTH + BAR_GAP), CHART_HEIGHT - max(height, 1), max(height, 1), count, label,
                        formats.date_format(first, "M")[:1].upper()))
    words = ", ".join(f"{b.label}: {b.count}" for b in bars if b.count)
    total = sum(b.count for b in bars)
    text = ngettext(
        "%(n)d check-in in the last %(m)d months", "%(n)d check-ins in the last %(m)d months", total
    ) % {"n": total, "m": months}
    text = f"{text}{' (' + words + ')' if words else ''}."
    return MonthBars(bars, len(firsts) * (BAR_WIDTH + BAR_GAP) - BAR_GAP, CHART_HEIGHT + LABEL_HEIGHT, text)


def level_words(level: int) -> str:
    return [_("none"), _("a little"), _("clearly"), _("a lot")][max(0, min(3, level))]
