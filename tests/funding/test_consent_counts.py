"""Funder reports count only participants whose consent covers anonymous reporting (issue 16),
and say how many were left out, suppressed below 5 like every cell."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.utils import translation

from buddynet.features.funding import render, reports
from netwerk import services as netwerk_services
from netwerk.selectors import network_change_aggregates
from tests import factories as f
from tests.funding.builders import D, check_ins, duo, hand_built

START, END = D(2025, 1, 1), D(2025, 12, 31)
pytestmark = pytest.mark.django_db
MARCH = {"started": D(2025, 3, 1), "introduced": D(2025, 2, 20), "proposed": D(2025, 2, 15)}


@pytest.fixture
def hand() -> Any:
    return hand_built(f.FunderFactory(name="Departement WVG"))


def not_for_reporting(hand: Any, scopes: list[str]) -> list[Any]:
    """Duos of participants whose consent does not cover reporting (basic, network, withdrawn),
    each with check-ins and a concern: nothing of them may reach a report."""
    duos = []
    for scope in scopes:
        d = duo(hand.project, **MARCH, needs={"housing": 3}, consent_scope=scope,
                consent_date=None if not scope else D(2025, 1, 10))
        check_ins(d, hand.author, D(2025, 3, 5), 4, concern=True)
        duos.append(d)
    return duos


def test_the_numbers_are_those_of_the_consenting_participants_and_the_others_are_counted_apart(hand: Any) -> None:
    alone = reports.content_raw(project_ids=[hand.project.pk], start=START, end=END)[hand.project.pk]
    not_for_reporting(hand, ["basic", "basic", "network", "network", "network", ""])

    mixed = reports.content_raw(project_ids=[hand.project.pk], start=START, end=END)[hand.project.pk]

    assert mixed.participants_left_out == 6
    assert dataclasses.replace(mixed, participants_left_out=0) == alone
    published = reports.grant_report(grant=hand.grant, start=START, end=END, today=D(2026, 1, 15))["content"]
    assert published["participants_reached"] == 7
    assert published["participants_left_out"] == 6
    assert published["needs_per_domain"][0] == {"domain": "housing", "count": reports.SUPPRESSED}  # 2, not 8


def test_fewer_than_five_left_out_is_shown_as_less_than_five(hand: Any) -> None:
    not_for_reporting(hand, ["basic", "network"])

    published = reports.grant_report(grant=hand.grant, start=START, end=END, today=D(2026, 1, 15))

    assert published["content"]["participants_left_out"] == reports.SUPPRESSED
    with translation.override("nl"):
        rows = list(render.rows(published))
    assert ("Inhoud", "Deelnemers niet meegeteld: hun toestemming dekt geen anonieme rapportering", "",
            reports.SUPPRESSED) in rows


def test_the_portfolio_counts_the_same_way(hand: Any) -> None:
    not_for_reporting(hand, ["basic"] * 5)

    portfolio = reports.portfolio_report(funder=hand.grant.funder, start=START, end=END, today=D(2026, 1, 15))

    assert portfolio["content"]["participants_left_out"] == 5
    assert portfolio["content"]["participants_reached"] == 7
    assert portfolio["rows"][0]["participants_reached"] == 7


def test_the_report_page_states_how_many_were_left_out(hand: Any) -> None:
    not_for_reporting(hand, ["basic"] * 6)
    report = reports.grant_report(grant=hand.grant, start=START, end=END, today=D(2026, 1, 15))

    with translation.override("nl-be"):
        html = render.html_document(report)

    assert "Deelnemers niet meegeteld: hun toestemming dekt geen anonieme rapportering" in html


def test_network_aggregates_measure_only_participants_with_reporting_consent(hand: Any) -> None:
    measured = []
    for scope in ("research", "network"):
        d = duo(hand.project, **MARCH, consent_scope=scope, consent_date=D(2025, 1, 10))
        first = netwerk_services.map_create(participant=d.participant, by=hand.author, on=D(2025, 2, 1))
        later = netwerk_services.map_create(participant=d.participant, by=hand.author, on=D(2025, 9, 1))
        netwerk_services.alter_add(network_map=later, by=hand.author,
                                   data={"label": "Ria", "category": "neighbour", "life_domains": ["social"]})
        measured.append((first, later))

    aggregates = network_change_aggregates(project_ids=[hand.project.pk], start=START, end=END)

    assert aggregates.participants_measured == 1  # the "network" participant's maps stay out
