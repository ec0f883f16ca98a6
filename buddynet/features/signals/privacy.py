"""The signals feature's part in erasure and subject-access export (registered in apps.py)."""

from __future__ import annotations

from typing import Any

from buddynet import privacy
from buddynet.features.signals.models import Signal


def participant_anonymise_signals(erasure: privacy.Erasure) -> None:
    """A participant's signals keep their codes (type, life domain, municipality, status: the
    counts of signal reports stay); the free-text description is emptied and no longer shared."""
    Signal.objects.filter(participant=erasure.person).exclude(description="").update(description="", shareable=False)


def volunteer_anonymise_signals(erasure: privacy.Erasure) -> None:
    """A volunteer's name is scrubbed from the descriptions of their duos' signals."""
    for signal in Signal.objects.filter(duo__volunteer=erasure.person).exclude(description=""):
        text = erasure.replace_names(signal.description)
        if text != signal.description:
            signal.description = text
            signal.save(update_fields=["description", "updated_at"])


def participant_export_signals(participant: Any) -> dict[str, Any]:
    return {"signals": [privacy.export_row(s) for s in Signal.objects.filter(participant=participant)]}


HANDLERS = privacy.Handlers(
    anonymise_participant=participant_anonymise_signals,
    anonymise_volunteer=volunteer_anonymise_signals,
    export_participant=participant_export_signals,
)
