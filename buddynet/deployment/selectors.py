"""Reads about this installation."""

from __future__ import annotations

from buddynet.deployment.models import ProductionMarker


def production_marker() -> ProductionMarker | None:
    """The marker when this database was set up for production, else None."""
    return ProductionMarker.objects.filter(pk=1).first()
