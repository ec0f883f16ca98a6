"""Report charts: axis numbers in the reader's format (nl-BE: 45.000, 25 %) and legends outside
the plot area, so they never cover a bar or a line."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import matplotlib.pyplot as plt
import pytest
from django.utils import translation

from buddynet.features.funding import render, reports
from tests.conftest import World
from tests.funding.builders import hand_built, second_grant


def tick_labels(axis: Any) -> list[str]:
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def overlaps(a: Any, b: Any) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.fixture
def numbers(world: World) -> dict[str, Any]:
    hand = hand_built(world.funder, project=world.project)
    second_grant(world.funder)
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    return {"grant": render.labelled(reports.grant_report(grant=hand.grant, start=start, end=end)),
            "portfolio": render.labelled(reports.portfolio_report(funder=world.funder, start=start, end=end))}


def test_axes_use_dutch_thousands_separators_and_percentages(numbers: dict[str, Any]) -> None:
    with translation.override("nl"):
        budget = render.budget_figure(numbers["grant"]["money"]["lines"])
        burn = render.burn_figure(numbers["grant"])
        portfolio = render.portfolio_figure(numbers["portfolio"])
    try:
        amounts = tick_labels(budget.axes[0].xaxis) + tick_labels(burn.axes[0].yaxis)
        assert "30.000" in amounts and "40.000" in amounts, amounts
        assert all(re.fullmatch(r"-?\d{1,3}(\.\d{3})*", a) for a in amounts), amounts
        shares = tick_labels(portfolio.axes[0].xaxis)
        assert shares and all(re.fullmatch(r"\d+[\xa0 ]?%", s) for s in shares), shares
    finally:
        plt.close("all")


def test_legends_lie_outside_the_data(numbers: dict[str, Any]) -> None:
    with translation.override("nl"):
        figures = [render.budget_figure(numbers["grant"]["money"]["lines"]), render.burn_figure(numbers["grant"]),
                   render.portfolio_figure(numbers["portfolio"])]
    try:
        for fig in figures:
            fig.canvas.draw()
            ax = fig.axes[0]
            legend = ax.get_legend()
            assert legend is not None
            renderer = fig.canvas.get_renderer()
            assert not overlaps(legend.get_window_extent(renderer), ax.get_window_extent(renderer))
    finally:
        plt.close("all")
