"""matching's part in erasure (registered in apps.py): reasons typed about a person."""

from __future__ import annotations

from buddynet import privacy
from matching.models import ForbiddenPair, LockedPair, Proposal


def matching_reasons_anonymise(erasure: privacy.Erasure) -> None:
    """Decision reasons on the person's proposals are emptied; the reasons of forbidden and locked
    pairs with them become a dash (the rule itself stays, so the matcher keeps obeying it)."""
    Proposal.objects.filter(**erasure.filter).exclude(decision_reason="").update(decision_reason="")
    for rule in (ForbiddenPair, LockedPair):
        rule.objects.filter(**erasure.filter).update(reason=privacy.ERASED_TEXT)


HANDLERS = privacy.Handlers(
    anonymise_participant=matching_reasons_anonymise,
    anonymise_volunteer=matching_reasons_anonymise,
)
