"""The organisation administrator bundles its organisations' signals into the report (issue 18):
the report page, PDF, XLSX and API over its organisations' projects; another organisation's
project → 404 (API: "does not exist"), and no other signal page opens for it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from buddynet.features.signals import services
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2025-01-01", "end": "2025-12-31", "municipality": ""}


@pytest.fixture
def org_admin(world: World) -> Any:
    user = f.UserFactory(email="olga@example.be")
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    for project, n in ((world.project, 6), (world.other_project, 7)):
        coordinator = world.coordinator if project == world.project else world.other_coordinator
        for i in range(n):
            p = f.ParticipantFactory(
                project=project,
                municipality="Gent",
                postcode="9000",
                consent_scope="research",
                consent_date=dt.date(2025, 1, 1),
                first_name=f"Naam{i}",
            )
            services.signal_record(
                participant=p,
                by=coordinator,
                on=dt.date(2025, 3, 1),
                data={"barrier_type": "waiting-lists", "life_domain": "housing"},
            )
    return user


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(user)
    return client


def counts(numbers: dict[str, Any]) -> list[Any]:
    return [c["count"] for c in numbers["cells"]]


def test_the_org_admin_makes_the_report_of_its_organisations_projects(world: World, org_admin: Any) -> None:
    client = signed_in(org_admin)
    page = client.get("/signalen/rapport/", PERIOD)
    assert page.status_code == 200
    assert counts(page.context["numbers"]) == [6]  # not the other organisation's 7
    one = client.get("/signalen/rapport/", {**PERIOD, "project": world.project.pk})
    assert one.status_code == 200 and counts(one.context["numbers"]) == [6]

    pdf = client.get("/signalen/rapport/", {**PERIOD, "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = client.get("/signalen/rapport/", {**PERIOD, "format": "xlsx"})
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    values = [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
    assert 6 in values and 7 not in values

    api = client.get("/api/v1/signals/report/", PERIOD)
    assert api.status_code == 200 and counts(api.json()) == [6]


def test_another_organisations_project_is_out_of_reach(world: World, org_admin: Any) -> None:
    client = signed_in(org_admin)
    for fmt in ("", "pdf", "xlsx"):
        page = client.get("/signalen/rapport/", {**PERIOD, "project": world.other_project.pk, "format": fmt})
        assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
    assert (
        signed_in(world.coordinator)
        .get("/signalen/rapport/", {**PERIOD, "project": world.other_project.pk})
        .status_code
        == 404
    )
    api = client.get("/api/v1/signals/report/", {**PERIOD, "project": world.other_project.pk})
    assert api.status_code == 400 and "project" in api.json()


def test_the_org_admin_opens_no_other_signal_page(world: World, org_admin: Any) -> None:
    client = signed_in(org_admin)
    assert client.get(reverse("signals:project", args=[world.project.pk])).status_code == 403
    assert client.get(reverse("signals:signal-new", args=[world.participant.pk])).status_code == 403
    assert client.get("/api/v1/signals/").status_code == 403


def test_the_org_admins_menu_leads_to_the_report(world: World, org_admin: Any) -> None:
    home = signed_in(org_admin).get(reverse("web:orgadmin-organisation", args=[world.project.organisation_id]))
    assert f'<a href="{reverse("signals:report")}">Signalenrapport</a>' in home.content.decode()
    report = signed_in(org_admin).get(reverse("signals:report")).content.decode()
    assert f'<a href="{reverse("signals:report")}" aria-current="page">Signalenrapport</a>' in report
    # A coordinator reaches it from the project's signals, not from the menu.
    today = signed_in(world.coordinator).get(reverse("signals:project", args=[world.project.pk])).content.decode()
    assert "Signalenrapport</a></li>" not in today


def test_the_report_page_scrolls_its_tables_on_a_phone(world: World, org_admin: Any) -> None:
    """Each table in a focusable scrolling region (a 4-column table was wider than a 360 px phone)."""
    html = signed_in(org_admin).get("/signalen/rapport/", PERIOD).content.decode()
    assert html.count('<div class="table-wrap" tabindex="0" role="region"') == 1  # cells; no description shared
    assert "Wachtlijsten" in html[html.index('class="table-wrap"'):]
