"""Validators of input that every channel shares (issue 21, items 5 and 6).

- `plausible_date`: a date that can be real in this software — from 1900-01-01 up to five years
  after today. Every DateField of the project's models carries it (ModelForms, ModelSerializers
  and the admin pick it up from the model), and so does every date input field of a plain form or
  serializer; tests/test_validators.py walks the models, forms and serializers and fails on a
  date field without it. A consent in year 1 or a project ending in 9999 is a typo, and such
  dates break date arithmetic further on (add_months, report periods).
- `clean_text` and the model fields `NameField` / `PlainTextMixin`: names and labels lose
  bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and invisible characters
  (U+200B–U+200F, U+2060–U+2064, U+FEFF, U+061C, U+180E) and are normalised to NFC, so no
  look-alike name ("Jan\u200b Peeters", a name written backwards by U+202E) can be made. The field
  cleans on every save (whatever channel: API, page, admin, task, service) and in lookups, so a
  uniqueness check compares the cleaned names; a value that is nothing but such characters is
  refused with a field message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from buddynet.crypto import EncryptedCharField

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


_INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_text(value: Any) -> Any:
    """The text without bidirectional controls and invisible characters, in NFC; other values as
    they are."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", value))


def visible_text(value: Any) -> None:
    """Refuses a non-empty text made only of invisible characters (it would be saved empty)."""
    if isinstance(value, str) and value.strip() and not clean_text(value).strip():
        raise ValidationError(_("Enter visible characters."), code="invisible_text")


class PlainTextMixin:
    """Cleans the field's text (clean_text) on every save and in lookups (see the module's doc)."""

    default_validators = [visible_text]

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = super().pre_save(model_instance, add)  # type: ignore[misc]
        cleaned = clean_text(value)
        if cleaned != value:
            setattr(model_instance, self.attname, cleaned)  # type: ignore[attr-defined]
        return cleaned

    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(clean_text(value))  # type: ignore[misc]

    def to_python(self, value: Any) -> Any:
        return clean_text(super().to_python(value))  # type: ignore[misc]


class _NameField(PlainTextMixin, models.CharField):  # type: ignore[misc,type-arg]
    """A name or label: a CharField whose text is cleaned (clean_text)."""

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "buddynet.validators.NameField", args, kwargs


class _EncryptedNameField(PlainTextMixin, EncryptedCharField):  # type: ignore[misc]
    """A short text encrypted at rest (a duo's goal) whose text is cleaned before it is encrypted."""

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "buddynet.validators.EncryptedNameField", args, kwargs


if TYPE_CHECKING:  # for mypy (django-stubs) a name is a CharField: its values are str
    NameField = models.CharField
    EncryptedNameField = models.CharField
else:
    NameField = _NameField
    EncryptedNameField = _EncryptedNameField
