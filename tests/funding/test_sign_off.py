"""Sign-off renders first and locks after (issue 15 item 6): while WeasyPrint works, no
transaction is open and the report row is not locked; of two sign-offs at once, one freezes."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from buddynet.errors import Conflict
from buddynet.features.funding import render, services
from buddynet.features.funding.models import ProgressReport
from tests.concurrency import race
from tests.conftest import World, require_postgres
from tests.funding.builders import D, hand_built


def draft(world: World) -> ProgressReport:
    hand = hand_built(world.funder, project=world.project)
    return services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                                  by=world.coordinator)


@pytest.mark.django_db(transaction=True)
def test_the_pdf_is_rendered_outside_any_transaction(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    report = draft(world)
    seen: list[bool] = []
    real = render.pdf_bytes

    def watched(*args: Any, **kwargs: Any) -> bytes:
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "pdf_bytes", watched)

    services.report_sign_off(report=report, by=world.coordinator)

    assert seen == [False]
    report.refresh_from_db()
    assert report.is_frozen and report.pdf.read().startswith(b"%PDF")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_report_row_stays_free_while_the_pdf_renders(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    require_postgres()
    report = draft(world)
    free: list[bool] = []
    real = render.pdf_bytes

    def lock_from_elsewhere() -> None:
        try:
            with transaction.atomic():
                ProgressReport.objects.select_for_update(nowait=True).get(pk=report.pk)
            free.append(True)
        except Exception:
            free.append(False)
        finally:
            connection.close()

    def watched(*args: Any, **kwargs: Any) -> bytes:
        other = threading.Thread(target=lock_from_elsewhere)
        other.start()
        other.join(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "pdf_bytes", watched)

    services.report_sign_off(report=report, by=world.coordinator)

    assert free == [True]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sign_offs_at_once_freeze_the_report_once(world: World) -> None:
    require_postgres()
    report = draft(world)

    def sign() -> Any:
        return services.report_sign_off(report=report, by=world.coordinator)

    results = race(sign, sign)

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "ProgressReport"], results
    assert isinstance(next(r for r in results if not isinstance(r, ProgressReport)), Conflict)
    report.refresh_from_db()
    assert report.is_frozen and report.numbers is not None


@pytest.mark.django_db(transaction=True)
def test_the_api_sign_off_also_renders_outside_any_transaction(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API wraps writes in one transaction (ScopedViewSet); the sign-off route is left out of it."""
    from tests.conftest import client_for

    report = draft(world)
    seen: list[bool] = []
    real = render.pdf_bytes

    def watched(*args: Any, **kwargs: Any) -> bytes:
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "pdf_bytes", watched)

    response = client_for(world.coordinator).post(f"/api/v1/funding/reports/{report.pk}/sign-off/",
                                                  {"confirmation": report.name}, format="json")

    assert response.status_code == 200, response.content
    assert seen == [False]
