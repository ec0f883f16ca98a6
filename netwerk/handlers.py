"""netwerk's listeners to buddynet/events.py, subscribed in NetwerkConfig.ready().

A check-in that names people the buddy helped the participant meet adds them to the
participant's network map as ties made via the buddy — whichever channel recorded it (the API,
the phone page, a task), because every channel calls duos.services.check_in_record and that
emits `check_in_recorded` inside its transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from buddynet import events
from buddynet.errors import InvalidInput
from buddynet.records.duos.models import CheckIn, Duo
from netwerk import services


def on_check_in_recorded(check_in: CheckIn) -> None:
    """Each new contact of a freshly stored check-in becomes a tie made via the buddy on the
    participant's current map (tie_via_buddy_add: once per check-in and label, so a resend adds
    nobody twice). Runs in check_in_record's transaction, so a refusal here stores neither."""
    contacts = [c for c in (check_in.new_contacts or []) if isinstance(c, dict)]
    if not contacts:
        return  # the common check-in: no query at all
    duo = Duo.objects.select_related("participant").get(pk=check_in.duo_id)
    check_in.duo = duo
    for contact in contacts:
        domain = contact.get("life_domain")
        try:
            services.tie_via_buddy_add(
                participant=duo.participant, label=contact.get("label", ""), category=contact.get("category", ""),
                life_domains=[domain] if domain else [], by=check_in.author, check_in=check_in,
            )
        except ValidationError as exc:
            texts: list[Any] = [m for messages in exc.message_dict.values() for m in messages]
            raise InvalidInput({"new_contacts": texts}) from exc


def subscribe() -> None:
    events.subscribe("check_in_recorded", on_check_in_recorded)
