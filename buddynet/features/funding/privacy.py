"""funding's part in subject-access export (registered in apps.py): a volunteer's allowances.
Erasure leaves them as they are: the allowance list must be kept (Belgian volunteer law)."""

from __future__ import annotations

from typing import Any

from buddynet import privacy
from buddynet.features.funding.selectors import allowances_of_volunteer


def volunteer_export_allowances(volunteer: Any) -> dict[str, Any]:
    payments, declared = allowances_of_volunteer(volunteer_id=volunteer.pk)
    return {
        "allowance_payments": [privacy.export_row(p) for p in payments],
        "allowances_declared": [privacy.export_row(d) for d in declared],
    }


HANDLERS = privacy.Handlers(export_volunteer=volunteer_export_allowances)
