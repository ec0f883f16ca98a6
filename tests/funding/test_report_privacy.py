"""Report texts and annex files in the privacy story (issue 19): erasing a person scrubs their
names from the report texts no funder received as they are (draft saves, earlier saves of a
signed-off version, the funder's comments) and leaves the signed-off text and its PDF as they were;
an annex removed from a draft takes its file along once no version lists it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.storage import default_storage

from buddynet.features.funding import services
from buddynet.features.funding.models import ProgressReport, ReportAnnex
from buddynet.security import retention
from tests.conftest import World
from tests.funding.builders import SECRET_FIRST, SECRET_LAST, D, Hand, png


def draft(world: World, hand: Hand) -> ProgressReport:
    return services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                                  by=world.coordinator)


def test_erasure_scrubs_the_names_in_report_texts_no_funder_received_and_keeps_the_signed_off_text(
        world: World, hand: Hand) -> None:
    person = hand.duos[0].participant
    full = f"{SECRET_FIRST} {SECRET_LAST}"
    v1 = draft(world, hand)
    services.report_narrative_save(report=v1, by=world.coordinator, texts={"highlights": f"{full} vond werk."})
    services.report_narrative_save(report=v1, by=world.coordinator, texts={"highlights": "Eén deelnemer vond werk."})
    v1 = services.report_sign_off(report=v1, by=world.coordinator, confirmation=v1.name)
    printed = services.report_narrative(report=v1)
    v2 = services.report_request_completion(report=v1, by=world.funder_user,
                                            comment=f"Hoe gaat het nu met {SECRET_FIRST}?")
    services.report_narrative_save(report=v2, by=world.coordinator,
                                   texts={"difficulties": f"{SECRET_LAST} verhuisde; {SECRET_FIRST} bleef."})
    sha = v1.pdf_sha256

    retention.participant_anonymise(participant=person)

    code = retention.participant_code(person.pk)
    texts = [" ".join(n.texts().values()) for r in (v1, v2) for n in ProgressReport.objects.get(pk=r.pk)
             .narratives.all()]
    assert not any(SECRET_FIRST in t or SECRET_LAST in t for t in texts), texts
    assert f"{code} vond werk." in " ".join(texts)  # the earlier save of the signed-off version
    assert f"{code} verhuisde; {code} bleef." in " ".join(texts)  # the draft of the new version
    v1.refresh_from_db()
    assert v1.answer_comment == f"Hoe gaat het nu met {code}?"
    # The text the PDF was printed from, and the PDF, stay as the funder received them.
    assert services.report_narrative(report=v1).texts() == printed.texts()
    with v1.pdf.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == sha == v1.pdf_sha256


def test_a_removed_annex_takes_its_file_once_no_version_lists_it(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    v1 = draft(world, hand)
    kept = services.report_annex_add(report=v1, by=world.coordinator, upload=png("opening.png"))
    gone = services.report_annex_add(report=v1, by=world.coordinator, upload=png("te-veel.png"))
    with django_capture_on_commit_callbacks(execute=True):
        services.report_annex_remove(annex=gone, by=world.coordinator)
    assert not default_storage.exists(gone.file.name)
    assert default_storage.exists(kept.file.name)

    v1 = services.report_sign_off(report=v1, by=world.coordinator, confirmation=v1.name)
    v2 = services.report_request_completion(report=v1, by=world.funder_user, comment="Meer foto's?")
    copy = ReportAnnex.objects.get(report=v2)
    assert copy.file.name == kept.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.report_annex_remove(annex=copy, by=world.coordinator)
    assert default_storage.exists(kept.file.name)  # the signed-off version still lists it
    assert ReportAnnex.objects.filter(report=v1).count() == 1
