"""The admin's change lists count cheaply (issue 20, buddynet/admin_scoping.py CheapCounts): one
COUNT at most (no second, unfiltered one for "N total"), and on PostgreSQL none for a whole big
table, whose count is the planner's estimate; exact whenever the list is filtered or scoped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from buddynet.records.people.models import Project
from tests import factories as f
from tests.conftest import require_postgres

PROJECTS = "/admin/people/project/"


def _get(user: Any, url: str) -> tuple[Any, list[str]]:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    counts = [q["sql"] for q in queries.captured_queries
              if "COUNT(" in q["sql"] and '"people_project"' in q["sql"].split("FROM", 1)[-1][:40]]
    return response.context["cl"], counts


def _analyse_projects() -> int:
    """ANALYZE the project table (it also counts this test's own, uncommitted rows) and return
    PostgreSQL's estimate of its rows."""
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "people_project"')
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", ['"people_project"'])
        return int(cursor.fetchone()[0])


@pytest.fixture
def more_projects(world: Any) -> int:
    for n in range(3):
        f.ProjectFactory(organisation=world.project.organisation, name=f"Buddy Gent {n}")
    return Project.objects.count()


def test_a_filtered_list_is_counted_once_not_twice(world, more_projects, settings):
    settings.ADMIN_COUNT_ESTIMATE_ABOVE = 0
    cl, counts = _get(world.admin, f"{PROJECTS}?q=Gent")
    # Only the filtered count: no second COUNT of the whole table for "N total".
    assert len(counts) == 1, counts
    assert cl.result_count == Project.objects.filter(name__icontains="Gent").count()
    assert cl.full_result_count is None
    assert not cl.paginator.estimated


def test_on_sqlite_a_whole_big_table_is_counted_exactly(world, more_projects, settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL estimates (the next tests)")
    settings.ADMIN_COUNT_ESTIMATE_ABOVE = 0
    cl, counts = _get(world.admin, PROJECTS)
    assert cl.result_count == more_projects
    assert len(counts) == 1 and not cl.paginator.estimated


def test_on_postgresql_a_whole_big_table_is_estimated(world, more_projects, settings):
    require_postgres()
    estimate = _analyse_projects()
    settings.ADMIN_COUNT_ESTIMATE_ABOVE = 1  # "big" without inserting 10,000 rows
    cl, counts = _get(world.admin, PROJECTS)
    assert cl.paginator.estimated
    assert counts == []  # no COUNT(*) at all
    assert cl.result_count == estimate > 1


def test_on_postgresql_a_filtered_or_small_list_is_counted_exactly(world, more_projects, settings):
    require_postgres()
    _analyse_projects()
    settings.ADMIN_COUNT_ESTIMATE_ABOVE = 1
    cl, counts = _get(world.admin, f"{PROJECTS}?organisation__id__exact={world.project.organisation_id}")
    assert not cl.paginator.estimated and len(counts) == 1
    assert cl.result_count == Project.objects.filter(organisation=world.project.organisation).count()

    settings.ADMIN_COUNT_ESTIMATE_ABOVE = 10_000  # the default: the table is small
    cl, counts = _get(world.admin, PROJECTS)
    assert not cl.paginator.estimated and len(counts) == 1
    assert cl.result_count == more_projects


def test_a_coordinators_list_is_scoped_so_counted_exactly(world, more_projects, settings):
    if connection.vendor == "postgresql":
        _analyse_projects()
    settings.ADMIN_COUNT_ESTIMATE_ABOVE = 0
    cl, counts = _get(world.coordinator, PROJECTS)
    assert not cl.paginator.estimated and len(counts) == 1
    assert cl.result_count == 1  # their one project, counted


def test_the_check_in_list_filters_by_date_without_a_date_hierarchy(world):
    # date_hierarchy scanned every check-in in scope twice per load for its years (issue 20);
    # the date filter's links (today, past 7 days, this month, this year) need no query.
    today = timezone.localdate()
    recent = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=today)
    old = f.CheckInFactory(duo=world.duo, author=world.volunteer_user, date=dt.date(today.year - 1, 5, 4))
    client = Client()
    client.force_login(world.coordinator)
    response = client.get("/admin/duos/checkin/")
    cl = response.context["cl"]
    assert cl.date_hierarchy is None
    date_filter = next(spec for spec in cl.filter_specs if getattr(spec, "field_path", "") == "date")
    this_year = next(c for c in date_filter.choices(cl) if "date__gte" in c["query_string"]
                     and f"{today.year}-01-01" in c["query_string"])
    response = client.get("/admin/duos/checkin/" + this_year["query_string"])
    shown = set(response.context["cl"].result_list)
    assert recent in shown and old not in shown
