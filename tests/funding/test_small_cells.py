"""Issue 21 item 17: a ratio is suppressed by the size of the group it describes (the duos), not
by the size of its numerator: 12 check-ins of 3 duos is still a figure about 3 duos."""

from __future__ import annotations

from typing import Any

import pytest

from buddynet.features.funding import reports
from tests import factories as f
from tests.funding.builders import D, check_ins, duo

START, END = D(2025, 1, 1), D(2025, 12, 31)
pytestmark = pytest.mark.django_db


def _project_with_active_duos(n: int, check_ins_each: int) -> Any:
    project = f.ProjectFactory()
    author = f.UserFactory()
    for _ in range(n):
        d = duo(project, started=D(2025, 3, 1), introduced=D(2025, 2, 20), proposed=D(2025, 2, 15))
        check_ins(d, author, D(2025, 3, 1), check_ins_each)
    return project


def test_check_ins_per_duo_month_of_three_duos_is_suppressed_however_many_check_ins() -> None:
    project = _project_with_active_duos(3, 4)  # 12 check-ins: more than five, of three duos

    raw = reports.content_raw(project_ids=[project.pk], start=START, end=END)[project.pk]
    published = reports.publish_content(raw)

    assert raw.check_ins_per_duo_month is not None and raw.check_ins_per_duo_month > 0
    assert published["check_ins_per_duo_month"] == "< 5"


def test_check_ins_per_duo_month_of_five_duos_is_shown() -> None:
    project = _project_with_active_duos(5, 2)

    published = reports.publish_content(reports.content_raw(project_ids=[project.pk], start=START, end=END)[project.pk])

    assert isinstance(published["check_ins_per_duo_month"], float)
