"""The signals feature's listener to buddynet/events.py, subscribed in SignalsConfig.ready().

"We met a barrier" on a check-in (the phone page, its offline outbox resending, the API) is
passed by duos.services.check_in_record as the `barrier_met` event inside its transaction: the
signal is stored with the check-in or, when refused, neither is. A resend of a stored check-in
emits nothing (its UUID was stored), so it adds no second signal.
"""

from __future__ import annotations

from typing import Any

from buddynet import events
from buddynet.features.signals import services
from buddynet.records.duos.models import CheckIn, Duo


def on_barrier_met(check_in: CheckIn, barrier: dict[str, Any]) -> None:
    duo = Duo.objects.select_related("participant").get(pk=check_in.duo_id)
    services.signal_record(participant=duo.participant, duo=duo, check_in=check_in, data=barrier,
                           by=check_in.author)


def subscribe() -> None:
    events.subscribe("barrier_met", on_barrier_met)
