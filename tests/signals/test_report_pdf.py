"""The signal report's PDF holds on paper, as the funder reports must (issue 19's bounds test,
tests/funding/test_pdf_layout.py, whose checks are reused here): at demo scale and at four times
the data no character lies outside the page, no table is wider than the content box, no page ends
on a heading, every page says "pagina n van m" under the running header; PDF/A-3a, tagged, nl-BE."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation
from weasyprint.formatting_structure import boxes

from buddynet.features.signals import report
from buddynet.features.signals.models import BarrierType, Signal
from buddynet.vocabulary import LIFE_DOMAINS
from tests import factories as f
from tests.conftest import World
from tests.funding.test_pdf_layout import assert_archival_and_tagged, headings, outside_chars, page_texts

pytestmark = pytest.mark.django_db

PLACES = ["Gent", "Sint-Martens-Latem", "Kapelle-op-den-Bos", "Sint-Lievens-Houtem", "Oud-Heverlee",
          "Meerhout", "Zwijndrecht", "Heist-op-den-Berg"]
LONG = ("De aanvraag voor de verhoogde tegemoetkoming kan alleen online met een kaartlezer of itsme, en het "
        "OCMW-loket is maar twee voormiddagen per week open; wie geen smartphone heeft, moet drie keer terugkomen "
        "en verliest intussen maanden aan rechten. Ook de wachtlijst voor budgetbegeleiding telt nu acht maanden.")


def build(world: World, scale: int) -> dict[str, Any]:
    types = list(BarrierType.objects.all())
    # Names no report text can hold by chance (a random "Jan" would match "jan." in a date).
    participants = [f.ParticipantFactory(project=world.project, consent_scope="research",
                                         consent_date=dt.date(2025, 1, 1), first_name=f"Yentlq{i}",
                                         last_name=f"Vercammenx{i}") for i in range(6)]
    signals = []
    for i in range(40 * scale):
        signals.append(Signal(
            project=world.project, participant=participants[i % 6], date=dt.date(2025, 1 + i % 12, 1 + i % 28),
            life_domain=LIFE_DOMAINS[(i * 7) % len(LIFE_DOMAINS)], barrier_type=types[(i * 3) % len(types)],
            municipality=PLACES[(i * 5) % (2 * scale)], description=LONG if i % 4 == 0 else "",
            shareable=i % 8 == 0, recorded_by=world.coordinator))
    Signal.objects.bulk_create(signals)
    return report.signal_report(signals=Signal.objects.all(), start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                projects=[world.project.name])


@pytest.mark.parametrize("scale", [1, 4], ids=["demo", "4x"])
def test_the_signal_report_pdf_holds_on_paper(world: World, scale: int) -> None:
    numbers = build(world, scale)
    assert any(c["count"] == "< 5" for c in numbers["cells"]) and numbers["descriptions"]
    with translation.override("nl"):
        html = report.html_document(numbers)
        document = report.pdf_document(numbers)
        data = document.write_pdf(pdf_variant="pdf/a-3a")

    assert outside_chars(data) == []
    tables = 0
    for n, page in enumerate(document.pages, 1):
        root = page._page_box
        right = root.content_box_x() + root.width
        for box in root.descendants():
            if isinstance(box, boxes.TableBox | boxes.TableCellBox):
                tables += isinstance(box, boxes.TableBox)
                assert box.border_box_x() + box.border_width() <= right + 0.5, (n, box.element_tag)
    assert tables >= 2
    texts, titles = page_texts(data), headings(html)
    assert len(texts) >= 2
    for n, text in enumerate(texts, 1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert f"pagina {n} van {len(texts)}" in lines, n
        # The running head's period in nl-BE dates, as the funder reports' (buddynet/formats.py), not ISO.
        assert f"Signalenrapport · {world.project.name} · 1 jan. 2025 – 31 dec. 2025" in lines, n
        assert "2025-01-01" not in text and "2025-12-31" not in text, n
        body = [line for line in lines if not line.startswith("pagina ")]
        assert body[-1] not in titles, (n, body[-1])
    assert_archival_and_tagged(data)
    for p in Signal.objects.values_list("participant__first_name", "participant__last_name").distinct():
        assert all(name not in "".join(texts) for name in p)
