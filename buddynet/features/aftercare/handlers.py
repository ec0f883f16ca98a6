"""Listeners for buddynet/events.py, subscribed in AftercareConfig.ready(): the duo services stay
unaware of aftercare, and every channel that closes or re-opens a duo gets the same effect."""

from __future__ import annotations

from typing import Any

from buddynet import events
from buddynet.features.aftercare import services
from buddynet.records.duos.models import DuoStatus


def on_duo_status_changed(duo: Any, previous: str) -> None:
    if duo.status == DuoStatus.CLOSED and previous != DuoStatus.CLOSED:
        services.aftercare_plan(duo=duo)
    elif previous == DuoStatus.CLOSED and duo.status != DuoStatus.CLOSED:
        services.aftercare_cancel_pending(duo=duo)


def subscribe() -> None:
    events.subscribe("duo_status_changed", on_duo_status_changed)
