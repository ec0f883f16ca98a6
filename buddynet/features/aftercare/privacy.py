"""aftercare's part in erasure and subject-access export (registered in apps.py)."""

from __future__ import annotations

from typing import Any

from buddynet import privacy
from buddynet.features.aftercare.models import AftercareItem, Evaluation, Referral


def participant_anonymise_aftercare(erasure: privacy.Erasure) -> None:
    """The notes are emptied; dates, kinds and statuses stay (they count in no report by name)."""
    AftercareItem.objects.filter(duo__participant=erasure.person).exclude(note="").update(note="")
    Referral.objects.filter(participant=erasure.person).update(reason="", outcome_note="")
    Evaluation.objects.filter(participant=erasure.person).update(own_words="")


def participant_export_aftercare(participant: Any) -> dict[str, Any]:
    return {
        "aftercare": [privacy.export_row(i) for i in AftercareItem.objects.filter(duo__participant=participant)],
        "referrals": [privacy.export_row(r) for r in Referral.objects.filter(participant=participant)],
        "evaluations": [privacy.export_row(e) for e in Evaluation.objects.filter(participant=participant)],
    }


HANDLERS = privacy.Handlers(
    anonymise_participant=participant_anonymise_aftercare,
    export_participant=participant_export_aftercare,
)
