"""A person's signals in erasure and subject-access export (buddynet/privacy.py handlers)."""

from __future__ import annotations

import pytest

from buddynet.features.signals import services
from buddynet.features.signals.models import Signal
from buddynet.security import retention
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_erasing_a_participant_empties_their_signals_descriptions_and_keeps_the_counts(world: World) -> None:
    signal = services.signal_record(participant=world.participant, duo=world.duo, by=world.coordinator,
                                    data={"barrier_type": "health", "life_domain": "health",
                                          "description": "Geen tandarts die nog patiënten aanneemt"})
    services.signal_share(signal=signal, shareable=True, by=world.coordinator)

    exported = retention.participant_export(participant=world.participant)
    assert [s["description"] for s in exported["signals"]] == ["Geen tandarts die nog patiënten aanneemt"]

    retention.participant_anonymise(participant=world.participant)

    signal = Signal.objects.get(pk=signal.pk)
    assert (signal.description, signal.shareable) == ("", False)
    assert (signal.barrier_type.code, signal.life_domain) == ("health", "health")


def test_erasing_a_volunteer_scrubs_their_name_from_their_duos_signals(world: World) -> None:
    signal = services.signal_record(participant=world.participant, duo=world.duo, by=world.coordinator,
                                    data={"barrier_type": "mobility", "life_domain": "mobility",
                                          "description": "Bert moest rijden: geen bus na 19 uur"})
    retention.volunteer_anonymise(volunteer=world.volunteer)
    text = Signal.objects.get(pk=signal.pk).description
    assert "Bert" not in text and "geen bus na 19 uur" in text
