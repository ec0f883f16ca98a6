"""The portfolio report off the request (issue 20, item 3): over more than one project the page
asks a Celery task for it, shows its progress, then offers the result, only to who asked.

Celery runs the task in this process (`eager`, or `.apply` as tests/matching do); the broker
outage test publishes to a port where nothing listens, as tests/notifications do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from buddynet.celery import app
from buddynet.features.funding import render, reports, services, tasks
from buddynet.features.funding.models import BudgetLine, Expense, Grant, PortfolioJob
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from tests import factories as f
from tests.conftest import World
from tests.funding.builders import hand_built, pages, second_grant

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
QUERY = f"?start={START}&end={END}"


@pytest.fixture
def eager() -> Iterator[None]:
    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = old


def projects(funder: Any, n: int) -> list[Grant]:
    """n projects of the funder, each with a grant, money spent, and two duos that met."""
    grants = []
    for i in range(n):
        project = f.ProjectFactory(name=f"Buddy {i:03d}")
        grant = Grant.objects.create(funder=funder, project=project, reference=f"WVG-{funder.pk}-{i:03d}",
                                     amount=Decimal("40000"), start_date=START, end_date=dt.date(2027, 12, 31))
        line = BudgetLine.objects.create(grant=grant, kind="personnel", amount=Decimal("30000"))
        Expense.objects.create(grant=grant, budget_line=line, date=dt.date(2025, 3, 1), amount=Decimal("1000"),
                               description="Loon")
        for _ in range(2):
            f.CheckInFactory(duo=f.DuoFactory(participant=f.ParticipantFactory(project=project)))
        grants.append(grant)
    return grants


def job_of(response: Any) -> PortfolioJob:
    assert response.status_code == 302, response.status_code
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert response["Location"] == reverse("funding:portfolio-job", args=[job_id])
    return PortfolioJob.objects.get(pk=job_id)


# --- the task ---------------------------------------------------------------------------------
def test_the_task_counts_the_projects_off_at_fixed_checkpoints(world: World) -> None:
    projects(world.funder, 3)
    job = services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=START, end=END)
    writer = services._JobProgress(job.pk)
    seen: list[tuple[str, int, int, int]] = []

    def spy(done: int, total: int) -> None:  # the real writer, then what the page would read
        writer.project(done, total)
        seen.append(PortfolioJob.objects.values_list("stage", "projects_done", "projects_total", "progress")
                    .get(pk=job.pk))

    reports.portfolio_report(funder=world.funder, start=START, end=END, progress=spy)

    assert seen == [("projects", 0, 3, 20), ("projects", 1, 3, 30), ("projects", 2, 3, 40), ("projects", 3, 3, 50)]


def test_the_task_makes_what_the_request_made_for_one_project(world: World) -> None:
    hand_built(world.funder, project=world.project)
    second_grant(world.funder)
    today = timezone.localdate()
    job = services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=START, end=END,
                                         fmt="csv", sort="reached", descending=True)

    assert tasks.portfolio_job_execute.apply(args=[job.pk]).get() == "done"

    job.refresh_from_db()
    assert (job.status, job.progress, job.stage, job.projects_done, job.projects_total) == ("done", 100, "", 2, 2)
    synchronous = render.sort_rows(reports.portfolio_report(funder=world.funder, start=START, end=END, today=today),
                                   "reached", descending=True)
    with job.result.open("rb") as handle:
        assert handle.read() == render.csv_bytes(synchronous)
    # A second delivery of the same message finds nothing to claim.
    assert tasks.portfolio_job_execute.apply(args=[job.pk]).get() == "skipped"


def test_the_html_result_is_the_report_body_the_page_made_before(world: World) -> None:
    hand_built(world.funder, project=world.project)
    second_grant(world.funder)
    job = services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=START, end=END,
                                         language="nl-be")

    services.portfolio_job_execute(job_id=job.pk)

    job.refresh_from_db()
    numbers = reports.portfolio_report(funder=world.funder, start=START, end=END)
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("nl-be"):
        expected = render_to_string("funding/_report_body.html", render.context(
            numbers, sortable=True, sort="", descending=False,
            sort_base=reverse("funding:portfolio", args=[world.funder.pk])))
    with job.result.open("rb") as handle:
        assert handle.read().decode() == expected
    assert "Geld per project" in expected


def _task_queries(funder: Any, user: Any) -> list[str]:
    job = services.portfolio_job_request(funder=funder, by=user, start=START, end=END)
    with CaptureQueriesContext(connection) as queries:
        services.portfolio_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done", job.error
    return [q["sql"] for q in queries.captured_queries]


def test_the_task_needs_the_same_queries_for_3_and_for_30_projects(world: World) -> None:
    small, big = f.FunderFactory(name="Klein"), f.FunderFactory(name="Groot")
    for funder in (small, big):
        membership_grant(user=world.funder_user, role=Role.FUNDER, funder=funder)
    projects(small, 3)
    projects(big, 30)

    at_3 = _task_queries(small, world.funder_user)
    at_30 = _task_queries(big, world.funder_user)

    assert len(at_3) == len(at_30), (len(at_3), len(at_30))
    # The claim, the grouped reads of the report, a write per stage and PORTFOLIO_CHECKPOINTS
    # progress writes, the result: pinned, so a query per project cannot creep in.
    assert len(at_30) == 30, "\n".join(at_30)


# --- the pages --------------------------------------------------------------------------------
def test_the_funder_starts_follows_and_downloads_a_portfolio_pdf_in_dutch(
        world: World, eager: None, django_capture_on_commit_callbacks: Any) -> None:
    hand_built(world.funder, project=world.project)
    second_grant(world.funder)
    client = pages(world.funder_user)

    with django_capture_on_commit_callbacks(execute=False) as enqueue:
        job = job_of(client.get(reverse("funding:portfolio-as", args=[world.funder.pk, "pdf"]) + QUERY))
    waiting = client.get(reverse("funding:portfolio-job", args=[job.pk]))
    progress = json.loads(client.get(reverse("funding:portfolio-job-progress", args=[job.pk])).content)

    assert len(enqueue) == 1 and job.status == "queued" and job.fmt == "pdf" and job.language == "nl-be"
    body = waiting.content.decode()
    assert waiting.status_code == 200 and waiting["Cache-Control"] == "no-store"
    assert 'role="progressbar"' in body and 'aria-valuenow="0"' in body and 'aria-live="polite"' in body
    assert '<noscript><meta http-equiv="refresh"' in body and "portfolio_job.js" in body
    assert "Wachten op een vrije verwerker" in body
    assert progress == {"status": "queued", "progress": 0, "stage": "", "text": "Wachten op een vrije verwerker…",
                        "projects_done": 0, "projects_total": 0, "finished": False}
    # The same request again (a reload, a second click) finds the same job.
    assert job_of(client.get(reverse("funding:portfolio-as", args=[world.funder.pk, "pdf"]) + QUERY)) == job

    enqueue[0]()  # the commit hands the job to the (eager) broker: the task runs

    ready = client.get(reverse("funding:portfolio-job", args=[job.pk])).content.decode()
    download = client.get(reverse("funding:portfolio-job-download", args=[job.pk]))
    done = json.loads(client.get(reverse("funding:portfolio-job-progress", args=[job.pk])).content)
    assert "Het rapport is klaar" in ready or "Gemaakt op" in ready
    assert reverse("funding:portfolio-job-download", args=[job.pk]) in ready and "progressbar" not in ready
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "no-store" and "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert done["finished"] and done["status"] == "done" and done["progress"] == 100
    assert (done["projects_done"], done["projects_total"]) == (2, 2)


def test_the_progress_says_the_step_and_the_projects_done(world: World) -> None:
    projects(world.funder, 3)
    job = services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=START, end=END)
    PortfolioJob.objects.filter(pk=job.pk).update(status="running", stage="projects", progress=40,
                                                  projects_done=2, projects_total=3)
    client = pages(world.funder_user)

    page = client.get(reverse("funding:portfolio-job", args=[job.pk])).content.decode()
    state = json.loads(client.get(reverse("funding:portfolio-job-progress", args=[job.pk])).content)

    assert state["text"] == "Stap 2 van 4: de projecten overlopen. 2 van 3 projecten klaar."
    assert 'aria-valuenow="40"' in page and state["text"] in page


def test_an_html_portfolio_is_shown_on_the_job_page_with_its_sort_links(world: World) -> None:
    hand_built(world.funder, project=world.project)
    second_grant(world.funder)
    client = pages(world.funder_user)
    job = job_of(client.get(reverse("funding:portfolio", args=[world.funder.pk]) + QUERY + "&sort=reached"))

    services.portfolio_job_execute(job_id=job.pk)
    page = client.get(reverse("funding:portfolio-job", args=[job.pk])).content.decode()

    assert "Projecten naast elkaar" in page and "Buddy Twee" in page
    portfolio = reverse("funding:portfolio", args=[world.funder.pk])
    assert f'href="{portfolio}?start=2025-01-01&amp;end=2025-12-31&amp;sort=reached&amp;order=desc#compare"' in page
    assert client.get(reverse("funding:portfolio-job-download", args=[job.pk])).status_code == 404  # HTML: no file


def test_one_project_is_still_made_on_the_request(world: World) -> None:
    hand_built(world.funder, project=world.project)

    response = pages(world.funder_user).get(reverse("funding:portfolio", args=[world.funder.pk]) + QUERY)

    assert response.status_code == 200 and "Geld per project" in response.content.decode()
    assert not PortfolioJob.objects.exists()


# --- access -----------------------------------------------------------------------------------
def test_a_job_is_only_for_who_asked(world: World) -> None:
    hand_built(world.funder, project=world.project)
    second_grant(world.funder)
    colleague = f.UserFactory(email="collega@example.be")  # views the same funder
    membership_grant(user=colleague, role=Role.FUNDER, funder=world.funder)
    outsider = f.UserFactory(email="ander@example.be")  # another funder's viewer
    membership_grant(user=outsider, role=Role.FUNDER, funder=f.FunderFactory(name="Koning Boudewijnstichting"))
    job = services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=START, end=END, fmt="csv")
    services.portfolio_job_execute(job_id=job.pk)
    paths = [reverse(name, args=[job.pk]) for name in
             ("funding:portfolio-job", "funding:portfolio-job-progress", "funding:portfolio-job-download")]

    assert [pages(world.funder_user).get(p).status_code for p in paths] == [200, 200, 200]
    for user in (colleague, outsider, world.coordinator, world.volunteer_user):
        client = pages(user)
        assert [client.get(p).status_code for p in paths] == [404, 404, 404], user
        assert client.post(reverse("funding:portfolio-job-retry", args=[job.pk])).status_code == 404
    assert Client().get(paths[0]).status_code == 302  # to the sign-in
    # Another funder's portfolio, and no funder at all: 404 before any job is made.
    for user in (outsider, world.coordinator, world.volunteer_user):
        assert pages(user).get(reverse("funding:portfolio", args=[world.funder.pk])).status_code == 404
    assert PortfolioJob.objects.count() == 1


def test_a_result_is_gone_when_its_time_is_up(world: World) -> None:
    projects(world.funder, 2)
    job = services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=START, end=END, fmt="csv")
    services.portfolio_job_execute(job_id=job.pk)
    job.refresh_from_db()
    stored = Path(job.result.path)
    assert stored.exists()

    with time_machine.travel(job.expires_at + dt.timedelta(minutes=1)):
        assert pages(world.funder_user).get(reverse("funding:portfolio-job", args=[job.pk])).status_code == 404
        assert services.portfolio_jobs_sweep()["deleted"] == 1

    assert not PortfolioJob.objects.exists() and not stored.exists()


# --- failure, retry, and a broker that is down ------------------------------------------------
def test_a_failed_job_says_so_and_the_funder_asks_again(world: World, settings: Any, tmp_path: Path) -> None:
    projects(world.funder, 2)
    client = pages(world.funder_user)
    job = job_of(client.get(reverse("funding:portfolio-as", args=[world.funder.pk, "xlsx"]) + QUERY))
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked  # the result cannot be stored (a full or read-only disk)

    services.portfolio_job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed" and job.error and not job.result
    page = client.get(reverse("funding:portfolio-job", args=[job.pk])).content.decode()
    assert 'role="alert"' in page and "Het maken van het rapport is mislukt" in page
    assert reverse("funding:portfolio-job-retry", args=[job.pk]) in page and "progressbar" not in page
    # The same address asks for a new job, not the failed one.
    settings.MEDIA_ROOT = tmp_path / "media"
    retried = client.post(reverse("funding:portfolio-job-retry", args=[job.pk]))
    again = job_of(retried)
    assert again.pk != job.pk and (again.fmt, again.period_start, again.period_end) == ("xlsx", START, END)
    services.portfolio_job_execute(job_id=again.pk)
    again.refresh_from_db()
    assert again.status == "done"
    assert client.post(reverse("funding:portfolio-job-retry", args=[again.pk])).status_code == 302
    assert PortfolioJob.objects.count() == 2  # a job that did not fail is not asked again


def test_nothing_is_lost_when_the_broker_is_down(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    from tests.integration.processes import free_port
    from tests.notifications.brokers import use_broker

    projects(world.funder, 2)
    client = pages(world.funder_user)
    with use_broker(f"redis://127.0.0.1:{free_port()}/0"), \
            django_capture_on_commit_callbacks(execute=True) as enqueue:
        job = job_of(client.get(reverse("funding:portfolio", args=[world.funder.pk]) + QUERY))

    assert len(enqueue) == 1  # handing it to the broker was tried, failed, and did not fail the page
    job.refresh_from_db()
    assert job.status == "queued"
    assert client.get(reverse("funding:portfolio-job", args=[job.pk])).status_code == 200

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        assert services.portfolio_jobs_sweep()["enqueued"] == 0  # within the grace: the first message may come
        with time_machine.travel(timezone.now() + services.PORTFOLIO_SWEEP_GRACE + dt.timedelta(seconds=1)):
            assert services.portfolio_jobs_sweep()["enqueued"] == 1
    finally:
        app.conf.task_always_eager = old
    job.refresh_from_db()
    assert job.status == "done" and job.result


def test_a_job_whose_worker_was_lost_is_marked_failed(world: World) -> None:
    projects(world.funder, 2)
    job = services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=START, end=END)
    PortfolioJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())

    with time_machine.travel(timezone.now() + services.PORTFOLIO_LOST_AFTER + dt.timedelta(seconds=1)):
        assert services.portfolio_jobs_sweep()["lost"] == 1

    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("Lost")


def test_a_funder_cannot_pile_up_jobs(world: World) -> None:
    from buddynet.errors import Conflict

    projects(world.funder, 2)
    for month in range(1, services.PORTFOLIO_MAX_OPEN + 1):
        services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=dt.date(2025, month, 1),
                                       end=dt.date(2025, month, 28))

    with pytest.raises(Conflict):
        services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=START, end=END)
    response = pages(world.funder_user).get(reverse("funding:portfolio", args=[world.funder.pk]) + QUERY)
    assert response.status_code == 302 and response["Location"] == reverse("funding:portal")
    assert PortfolioJob.objects.count() == services.PORTFOLIO_MAX_OPEN


def test_a_period_outside_the_plausible_window_queues_no_job(world: World) -> None:
    """The job's period dates have the plausible window (PortfolioJob's validators), checked by
    the service that queues it: a period from year 1 to 9999 is refused, not computed."""
    from buddynet.errors import InvalidInput

    projects(world.funder, 2)
    with pytest.raises(InvalidInput) as refused:
        services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=dt.date(1, 1, 1),
                                       end=dt.date(9999, 12, 31))
    assert set(refused.value.message) == {"start"}
    response = pages(world.funder_user).get(reverse("funding:portfolio", args=[world.funder.pk]),
                                            {"start": "0001-01-01", "end": "9999-12-31"})
    assert response.status_code == 404  # as any period that is no period (it was a 500: OverflowError)
    assert PortfolioJob.objects.count() == 0
