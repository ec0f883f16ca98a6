"""Needs over time (issue 18 item 2): each measurement dated, the change from the first to the
latest computed by hand on a small case, on the participant's page, and in the funder report
(suppressed below 5)."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from buddynet.errors import InvalidInput, NotAllowed
from buddynet.features.funding import render, reports
from buddynet.features.funding.models import Grant
from buddynet.features.funding.needs_section import needs_change_section
from buddynet.records.people import services
from buddynet.records.people.models import NeedsMeasurement
from buddynet.records.people.selectors import needs_history
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db
D = dt.date


def measured(w: World, participant: Any, *rows: tuple[str, dt.date, dict[str, int]]) -> None:
    for occasion, on, needs in rows:
        services.needs_measure(participant=participant, occasion=occasion, on=on, needs=needs, by=w.coordinator)


def test_the_history_and_its_change_by_hand(world: World) -> None:
    p = f.ParticipantFactory(project=world.project, needs={})
    measured(world, p,
             ("closure", D(2025, 12, 1), {"housing": 1, "social": 1, "work": 1}),  # recorded out of order
             ("intake", D(2025, 1, 10), {"housing": 3, "income": 2, "social": 3}),
             ("interim", D(2025, 6, 1), {"housing": 2, "income": 2, "social": 2}))

    history, change = needs_history(participant=p)

    assert [(m.occasion, m.date) for m in history] == [
        ("intake", D(2025, 1, 10)), ("interim", D(2025, 6, 1)), ("closure", D(2025, 12, 1))]
    assert change is not None
    # housing 3 → 1, income 2 → 0, social 3 → 1, work 0 → 1; total 8 → 3.
    assert {d: row for d, row in change.domains.items() if row != (0, 0, 0)} == {
        "housing": (3, 1, -2), "income": (2, 0, -2), "social": (3, 1, -2), "work": (0, 1, 1)}
    assert (change.total_before, change.total_after, change.total_change) == (8, 3, -5)
    assert (change.domains_less, change.domains_more) == (3, 1)
    p.refresh_from_db()
    assert p.needs == {"housing": 1, "social": 1, "work": 1}  # the latest measurement's


def test_the_participants_page_shows_the_change_and_records_a_measurement(world: World) -> None:
    measured(world, world.participant, ("intake", D(2025, 1, 10), {"housing": 3, "social": 2}))
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.coordinator)
    body = {"occasion": "interim", "date": "2025-06-01", "domain_housing": "1", "domain_social": "2",
            **{f"domain_{d}": "0" for d in ("work", "income", "health", "mobility", "childcare", "education",
                                            "leisure", "administration")}}
    response = client.post(reverse("web:coordinator-participant-needs", args=[world.participant.pk]), body)
    assert response.status_code == 302
    page = client.get(reverse("web:coordinator-participant", args=[world.participant.pk])).content.decode()
    assert "Totale nood van 5 naar 3 (-2)." in page and "Wonen: 3 → 1" in page
    bad = client.post(reverse("web:coordinator-participant-needs", args=[world.participant.pk]),
                      {**body, "domain_housing": "7"})
    assert bad.status_code == 400 and NeedsMeasurement.objects.filter(participant=world.participant).count() == 2


def test_only_a_coordinator_of_the_project_records_and_levels_are_checked(world: World) -> None:
    with pytest.raises(NotAllowed):
        services.needs_measure(participant=world.participant, occasion="interim", on=D(2025, 6, 1),
                               needs={"housing": 1}, by=world.other_coordinator)
    with pytest.raises(InvalidInput):
        services.needs_measure(participant=world.participant, occasion="interim", on=D(2025, 6, 1),
                               needs={"housing": 4}, by=world.coordinator)
    with pytest.raises(InvalidInput):
        services.needs_measure(participant=world.participant, occasion="someday", on=D(2025, 6, 1),
                               needs={}, by=world.coordinator)


def test_the_needs_typed_on_the_record_are_the_intake_then_correct_the_latest(world: World) -> None:
    p = services.participant_save(data={"project": world.project, "first_name": "Anna", "last_name": "Claes",
                                        "postcode": "9000", "needs": {"income": 3}}, by=world.coordinator)
    assert list(p.needs_measurements.values_list("occasion", "needs")) == [("intake", {"income": 3})]
    services.participant_save(participant=p, data={"needs": {"income": 2}}, by=world.coordinator)
    assert list(p.needs_measurements.values_list("occasion", "needs")) == [("intake", {"income": 2})]


def test_the_migration_makes_the_stored_needs_the_first_measurement(world: World) -> None:
    NeedsMeasurement.objects.all().delete()
    world.participant.needs = {"social": 3}
    world.participant.save()
    migration = importlib.import_module("buddynet.records.people.migrations.0008_needs_history_from_the_current_needs")
    migration.forward(apps, None)
    row = NeedsMeasurement.objects.get(participant=world.participant)
    assert (row.occasion, row.needs, row.date) == ("intake", {"social": 3}, world.participant.created_at.date())


def consenting(w: World) -> Any:
    return f.ParticipantFactory(project=w.project, consent_scope="research", consent_date=D(2025, 1, 1), needs={})


def test_the_funder_report_aggregates_the_change_by_hand_and_suppresses_below_five(world: World) -> None:
    cases = [
        ({"housing": 3, "income": 2, "social": 3}, {"housing": 1, "social": 1, "work": 1}),  # 8 → 3
        ({"social": 2}, {"social": 2}),  # 2 → 2
        ({"health": 3}, {"health": 1}),  # 3 → 1
        ({"work": 1}, {"work": 3}),  # 1 → 3
        ({"income": 3, "housing": 3}, {"income": 1}),  # 6 → 1
    ]
    for before, after in cases[:4]:
        measured(world, consenting(world), ("intake", D(2025, 1, 10), before), ("closure", D(2025, 11, 1), after))
    no_consent = f.ParticipantFactory(project=world.project, consent_scope="network", consent_date=D(2025, 1, 1))
    measured(world, no_consent, ("intake", D(2025, 1, 10), {"housing": 3}), ("closure", D(2025, 11, 1), {}))

    four = needs_change_section(project_ids=[world.project.pk], start=D(2025, 1, 1), end=D(2025, 12, 31))
    assert four is not None and four["participants_measured"] == "< 5" and four["average_total_change"] == "< 5"

    last_before, last_after = cases[4]
    measured(world, consenting(world), ("intake", D(2025, 1, 10), last_before), ("closure", D(2025, 11, 1), last_after))
    five = needs_change_section(project_ids=[world.project.pk], start=D(2025, 1, 1), end=D(2025, 12, 31))
    assert five is not None
    # before 8+2+3+1+6 = 20 → 4.0; after 3+2+1+3+1 = 10 → 2.0; change −2.0; 3 of 5 with less need: "< 5".
    assert (five["participants_measured"], five["average_total_before"], five["average_total_after"],
            five["average_total_change"], five["share_less_need"]) == (5, 4.0, 2.0, -2.0, "< 5")
    per_domain = {row["domain"]: row["average_change"] for row in five["domains"]}
    # housing −2 −3, income −2 −2, social −2, work +1 +2, health −2: over 5 participants.
    assert (per_domain["housing"], per_domain["income"], per_domain["social"], per_domain["work"],
            per_domain["health"], per_domain["leisure"]) == (-1.0, -0.8, -0.4, 0.6, -0.4, 0.0)
    # No measurement after the period's start: nothing to show for an earlier period.
    assert needs_change_section(project_ids=[world.project.pk], start=D(2026, 1, 1), end=D(2026, 12, 31)) is None
    grant = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-2025-009",
                                 amount=Decimal("40000"), start_date=D(2025, 1, 1), end_date=D(2027, 12, 31))
    report = reports.grant_report(grant=grant, start=D(2025, 1, 1), end=D(2025, 12, 31))
    assert report["needs_change"] == five
    with translation.override("nl"):
        html = render.html_document(report)
        sheets = [s.title for s in render.sections(report)]
    assert "Noden door de tijd" in html and "Aandeel met minder nood" in html
    assert "Noden door de tijd" in sheets
