"""A hand-built project whose report numbers are worked out by hand in test_reports.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from buddynet.features.funding.models import BudgetLine, Expense, Grant, ReportingObligation, Tranche
from buddynet.records.duos.models import DuoStatus
from tests import factories as f

D = dt.date
# A first name no generated person has (Faker's nl_BE list holds "Zoë": a random participant once matched it).
SECRET_FIRST, SECRET_LAST = "Zoëlle", "Vanderhaegen-Quispel"
SECRET_NOTE = "Heeft schulden bij de buurman"


@dataclass
class Hand:
    project: Any
    grant: Grant
    duos: list[Any]
    author: Any


def duo(project: Any, *, started: dt.date | None, introduced: dt.date | None, proposed: dt.date,
        closed: dt.date | None = None, reason: str = "", needs: dict[str, int] | None = None,
        **participant: Any) -> Any:
    status = DuoStatus.CLOSED if closed else DuoStatus.ACTIVE if started else DuoStatus.PROPOSED
    p = f.ParticipantFactory(project=project, needs=needs or {"social": 3, "administration": 2},
                             status="closed" if closed else "matched", **participant)
    return f.DuoFactory(participant=p, volunteer=f.VolunteerFactory(project=project), status=status,
                        proposed_on=proposed, introduced_on=introduced, started_on=started, closed_on=closed,
                        closure_reason=reason)


def check_ins(d: Any, author: Any, first: dt.date, n: int, every: int = 14, **extra: Any) -> None:
    for i in range(n):
        f.CheckInFactory(duo=d, author=author, date=first + dt.timedelta(days=every * i), **extra)


def hand_built(funder: Any, project: Any | None = None) -> Hand:
    project = project or f.ProjectFactory(name="Buddy Hand", contact_cadence_days=14)
    author = f.UserFactory()
    march = {"started": D(2025, 3, 1), "introduced": D(2025, 2, 20), "proposed": D(2025, 2, 15)}
    d1 = duo(project, **march, needs={"housing": 2, "social": 1}, first_name=SECRET_FIRST, last_name=SECRET_LAST,
             notes=SECRET_NOTE)
    d2 = duo(project, **march, needs={"housing": 3, "social": 1})
    d3, d4, d5 = (duo(project, **march) for _ in range(3))
    d6 = duo(project, started=D(2025, 2, 1), introduced=D(2025, 1, 25), proposed=D(2025, 1, 20),
             closed=D(2025, 8, 1), reason="goals_reached")
    d7 = duo(project, started=D(2025, 1, 15), introduced=D(2025, 1, 10), proposed=D(2025, 1, 5),
             closed=D(2025, 7, 15), reason="moved")
    duo(project, started=None, introduced=None, proposed=D(2025, 11, 1))  # d8: only proposed
    d9 = duo(project, started=D(2024, 3, 1), introduced=D(2024, 2, 20), proposed=D(2024, 2, 1),
             closed=D(2024, 12, 1), reason="health")  # closed before the period
    duo(project, started=None, introduced=None, proposed=D(2025, 4, 1), closed=D(2025, 4, 20),
        reason="not_started")  # d10
    check_ins(d1, author, D(2025, 3, 1), 22, note=SECRET_NOTE)
    f.CheckInFactory(duo=d1, author=author, date=D(2026, 1, 5))  # after the period
    for d in (d2, d3, d4, d5):
        check_ins(d, author, D(2025, 3, 3), 5, every=30)
    f.CheckInFactory(duo=d2, author=author, date=D(2025, 9, 9), concern=True, concern_note=SECRET_NOTE,
                     concern_handled_at=dt.datetime(2025, 9, 10, tzinfo=dt.UTC))
    f.CheckInFactory(duo=d3, author=author, date=D(2025, 9, 9), concern=True, concern_note=SECRET_NOTE)
    check_ins(d6, author, D(2025, 2, 1), 13)
    check_ins(d7, author, D(2025, 1, 20), 2, every=60)
    check_ins(d9, author, D(2024, 4, 1), 3)
    grant = Grant.objects.create(funder=funder, project=project, reference="WVG-2025-001", amount=Decimal("45000"),
                                 start_date=D(2025, 1, 1), end_date=D(2027, 12, 31))
    personnel = BudgetLine.objects.create(grant=grant, kind="personnel", amount=Decimal("30000"))
    operating = BudgetLine.objects.create(grant=grant, kind="operating", amount=Decimal("10000"))
    BudgetLine.objects.create(grant=grant, kind="training", amount=Decimal("5000"))
    Expense.objects.create(grant=grant, budget_line=personnel, date=D(2025, 6, 30), amount=Decimal("12000"),
                           description="Loon coördinator", supplier="Sociaal secretariaat")
    Expense.objects.create(grant=grant, budget_line=operating, date=D(2025, 3, 10), amount=Decimal("1500"),
                           description="Huur lokaal", supplier="Stad Gent")
    Expense.objects.create(grant=grant, budget_line=operating, date=D(2026, 2, 1), amount=Decimal("800"),
                           description="Drukwerk", supplier="Drukkerij")
    Tranche.objects.create(grant=grant, due_on=D(2025, 1, 15), amount=Decimal("18000"), paid_on=D(2025, 1, 20))
    Tranche.objects.create(grant=grant, due_on=D(2025, 12, 1), amount=Decimal("18000"),
                           condition="na goedkeuring van het jaarverslag")
    Tranche.objects.create(grant=grant, due_on=D(2027, 6, 1), amount=Decimal("9000"))
    ReportingObligation.objects.create(grant=grant, kind="yearly_content", due_on=D(2026, 3, 31))
    return Hand(project=project, grant=grant, duos=[d1, d2, d3, d4, d5, d6, d7], author=author)


def second_grant(funder: Any) -> Grant:
    """Money only (no duos): a grant of the same funder on another project, over another period,
    for the portfolio's sums. Its numbers are worked out in test_reports.py."""
    project = f.ProjectFactory(name="Buddy Twee", contact_cadence_days=14)
    grant = Grant.objects.create(funder=funder, project=project, reference="WVG-2025-002", amount=Decimal("40000"),
                                 start_date=D(2025, 7, 1), end_date=D(2028, 6, 30))
    personnel = BudgetLine.objects.create(grant=grant, kind="personnel", amount=Decimal("25000"))
    allowances = BudgetLine.objects.create(grant=grant, kind="volunteer_allowances", amount=Decimal("10000"))
    BudgetLine.objects.create(grant=grant, kind="other", amount=Decimal("5000"))
    Expense.objects.create(grant=grant, budget_line=personnel, date=D(2025, 9, 30), amount=Decimal("5000"),
                           description="Loon", supplier="Sociaal secretariaat")
    Expense.objects.create(grant=grant, budget_line=allowances, date=D(2025, 12, 15), amount=Decimal("1000"),
                           description="Forfaitaire vergoedingen", supplier="")
    Expense.objects.create(grant=grant, budget_line=personnel, date=D(2026, 3, 1), amount=Decimal("2000"),
                           description="Loon", supplier="Sociaal secretariaat")
    Tranche.objects.create(grant=grant, due_on=D(2025, 7, 15), amount=Decimal("16000"), paid_on=D(2025, 7, 20))
    Tranche.objects.create(grant=grant, due_on=D(2025, 12, 15), amount=Decimal("12000"), paid_on=D(2026, 1, 5))
    Tranche.objects.create(grant=grant, due_on=D(2028, 1, 1), amount=Decimal("12000"))
    return grant


def seed_caps() -> None:
    """The legal allowance caps as the data migration seeds them (a transactional test elsewhere
    may have flushed the table)."""
    from importlib import import_module

    from django.apps import apps

    import_module("buddynet.features.funding.migrations.0003_seed_allowance_caps").seed(apps, None)


LONG_CONDITION = "na goedkeuring van het inhoudelijke en financiële jaarverslag door de administratie"


def wide_grant(funder: Any, i: int) -> Grant:
    """Four times the demo's width and length: every budget line, four calendar years, amounts in
    the hundreds of thousands (a funder with a higher cap), twelve tranches with long conditions,
    eight reporting obligations and a long project name — for the PDF layout tests."""
    from buddynet.features.funding.models import BudgetLineKind

    project = f.ProjectFactory(name=f"Persoonlijke vriend Oost-Vlaanderen en Zeeuws-Vlaanderen, deelproject {i}",
                               contact_cadence_days=14)
    amount = Decimal("199999.99")
    grant = Grant.objects.create(funder=funder, project=project, reference=f"WVG-2025-OVL-{i:04d}", amount=amount,
                                 start_date=D(2025, 7, 1), end_date=D(2028, 6, 30))
    kinds = list(BudgetLineKind.values)
    for kind in kinds:
        line = BudgetLine.objects.create(grant=grant, kind=kind, amount=Decimal("39999.99"))
        for year in (2025, 2026, 2027, 2028):
            Expense.objects.create(grant=grant, budget_line=line, date=D(year, 3 if year > 2025 else 9, 1),
                                   amount=Decimal("9876.54"), description="Kosten")
    for n in range(12):
        Tranche.objects.create(grant=grant, due_on=D(2025 + n // 4, 1 + 3 * (n % 4), 15), amount=Decimal("16666.66"),
                               condition=LONG_CONDITION, paid_on=D(2025, 1, 20) if n < 2 else None)
    for n in range(8):
        ReportingObligation.objects.create(grant=grant, kind=("yearly_content", "financial", "final")[n % 3],
                                           due_on=D(2025 + n // 3, 3, 31))
    return grant


def portfolio_get(client: Any, url: str) -> Any:
    """A portfolio page or file as the funder ends up with it. Over more than one project the page
    asks for a job and sends the funder to its progress page (issue 20); the job is made here by
    its Celery task, run in this process as a worker would run it, and the result is read from
    the job's page (HTML) or its download (PDF, CSV, XLSX). One project: the response as it is."""
    from django.http import HttpResponse
    from django.urls import resolve

    from buddynet.features.funding import tasks

    response = client.get(url)
    if response.status_code != 302 or resolve(response["Location"]).url_name != "portfolio-job":
        return response
    job_url = response["Location"]
    job_id = resolve(job_url).kwargs["job_id"]
    tasks.portfolio_job_execute.apply(args=[job_id])
    page = client.get(job_url)
    download = page.context["job"].fmt != "html" and page.context["job"].status == "done"
    if not download:
        return page
    result = client.get(f"{job_url}download/")
    return HttpResponse(b"".join(result.streaming_content), content_type=result["Content-Type"],
                        headers={"Content-Disposition": result["Content-Disposition"]})


def png(name: str = "foto.png") -> Any:
    """A small real PNG upload (an annex or a receipt)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pages(user: Any) -> Any:
    """A browser session signed in as `user` (the funding pages' tests)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
