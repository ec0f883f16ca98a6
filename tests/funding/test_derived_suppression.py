"""Issue 21 item 3: suppressed counts cannot be recovered from the figures beside them —
differences, shares whose part or complement is small, and periods a week apart."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from buddynet.features.funding import reports
from tests import factories as f
from tests.funding.builders import D, duo

pytestmark = pytest.mark.django_db


def test_twelve_raised_and_eight_handled_does_not_tell_that_four_were_not():
    assert reports.handled_of(12, 8) == reports.SUPPRESSED
    assert reports.handled_of(12, 12) == 12  # all handled: no small group left out
    assert reports.handled_of(20, 8) == 8    # twelve unhandled: shown
    assert reports.handled_of(12, 3) == reports.SUPPRESSED  # a small count itself


def test_a_share_is_suppressed_when_its_part_or_its_complement_is_small():
    assert reports.share(0.667, 12) == reports.SUPPRESSED   # 8 of 12: 4 did not
    assert reports.share(0.333, 12) == reports.SUPPRESSED   # 4 of 12
    assert reports.share(0.5, 12) == 0.5                    # 6 and 6
    assert reports.share(0.5, 4) == reports.SUPPRESSED      # base below five
    assert reports.share(None, 12) is None


def test_the_network_shares_of_a_report_follow_the_share_rule():
    class Aggregates:
        participants_measured = 12
        median_informal_change = 1.0
        informal_change_distribution: dict[str, int] = {}
        share_more_informal = 0.667
        share_new_non_professional = 0.5
        ties_via_buddy = 7
        median_constraint_change = -0.1
        median_domain_coverage_change = 0.2

    out = reports.publish_network(Aggregates())
    assert out["share_more_informal"] == reports.SUPPRESSED
    assert out["share_new_non_professional"] == 0.5
    assert out["median_informal_change"] == 1.0  # a median is not a share of a group


@pytest.mark.parametrize(("start", "end", "widened"), [
    (D(2025, 3, 3), D(2025, 3, 9), (D(2025, 3, 1), D(2025, 3, 31))),
    (D(2025, 3, 10), D(2025, 3, 16), (D(2025, 3, 1), D(2025, 3, 31))),
    (D(2025, 1, 15), D(2025, 2, 3), (D(2025, 1, 1), D(2025, 2, 28))),
    (D(2024, 12, 31), D(2024, 12, 31), (D(2024, 12, 1), D(2024, 12, 31))),
])
def test_free_periods_are_widened_to_whole_months(start, end, widened):
    assert reports.whole_months(start, end) == widened


def test_moving_the_portfolio_period_a_week_reveals_nothing():
    funder = f.FunderFactory()
    project = f.ProjectFactory()
    _grant(funder, project)
    for _ in range(6):
        duo(project, started=D(2025, 3, 4), introduced=D(2025, 3, 2), proposed=D(2025, 3, 1))
    duo(project, started=D(2025, 3, 12), introduced=D(2025, 3, 11), proposed=D(2025, 3, 10))  # the one of week 2

    week1 = reports.portfolio_report(funder=funder, start=D(2025, 3, 3), end=D(2025, 3, 9), today=D(2025, 4, 1))
    week2 = reports.portfolio_report(funder=funder, start=D(2025, 3, 3), end=D(2025, 3, 16), today=D(2025, 4, 1))

    assert week1["period"] == week2["period"] == {"start": "2025-03-01", "end": "2025-03-31"}
    assert week1["content"] == week2["content"]
    assert week1["content"]["participants_reached"] == 7  # the whole month, both times


def _grant(funder: Any, project: Any) -> Any:
    from buddynet.features.funding.models import Grant

    return Grant.objects.create(funder=funder, project=project, reference="G-1", amount=40000,
                                start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))
