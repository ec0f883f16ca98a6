"""One switch for the report's file formats (funding/outputs.py): the grant report, the portfolio
made on the request and the portfolio made by a task each serve every format of FILE_FORMATS with
its content type, and a file of that kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from buddynet.features.funding import outputs, services
from buddynet.features.funding.models import PortfolioJob
from tests.conftest import World
from tests.funding.builders import hand_built, second_grant

MAGIC = {"pdf": b"%PDF-", "xlsx": b"PK\x03\x04", "csv": b"\xef\xbb\xbf"}  # CSV: UTF-8 with BOM
QUERY = "?start=2025-01-01&end=2025-12-31"


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_format_has_its_magic_here() -> None:
    assert set(MAGIC) == set(outputs.FILE_FORMATS)  # a format added there is tested here


def test_the_report_and_the_portfolio_serve_every_format_from_one_switch(world: World) -> None:
    hand = hand_built(world.funder, project=world.project)
    report = services.report_create(grant=hand.grant, period_start=dt.date(2025, 1, 1),
                                    period_end=dt.date(2025, 12, 31), by=world.coordinator)
    services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    funder = Client()
    funder.force_login(world.funder_user)
    for fmt, magic in MAGIC.items():
        for url in (reverse("funding:report-as", args=[report.pk, fmt]),
                    reverse("funding:portfolio-as", args=[world.funder.pk, fmt]) + QUERY):  # one project
            got = funder.get(url)
            assert got.status_code == 200, url
            assert got["Content-Type"] == outputs.content_type(fmt), url
            assert got["Content-Disposition"].endswith(f'.{fmt}"'), url
            assert body_of(got).startswith(magic), url


def test_the_portfolio_job_stores_and_serves_every_format_from_the_same_switch(world: World) -> None:
    hand_built(world.funder, project=world.project)
    second_grant(world.funder)  # two projects: made by the task
    funder = Client()
    funder.force_login(world.funder_user)
    for fmt, magic in MAGIC.items():
        job = services.portfolio_job_request(funder=world.funder, by=world.funder_user, start=dt.date(2025, 1, 1),
                                             end=dt.date(2025, 12, 31), fmt=fmt)
        done = services.portfolio_job_execute(job_id=job.pk)
        assert done is not None and done.status == PortfolioJob.Status.DONE, done and done.error
        got = funder.get(reverse("funding:portfolio-job-download", args=[job.pk]))
        assert got.status_code == 200 and got["Content-Type"] == outputs.content_type(fmt)
        assert body_of(got).startswith(magic)


def test_a_document_part_the_pdf_does_not_know_is_refused_not_dropped() -> None:
    with pytest.raises(TypeError):
        outputs.output_file({"kind": "grant"}, "pdf", narative={"highlights": "typo"})
    with pytest.raises(ValueError):
        outputs.output_file({"kind": "grant"}, "docx")
