"""Validators of input that every channel shares (issue 21, items 5 and 6).

- `plausible_date`: a date that can be real in this software — from 1900-01-01 up to five years
  after today. Every DateField of the project's models carries it (ModelForms, ModelSerializers
  and the admin pick it up from the model), and so does every date input field of a plain form or
  serializer; tests/test_validators.py walks the models, forms and serializers and fails on a
  date field without it. A consent in year 1 or a project ending in 9999 is a typo, and such
  dates break date arithmetic further on (add_months, report periods).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = date(1900, 1, 1)
YEARS_AHEAD = 5


def latest_plausible_date() -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


@deconstructible(path="buddynet.validators.PlausibleDate")
class PlausibleDate:
    """Refuses a date outside EARLIEST_DATE … today + YEARS_AHEAD years."""

    message = _("Enter a date between %(earliest)s and %(latest)s.")
    code = "implausible_date"

    def __call__(self, value: Any) -> None:
        if not isinstance(value, date):
            return
        latest = latest_plausible_date()
        if value < EARLIEST_DATE or value > latest:
            raise ValidationError(self.message, code=self.code, params={
                "earliest": date_format(EARLIEST_DATE, "SHORT_DATE_FORMAT"),
                "latest": date_format(latest, "SHORT_DATE_FORMAT"),
            })

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlausibleDate)

    def __hash__(self) -> int:
        return hash(PlausibleDate)


plausible_date = PlausibleDate()
