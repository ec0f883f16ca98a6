"""Dates, money and waiting time as a reader in nl-BE expects them (issue 17)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from buddynet import formats

D = dt.date


@pytest.mark.parametrize(("language", "expected"), [
    ("nl-be", ("6 dec. 2026", "9 okt.", "mei 2026", "€\xa044,02", "€\xa050.000,00")),
    ("en", ("6 Dec 2026", "9 Oct", "May 2026", "€44.02", "€50,000.00")),
])
def test_dates_and_money_follow_the_language(language: str, expected: tuple[str, ...]) -> None:
    with translation.override(language):
        got = (formats.short_date(D(2026, 12, 6)), formats.day_month(D(2026, 10, 9)),
               formats.month_year(D(2026, 5, 1)), formats.money("44.02"), formats.money(50000))
    assert got == expected


@pytest.mark.parametrize(("since", "text"), [
    (D(2026, 12, 6), "sinds vandaag"), (D(2026, 12, 5), "1 dag"), (D(2026, 11, 26), "10 dagen"),
    (D(2026, 11, 1), "5 weken"), (D(2026, 6, 6), "6 maanden"),
])
def test_waiting_time_is_never_zero_minutes(since: dt.date, text: str) -> None:
    with translation.override("nl-be"):
        rendered = Template("{% load nlbe %}{{ since|waited:today }}").render(
            Context({"since": since, "today": D(2026, 12, 6)}))
    assert rendered == text


def test_a_missing_value_stays_empty() -> None:
    assert formats.short_date(None) == "" and formats.money(None) == ""


def test_djangos_short_date_is_belgian_and_input_formats_stay() -> None:
    """Django's "nl" short date is the Netherlands' 6-12-2026; nl-BE writes 06/12/2026
    (buddynet/locale_formats). Dates typed as 6-12-2026 or 06/12/2026 are still read."""
    from django import forms
    from django.utils.formats import date_format

    with translation.override("nl-be"):
        assert date_format(D(2026, 12, 6), "SHORT_DATE_FORMAT") == "06/12/2026"
        assert Template('{{ d|date:"SHORT_DATE_FORMAT" }}').render(Context({"d": D(2026, 3, 9)})) == "09/03/2026"
        assert date_format(dt.datetime(2026, 12, 6, 15, 23), "SHORT_DATETIME_FORMAT") == "06/12/2026 15:23"
        field = forms.DateField()
        assert field.clean("6-12-2026") == field.clean("06/12/2026") == D(2026, 12, 6)


def test_english_dates_are_day_first_too() -> None:
    """English here is read in Belgium: 06/12/2026 is 6 December, written and read alike (Django's
    "en" would write 12/06/2026 and read 06/12/2026 as 12 June)."""
    from django import forms
    from django.utils.formats import date_format

    with translation.override("en"):
        assert date_format(D(2026, 12, 6), "SHORT_DATE_FORMAT") == "06/12/2026"
        assert date_format(dt.datetime(2026, 12, 6, 15, 23), "SHORT_DATETIME_FORMAT") == "06/12/2026 15:23"
        field = forms.DateField()
        assert field.clean("06/12/2026") == field.clean("2026-12-06") == D(2026, 12, 6)
