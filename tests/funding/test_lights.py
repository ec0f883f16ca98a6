"""Traffic lights with a direction and a reason (issue 19): spending ahead of time is a risk of
overspending, behind a risk of underspending, each with its own thresholds and sentence; reports
late; duos quiet. Thresholds per funder from settings. Tested at each boundary and on the two
cases of the issue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import translation

from buddynet.features.funding import lights, render, reports
from buddynet.features.funding.models import BudgetLine, Expense, Grant
from tests import factories as f
from tests.conftest import World

T = lights.DEFAULTS


def spend(ratio: float, elapsed: float = 0.5) -> dict[str, Any]:
    """The spending light when spending projects to `ratio` × the grant of 100,000."""
    return lights.spend_light(spent=100000 * ratio * elapsed, amount=100000, elapsed=elapsed, t=T)


@pytest.mark.parametrize(("ratio", "state", "reason"), [
    (1.0, "green", "spend_on_schedule"),
    (1.05, "green", "spend_on_schedule"), (1.0501, "amber", "spend_ahead"),
    (1.15, "amber", "spend_ahead"), (1.1501, "red", "spend_ahead"),
    (0.85, "green", "spend_on_schedule"), (0.8499, "amber", "spend_behind"),
    (0.70, "amber", "spend_behind"), (0.6999, "red", "spend_behind"),
])
def test_the_spending_light_at_its_boundaries(ratio: float, state: str, reason: str) -> None:
    light = spend(ratio)

    assert (light["state"], light["reason"]) == (state, reason)
    assert light["projected"] == pytest.approx(100000 * ratio)


def test_before_a_tenth_of_the_period_the_spending_is_not_judged() -> None:
    assert spend(3.0, elapsed=0.0999)["reason"] == "spend_early"
    assert spend(3.0, elapsed=0.0999)["state"] == "green"
    assert spend(3.0, elapsed=0.10)["state"] == "red"


@pytest.mark.parametrize(("overdue", "days", "state"), [(0, 0, "green"), (1, 1, "amber"), (2, 30, "amber"),
                                                         (1, 31, "red")])
def test_the_reports_light_at_its_boundaries(overdue: int, days: int, state: str) -> None:
    assert lights.reports_light(overdue=overdue, oldest_days=days, t=T)["state"] == state


@pytest.mark.parametrize(("quiet", "active", "state", "reason"), [
    (0, 0, "green", "quiet_no_duos"), (1, 4, "red", "quiet_too_few_some"), (0, 4, "green", "quiet_too_few"),
    (0, 10, "green", "quiet_share"),
    (99, 1000, "green", "quiet_share"), (1, 10, "amber", "quiet_share"), (249, 1000, "amber", "quiet_share"),
    (25, 100, "red", "quiet_share"),
])
def test_the_quiet_light_at_its_boundaries(quiet: int, active: int, state: str, reason: str) -> None:
    light = lights.quiet_light(quiet=quiet, active=active, t=T)

    assert (light["state"], light["reason"]) == (state, reason)
    assert "quiet" not in light and "active" not in light  # no count below 5 is published


def grant_spent(funder: Any, *, amount: str, spent: str, reference: str) -> Grant:
    grant = Grant.objects.create(funder=funder, project=f.ProjectFactory(), reference=reference,
                                 amount=Decimal(amount), start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))
    line = BudgetLine.objects.create(grant=grant, kind="personnel", amount=Decimal(amount))
    Expense.objects.create(grant=grant, budget_line=line, date=dt.date(2025, 6, 1), amount=Decimal(spent),
                           description="Loon")
    return grant


# 705 of the grant's 1,095 days: 64.4 % of the time.
TODAY = dt.date(2026, 12, 6)


def row_of(world: World, reference: str) -> dict[str, Any]:
    numbers = reports.portfolio_report(funder=world.funder, start=dt.date(2025, 1, 1), end=TODAY, today=TODAY)
    with translation.override("nl"):
        labelled = render.labelled(numbers)
    return next(r for r in labelled["rows"] if r["grant"]["reference"] == reference)


def test_77_percent_spent_at_64_percent_of_the_time_is_not_on_schedule(world: World) -> None:
    grant_spent(world.funder, amount="42000", spent="32340", reference="WVG-77")

    row = row_of(world, "WVG-77")

    assert reports.time_share(Grant.objects.get(reference="WVG-77"), TODAY) == pytest.approx(0.644, abs=0.001)
    assert row["lights"]["spend"] == "red"
    assert row["light_reasons"]["spend"]["reason"] == "spend_ahead"
    assert row["light_reasons"]["spend"]["projected"] == pytest.approx(50231, abs=30)
    text = row["light_texts"]["spend"]
    assert "risico op overbesteding" in text and "77%" in text and "64%" in text and "€\xa042.000,00" in text
    assert "€\xa050.2" in text


def test_underspending_by_42_percent_is_its_own_reason(world: World) -> None:
    # On pace would be 64.4 % of 42,000 = 27,043; 58 % of that is spent: 42 % behind.
    grant_spent(world.funder, amount="42000", spent="15685", reference="WVG-42")

    row = row_of(world, "WVG-42")

    assert row["lights"]["spend"] == "red"
    assert row["light_reasons"]["spend"]["reason"] == "spend_behind"
    assert "risico op onderbesteding" in row["light_texts"]["spend"]
    assert "overbesteding" not in row["light_texts"]["spend"]


def test_thresholds_are_set_per_funder_in_settings(world: World, settings: Any) -> None:
    grant_spent(world.funder, amount="42000", spent="32340", reference="WVG-77")
    other = f.FunderFactory(name="Provincie")
    grant_spent(other, amount="42000", spent="32340", reference="PROV-77")
    settings.FUNDING_LIGHTS = '{"Departement WVG": {"spend_ahead_red": 0.25}}'

    mine = row_of(world, "WVG-77")
    theirs = reports.portfolio_report(funder=other, start=dt.date(2025, 1, 1), end=TODAY, today=TODAY)["rows"][0]

    assert mine["lights"]["spend"] == "amber" and theirs["lights"]["spend"] == "red"


@pytest.mark.parametrize("raw", ['{"X": {"spend_ahead": 0.1}}', '{"X": {"quiet_red": -1}}', "[1]", "{nope"])
def test_a_wrong_threshold_setting_fails_loudly(settings: Any, raw: str) -> None:
    settings.FUNDING_LIGHTS = raw

    with pytest.raises(ImproperlyConfigured):
        lights.thresholds_for("X")


def test_the_funder_portal_shows_each_reason_and_links_to_the_figures(world: World) -> None:
    grant = grant_spent(world.funder, amount="42000", spent="32340", reference="WVG-77")
    today = dt.date.today()
    client = Client()
    client.force_login(world.funder_user)

    portal = client.get("/financiering/?start=2025-01-01&end=" + today.isoformat()).content.decode()
    report = client.get(f"/financiering/portefeuille/{world.funder.pk}/?start=2025-01-01&end={today}").content.decode()

    assert "risico op overbesteding" in portal or "Nog te vroeg" in portal or "gelijke tred" in portal
    assert f"#money-{grant.pk}" in portal
    assert f'id="money-{grant.pk}"' in report and f'href="#money-{grant.pk}"' in report
    assert "Geen enkel verslag is te laat." in portal


@pytest.mark.parametrize("light", [
    {"reason": "spend_early", "elapsed": 0.05},
    {"reason": "spend_on_schedule", "spent_share": 0.5, "elapsed": 0.5},
    {"reason": "spend_ahead", "spent_share": 0.77, "elapsed": 0.64, "projected": 50246.0, "amount": 42000.0},
    {"reason": "spend_behind", "spent_share": 0.2, "elapsed": 0.5, "projected": 16800.0, "amount": 42000.0},
    {"reason": "reports_none_overdue"}, {"reason": "reports_overdue", "overdue": 1, "days": 3},
    {"reason": "reports_overdue", "overdue": 2, "days": 40}, {"reason": "quiet_no_duos"},
    {"reason": "quiet_too_few"}, {"reason": "quiet_too_few_some"}, {"reason": "quiet_share", "share": 0.3},
])
def test_every_reason_is_one_sentence_in_dutch_and_english(light: dict[str, Any]) -> None:
    with translation.override("nl"):
        dutch = render.light_reason(light)
    with translation.override("en"):
        english = render.light_reason(light)

    assert dutch and english and dutch != english
    assert dutch.endswith(".") and dutch.count(". ") == 0


def test_the_app_refuses_a_wrong_threshold_setting_at_start(settings: Any) -> None:
    from django.apps import apps

    settings.FUNDING_LIGHTS = '{"Departement WVG": {"spend_ahead_red": "veel"}}'

    with pytest.raises(ImproperlyConfigured):
        apps.get_app_config("funding").ready()
