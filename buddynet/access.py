"""The one way to fetch an object by id for a user: from a queryset already scoped to them."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_from_scope(qs: QuerySet[M], pk: Any) -> M:
    """The row with this id inside `qs`, or Http404 — also for ids that exist out of scope."""
    try:
        return qs.get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, qs.model.DoesNotExist):
        raise Http404 from None
