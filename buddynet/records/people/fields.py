"""Validators for the intake fields that are lists or per-domain maps.

Used by the API serializers, the admin and the intake forms, so bad input is refused at the
edge with a message that names the wrong value. They raise Django's ValidationError, which DRF
turns into a field error as well.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from buddynet import vocabulary as v


def _list_of(value: Any, allowed: set[str] | dict[str, Any] | tuple[str, ...], what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValidationError(_("Give a list of codes."))
    unknown = [x for x in value if x not in allowed]
    if unknown:
        raise ValidationError(
            _("Unknown %(what)s: %(values)s.") % {"what": what, "values": ", ".join(unknown)}
        )
    return sorted(set(value), key=list(allowed).index)


def validate_languages(value: Any) -> list[str]:
    return _list_of(value, v.LANGUAGES, _("language"))


def validate_interests(value: Any) -> list[str]:
    return _list_of(value, tuple(v.Interest.values), _("interest"))


def validate_availability(value: Any) -> list[str]:
    return _list_of(value, v.AVAILABILITY_SLOTS, _("time slot"))


def validate_life_domains(value: Any) -> list[str]:
    return _list_of(value, v.LIFE_DOMAINS, _("life domain"))


def validate_domain_levels(value: Any) -> dict[str, int]:
    """{life_domain: 0..3}; domains left out mean 0."""
    if not isinstance(value, dict):
        raise ValidationError(_("Give each life domain a level from 0 to 3."))
    unknown = [k for k in value if k not in v.LIFE_DOMAINS]
    if unknown:
        raise ValidationError(
            _("Unknown life domain: %(values)s.") % {"values": ", ".join(map(str, unknown))}
        )
    bad = [k for k, level in value.items()
           if isinstance(level, bool) or not isinstance(level, int)
           or not v.LEVEL_MIN <= level <= v.LEVEL_MAX]
    if bad:
        raise ValidationError(
            _("The level must be a whole number from 0 to 3 (%(values)s).") % {"values": ", ".join(bad)}
        )
    return {k: value[k] for k in v.LIFE_DOMAINS if value.get(k)}


def validate_postcode(value: str) -> str:
    from buddynet.records.people.postcodes import lookup

    if lookup(value) is None:
        raise ValidationError(_("Unknown Belgian postcode: %(code)s.") % {"code": value})
    return value.strip()
