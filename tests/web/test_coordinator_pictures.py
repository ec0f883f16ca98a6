"""The check-ins-per-month picture: geometry and its text alternative."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from buddynet.web.coordinator.pictures import CHART_HEIGHT, month_bars


def test_bars_count_check_ins_per_month_and_say_so_in_words() -> None:
    days = [dt.date(2025, 11, 1), dt.date(2025, 11, 20), dt.date(2025, 9, 3), dt.date(2024, 1, 1)]
    with translation.override("nl-be"):
        bars = month_bars(days, end=dt.date(2025, 11, 25), months=3)

    assert [b.count for b in bars.bars] == [1, 0, 2]  # September, October, November; 2024 is out of range
    assert [b.height for b in bars.bars] == [CHART_HEIGHT // 2 - 1, 1, CHART_HEIGHT - 2]
    assert bars.bars[2].y + bars.bars[2].height == CHART_HEIGHT  # bars stand on the same baseline
    assert bars.text == "3 contactmomenten in de laatste 3 maanden (september 2025: 1, november 2025: 2)."
    assert [b.short for b in bars.bars] == ["S", "O", "N"]


def test_a_duo_without_check_ins_says_none() -> None:
    with translation.override("en"):
        bars = month_bars([], end=dt.date(2025, 1, 10), months=12)

    assert bars.text == "0 check-ins in the last 12 months."
    assert bars.bars[0].label == "February 2024"
