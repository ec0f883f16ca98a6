"""netwerk's part in erasure and subject-access export (registered in apps.py): the network maps."""

from __future__ import annotations

from typing import Any

from buddynet import privacy
from netwerk.models import Alter, NetworkMap


def participant_anonymise_maps(erasure: privacy.Erasure) -> None:
    """Every alter label becomes a code (A1, A2, ... per stable key, so the same person keeps the
    same code on every map) and map notes are emptied; categories, rings and ties stay, so the
    measures and their change are unchanged. Fills the erasure's codes for the check-ins' new
    contacts (the contact that became an alter gets that alter's code)."""
    codes, from_check_ins = erasure.alter_codes, erasure.contact_codes
    participant = erasure.person
    for alter in Alter.objects.filter(map__participant=participant).order_by("map__date", "map_id", "id"):
        codes.setdefault(alter.key, f"A{len(codes) + 1}")
        if alter.check_in_id is not None:
            from_check_ins.setdefault((alter.check_in_id, alter.label), codes[alter.key])
        alter.label = codes[alter.key]
        alter.save(update_fields=["label"])
    for m in NetworkMap.objects.filter(participant=participant).exclude(note=""):
        m.note = ""
        m.save(update_fields=["note", "updated_at"])


def participant_export_maps(participant: Any) -> dict[str, Any]:
    """The participant's maps, each with its alters and ties."""
    row = privacy.export_row
    return {"network_maps": [
        {**row(m), "alters": [row(a) for a in m.alters.all()], "ties": [row(t) for t in m.ties.all()]}
        for m in NetworkMap.objects.filter(participant=participant).prefetch_related("alters", "ties")
    ]}


HANDLERS = privacy.Handlers(
    anonymise_participant=participant_anonymise_maps,
    export_participant=participant_export_maps,
)
