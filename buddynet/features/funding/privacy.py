"""funding's part in erasure and subject-access export (registered in apps.py).

- A volunteer's allowances are exported; erasure leaves them as they are: the allowance list must
  be kept (Belgian volunteer law).
- The texts of progress reports may name a person although they should not: erasing a participant
  or volunteer replaces their names by their code in the texts of their project's reports that no
  funder received as they are — every save of a draft version's narrative, the earlier saves of a
  signed-off one — and in the funder's comments. The last save of a signed-off version is the text
  its PDF was printed from; that PDF was sent to the funder and its SHA-256 kept, so the two stay as
  they were, like the frozen numbers (docs/security.md, "Frozen funder reports stay as they were").
- Annex files cannot be searched for a person (a photo, a scan): they are SPECIAL in
  privacy.REGISTRY, served only by the access-checked download, and deleted with the last row that
  lists them (services.report_annex_remove).
"""

from __future__ import annotations

from typing import Any

from buddynet import privacy
from buddynet.features.funding.models import ProgressReport, ReportNarrative
from buddynet.features.funding.selectors import allowances_of_volunteer


def volunteer_export_allowances(volunteer: Any) -> dict[str, Any]:
    payments, declared = allowances_of_volunteer(volunteer_id=volunteer.pk)
    return {
        "allowance_payments": [privacy.export_row(p) for p in payments],
        "allowances_declared": [privacy.export_row(d) for d in declared],
    }


def anonymise_report_texts(erasure: privacy.Erasure) -> None:
    """Replace the person's names in their project's report texts (see the module doc)."""
    project_id = getattr(erasure.person, "project_id", None)
    if project_id is None:
        return
    versions = list(ProgressReport.objects.filter(grant__project_id=project_id))
    printed = {}  # a signed-off version → the save its PDF was printed from
    for report in versions:
        if report.is_frozen:
            last = report.narratives.order_by("-saved_at", "-id").values_list("pk", flat=True).first()
            printed[report.pk] = last
        if report.answer_comment:
            text = erasure.replace_names(report.answer_comment)
            if text != report.answer_comment:
                report.answer_comment = text
                report.save(update_fields=["answer_comment"])
    narratives = ReportNarrative.objects.filter(report__in=versions).exclude(pk__in=[pk for pk in printed.values()
                                                                                    if pk is not None])
    for narrative in narratives:
        changed = {name: erasure.replace_names(text) for name, text in narrative.texts().items()}
        changed = {name: text for name, text in changed.items() if text != getattr(narrative, name)}
        if changed:
            for name, text in changed.items():
                setattr(narrative, name, text)
            narrative.save(update_fields=list(changed))


HANDLERS = privacy.Handlers(
    anonymise_participant=anonymise_report_texts,
    anonymise_volunteer=anonymise_report_texts,
    export_volunteer=volunteer_export_allowances,
)
