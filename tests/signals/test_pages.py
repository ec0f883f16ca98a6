"""Who may open the signal pages: every pattern of the "signals" namespace × every role. A
project's coordinators (and administrators) only; another project's → 404; volunteers and
funders → 403; nobody signed in → the sign-in page. Writes change nothing when refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from buddynet.features.signals import services
from buddynet.features.signals.models import Signal, SignalStatus
from tests.conftest import World

pytestmark = pytest.mark.django_db

ROLES = ("admin", "coordinator", "volunteer_user", "other_coordinator", "funder_user", "anonymous")


def signal_of(w: World) -> Signal:
    return Signal.objects.filter(participant=w.participant).first() or services.signal_record(
        participant=w.participant, duo=w.duo, by=w.coordinator,
        data={"barrier_type": "waiting-lists", "life_domain": "housing", "description": "Wachtlijst"})


def E(admin: int, coordinator: int, volunteer_user: int, other_coordinator: int, funder_user: int,
      anonymous: int = 302) -> dict[str, int]:
    return dict(zip(ROLES, (admin, coordinator, volunteer_user, other_coordinator, funder_user, anonymous),
                    strict=True))


# (URL name, method, kwargs, POST body, expected per role)
PAGES: list[tuple[str, str, Callable[[World], dict[str, Any]], dict[str, Any] | None, dict[str, int]]] = [
    ("project", "GET", lambda w: {"project_id": w.project.pk}, None, E(200, 200, 403, 404, 403)),
    ("signal-new", "GET", lambda w: {"participant_id": w.participant.pk}, None, E(200, 200, 403, 404, 403)),
    ("signal-new", "POST", lambda w: {"participant_id": w.participant.pk},
     {"barrier_type": "non-take-up", "life_domain": "income"}, E(302, 302, 403, 404, 403)),
    ("signal-move", "POST", lambda w: {"signal_id": signal_of(w).pk},
     {"status": "passed_on", "passed_on_to": "OCMW"}, E(302, 302, 403, 404, 403)),
    ("signal-share", "POST", lambda w: {"signal_id": signal_of(w).pk},
     {"shareable": "on"}, E(302, 302, 403, 404, 403)),
    ("report", "GET", lambda w: {}, None, E(200, 200, 403, 200, 403)),
]


def test_every_signal_page_has_a_row() -> None:
    names = {p.name for p in get_resolver().namespace_dict["signals"][1].url_patterns}
    assert names == {name for name, *_rest in PAGES}


def state() -> list[tuple[Any, ...]]:
    return list(Signal.objects.order_by("pk").values_list("pk", "status", "shareable", "passed_on_to"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "kwargs", "body", "expect"), PAGES, ids=[f"{p[1]} {p[0]}" for p in PAGES])
def test_each_role_gets_what_the_matrix_says(world: World, role: str, name: str, method: str,
                                             kwargs: Callable[[World], dict[str, Any]], body: dict[str, Any] | None,
                                             expect: dict[str, int]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    if role != "anonymous":
        client.force_login(getattr(world, role))
    url = reverse(f"signals:{name}", kwargs=kwargs(world))
    before = state()
    response = client.post(url, body) if method == "POST" else client.get(url)
    assert response.status_code == expect[role], response.content[:300]
    if role == "anonymous":
        assert "/aanmelden" in response["Location"] or "login" in response["Location"]
    if method == "POST":
        assert (state() != before) == (expect[role] == 302 and role != "anonymous")


def test_the_coordinator_moves_and_shares_through_the_page(world: World) -> None:
    signal = signal_of(world)
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.coordinator)
    client.post(reverse("signals:signal-move", args=[signal.pk]), {"status": "passed_on"})
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NEW  # to whom is missing
    client.post(reverse("signals:signal-share", args=[signal.pk]),
                {"description": "Marieke wacht al 2 jaar", "shareable": "on"})
    signal.refresh_from_db()
    assert (signal.description, signal.shareable) == ("Wachtlijst", False)  # names someone: nothing saved
    client.post(reverse("signals:signal-share", args=[signal.pk]),
                {"description": "Twee jaar wachten op een sociale woning", "shareable": "on"})
    signal.refresh_from_db()
    assert signal.shareable and signal.description == "Twee jaar wachten op een sociale woning"


def test_the_list_groups_by_municipality(world: World) -> None:
    signal_of(world)
    services.signal_record(participant=world.participant, by=world.coordinator,
                           data={"barrier_type": "housing", "life_domain": "housing"})
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.coordinator)
    response = client.get(reverse("signals:project", args=[world.project.pk]), {"group_by": "municipality"})
    groups = response.context["groups"]
    assert len(groups) == 1 and len(groups[0][1]) == 2
    by_type = client.get(reverse("signals:project", args=[world.project.pk])).context["groups"]
    assert [label for label, _s in by_type] == ["Huisvesting", "Wachtlijsten"]


def test_the_list_is_paged_and_a_group_counts_all_its_signals(world: World) -> None:
    for n in range(28):
        services.signal_record(participant=world.participant, by=world.coordinator,
                               on=dt.date(2025, 1, 1) + dt.timedelta(days=n),
                               data={"barrier_type": "housing" if n < 26 else "waiting-lists",
                                     "life_domain": "housing"})
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.coordinator)
    url = reverse("signals:project", args=[world.project.pk])
    first, second = client.get(url), client.get(url, {"page": 2})
    # Housing (position 10) first, the newest first within it: 25 on page 1, the last one of
    # housing and the two waiting lists on page 2; each group's header counts all of it.
    assert [(label, len(rows), rows.total) for label, rows in first.context["groups"]] == [("Huisvesting", 25, 26)]
    assert [(label, len(rows), rows.total) for label, rows in second.context["groups"]] == [
        ("Huisvesting", 1, 26), ("Wachtlijsten", 2, 2)]
    assert first.context["groups"][0][1][0].date == dt.date(2025, 1, 26)
    assert second.context["groups"][0][1][0].date == dt.date(2025, 1, 1)
    assert "Pagina 2 van 2 (28 in totaal)" in second.content.decode()
    assert "Huisvesting <span class=\"muted\">(26)</span>" in second.content.decode()
    by_status = client.get(url, {"group_by": "status", "page": 2})
    assert by_status.context["count"] == 28 and by_status.context["page"].number == 2
