"""Filtering of API lists: relations are filtered by their id value, never looked up.

Its own module because REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"] is imported while DRF's
generic views are being defined, before buddynet/api.py (which builds on them) can be.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as RestFilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A related record filtered by its id value, never looked up on its own.

    django-filter's default for a foreign key is a ModelChoiceFilter over the whole table:
    an id that exists outside the caller's scope was a valid choice (200, empty list) while one
    that does not exist at all was not (400), which told anyone which ids exist. Filtering the
    already scoped rows on the bare value answers both alike: 200 and an empty list.
    """

    # Bounded to a 64-bit key, so that an absurd number is a 400 rather than a database error.
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """`true` or `false`, as the schema's boolean is written in a query; anything else a 400.

    django-filter's BooleanFilter reads with a NullBooleanField, which turns every value it does
    not know (`?is_active=null`, `?is_staff=-1`) into "no filter": a 200 for a request the schema
    calls invalid (schemathesis' stateful run found it, ST201)."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError(gettext("Enter true or false."), code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


_BY_ID = {"filter_class": IdFilter}
_BY_ID_DISTINCT = {"filter_class": IdFilter, "extra": lambda f: {"distinct": True}}


class ScopedFilterSet(RestFilterSet):
    """The base of every filterset the API builds from `filterset_fields`: relations by id.

    A filter sent with an empty value (`?project=`) is a 400, not "no filter": the schema says
    the parameter is an id or one of its choices, and a client that sends it empty most likely
    lost the value it meant to send (schemathesis flags accepting it, ST201).
    """

    FILTER_DEFAULTS = {
        **RestFilterSet.FILTER_DEFAULTS,
        models.ForeignKey: _BY_ID,
        models.OneToOneField: _BY_ID,
        models.OneToOneRel: _BY_ID,
        models.ManyToManyField: _BY_ID_DISTINCT,
        models.ManyToOneRel: _BY_ID_DISTINCT,
        models.ManyToManyRel: _BY_ID_DISTINCT,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }

    def is_valid(self) -> bool:
        valid = super().is_valid()
        blank = [name for name in self.filters if name in self.data and self.data.get(name) == ""]
        for name in blank:
            self.form.add_error(name, gettext("This field may not be blank."))
        return valid and not blank


class ScopedFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose filtersets filter relations by id (see IdFilter).

    A viewset's own `filterset_class` should derive from ScopedFilterSet or declare no
    ModelChoiceFilter (tests/test_api_filters.py checks every viewset)."""

    filterset_base = ScopedFilterSet

