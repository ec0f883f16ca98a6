"""The grant page's expenses (issue 17): paged in the database, filtered by budget line and period;
the receipt checked on upload (type from its bytes, size) and served with the right headers to
the project's coordinators only, 404 to everyone else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from buddynet.errors import InvalidInput
from buddynet.features.funding import services
from buddynet.features.funding.models import BudgetLine, Expense, Grant
from buddynet.features.funding.receipts import MAX_RECEIPT_BYTES
from tests.conftest import World
from tests.funding.builders import pages

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def grant(world: World) -> Grant:
    grant = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-GENT",
                                 amount=Decimal("45000"), start_date=dt.date(2025, 1, 1),
                                 end_date=dt.date(2027, 12, 31))
    operating = BudgetLine.objects.create(grant=grant, kind="operating", amount=Decimal("100000"))
    staff = BudgetLine.objects.create(grant=grant, kind="staff", amount=Decimal("100000"))
    Expense.objects.bulk_create([
        Expense(grant=grant, budget_line=operating if i % 3 else staff, date=dt.date(2025, 1, 1) + dt.timedelta(days=i),
                amount=Decimal("10.00"), description=f"Kost #{i:03d}")
        for i in range(120)
    ])
    return grant


def test_the_expenses_are_paged_fifty_at_a_time(world: World, grant: Grant) -> None:
    client = pages(world.coordinator)
    body = client.get(f"/financiering/subsidies/{grant.pk}/").content.decode()
    assert body.count("Kost #") == 50
    assert "Kost #119" in body and "Kost #069" not in body  # newest first
    assert "120 uitgaven, €\xa01.200,00 in totaal." in body
    assert 'aria-current="page" href="?page=1#expenses"' in body and 'href="?page=3#expenses"' in body
    last = client.get(f"/financiering/subsidies/{grant.pk}/", {"page": 3}).content.decode()
    assert last.count("Kost #") == 20 and "Kost #000" in last


def test_the_expenses_are_filtered_by_budget_line_and_period(world: World, grant: Grant) -> None:
    staff = grant.budget_lines.get(kind="staff")
    response = pages(world.coordinator).get(f"/financiering/subsidies/{grant.pk}/", {
        "line": staff.pk, "start": "2025-01-01", "end": "2025-01-31", "page": 1})
    body = response.content.decode()
    shown = sorted(int(part[:3]) for part in body.split("Kost #")[1:])
    assert shown == [i for i in range(31) if i % 3 == 0]
    assert "11 uitgaven, €\xa0110,00 in totaal." in body
    # A wrong period says so and shows the whole list.
    body = pages(world.coordinator).get(f"/financiering/subsidies/{grant.pk}/", {
        "start": "2025-02-01", "end": "2025-01-01"}).content.decode()
    assert "Het einde ligt voor het begin." in body and "120 uitgaven" in body


def _book(grant: Grant, world: World, receipt: Any) -> Expense:
    return services.expense_record(grant=grant, budget_line=grant.budget_lines.get(kind="operating"),
                                   date=dt.date(2025, 6, 1), amount=Decimal("12.50"), description="Koffie",
                                   receipt=receipt, by=world.coordinator)


def test_the_receipt_is_served_as_its_checked_type_never_cached(world: World, grant: Grant) -> None:
    expense = _book(grant, world, SimpleUploadedFile("bon.html", PDF, content_type="text/html"))
    response = pages(world.coordinator).get(f"/financiering/uitgaven/{expense.pk}/bewijsstuk/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="bewijsstuk-{expense.pk}.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert expense.receipt.name.endswith(".pdf") and "bon" not in expense.receipt.name
    page = pages(world.coordinator).get(f"/financiering/subsidies/{grant.pk}/").content.decode()
    assert f'href="/financiering/uitgaven/{expense.pk}/bewijsstuk/"' in page


@pytest.mark.parametrize("who", ["other_coordinator", "funder_user", "volunteer_user"])
def test_the_receipt_is_404_to_everyone_else(world: World, grant: Grant, who: str) -> None:
    expense = _book(grant, world, SimpleUploadedFile("bon.png", PNG, content_type="image/png"))
    assert pages(getattr(world, who)).get(f"/financiering/uitgaven/{expense.pk}/bewijsstuk/").status_code == 404
    assert pages(world.admin).get(f"/financiering/uitgaven/{expense.pk}/bewijsstuk/")["Content-Type"] == "image/png"


def test_an_expense_without_receipt_has_none_to_serve(world: World, grant: Grant) -> None:
    expense = grant.expenses.first()
    assert pages(world.coordinator).get(f"/financiering/uitgaven/{expense.pk}/bewijsstuk/").status_code == 404


@pytest.mark.parametrize(("name", "data", "message"), [
    ("bon.pdf", b"<html><script>alert(1)</script></html>", "Een bewijsstuk moet een PDF-, PNG- of JPEG-bestand zijn."),
    ("bon.pdf", b"", "Het bewijsstuk is een leeg bestand."),
    ("bon.pdf", PDF + b"\x00" * MAX_RECEIPT_BYTES, "Het bewijsstuk is groter dan 10 MB."),
])
def test_a_receipt_of_another_type_or_too_large_is_refused(world: World, grant: Grant, name: str, data: bytes,
                                                           message: str) -> None:
    before = Expense.objects.count()
    with pytest.raises(InvalidInput) as refused:
        _book(grant, world, SimpleUploadedFile(name, data, content_type="application/pdf"))
    assert refused.value.message == {"receipt": message}
    assert Expense.objects.count() == before


def test_the_expense_form_shows_a_refused_receipt_in_dutch(world: World, grant: Grant) -> None:
    before = Expense.objects.count()
    response = pages(world.coordinator).post(f"/financiering/subsidies/{grant.pk}/", {
        "expense-budget_line": grant.budget_lines.get(kind="operating").pk, "expense-date": "2025-05-01",
        "expense-amount": "12", "expense-description": "Koffie",
        "expense-receipt": SimpleUploadedFile("bon.pdf", b"MZ\x90\x00", content_type="application/pdf")})
    assert response.status_code == 200
    assert "Een bewijsstuk moet een PDF-, PNG- of JPEG-bestand zijn." in response.content.decode()
    assert Expense.objects.count() == before


def test_the_api_refuses_a_receipt_that_is_no_pdf_png_or_jpeg(world: World, grant: Grant) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world.coordinator)
    before = Expense.objects.count()
    response = client.post("/api/v1/funding/expenses/", {
        "grant": grant.pk, "budget_line": grant.budget_lines.get(kind="operating").pk, "date": "2025-06-01",
        "amount": "12.50", "description": "Koffie",
        "receipt": SimpleUploadedFile("bon.pdf", b"<svg onload=alert(1)>", content_type="application/pdf"),
    }, format="multipart", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400, response.content
    assert "Een bewijsstuk moet een PDF-, PNG- of JPEG-bestand zijn." in response.content.decode()
    assert Expense.objects.count() == before


# --- the receipt over the API: the same rule (selectors.receipt_expense_for_user) and headers ---
def api(user: Any) -> Any:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_api_gives_its_own_receipt_address_which_serves_the_file_to_the_same_token(
        world: World, grant: Grant) -> None:
    expense = _book(grant, world, SimpleUploadedFile("bon.html", PDF, content_type="text/html"))
    client = api(world.coordinator)
    address = client.get(f"/api/v1/funding/expenses/{expense.pk}/").json()["receipt"]
    # Not the storage's address (a /media/ path nothing serves, or a signed bucket address).
    assert address == f"http://testserver/api/v1/funding/expenses/{expense.pk}/receipt/"
    response = client.get(address)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="bewijsstuk-{expense.pk}.pdf"'
    assert (response["Cache-Control"], response["X-Content-Type-Options"]) == ("no-store", "nosniff")
    assert "sandbox" in response["Content-Security-Policy"]
    without = grant.expenses.exclude(pk=expense.pk).first()
    assert client.get(f"/api/v1/funding/expenses/{without.pk}/").json()["receipt"] is None
    assert client.get(f"/api/v1/funding/expenses/{without.pk}/receipt/").status_code == 404


@pytest.mark.parametrize("who", ["other_coordinator", "funder_user", "volunteer_user"])
def test_the_api_receipt_is_404_to_everyone_else(world: World, grant: Grant, who: str) -> None:
    expense = _book(grant, world, SimpleUploadedFile("bon.png", PNG, content_type="image/png"))
    assert api(getattr(world, who)).get(f"/api/v1/funding/expenses/{expense.pk}/receipt/").status_code == 404
    assert api(world.admin).get(f"/api/v1/funding/expenses/{expense.pk}/receipt/")["Content-Type"] == "image/png"
