"""Aftercare (issue 18 item 5): planned when a duo closes, reminded to the coordinator once on
each day through the notification rules, cancelled when the duo re-opens; logged like a check-in,
through the API and the page alike.

`world.duo` (Bert & Marieke, project Buddy Gent, coordinator alice) is active since 2025-07-15.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from buddynet.errors import Conflict, NotAllowed
from buddynet.features.aftercare import services
from buddynet.features.aftercare.models import AftercareItem, AftercareSettings, ItemKind, ItemStatus
from buddynet.records.duos import services as duo_services
from buddynet.records.duos.models import Duo, DuoStatus
from netwerk.models import NetworkMap, Occasion
from notifications import rules
from notifications.models import Channel, Kind, Notification
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

D = dt.date
CLOSED = D(2025, 9, 1)


@pytest.fixture
def world(world: World) -> World:
    # The outsider's duo is closed before anything here, so every message is about world.project.
    Duo.objects.filter(pk=world.other_duo.pk).update(status=DuoStatus.CLOSED, closed_on=D(2025, 7, 20),
                                                     closure_reason="other")
    return world


def close(world: World, on: dt.date = CLOSED) -> Duo:
    with time_machine.travel(dt.datetime.combine(on, dt.time(12, 0), tzinfo=dt.UTC), tick=False):
        return duo_services.duo_close(duo=world.duo, by=world.coordinator, reason="planned_end", closed_on=on,
                                      next_step="end")


def fire(day: dt.date, kind: str = Kind.AFTERCARE_DUE) -> list[tuple[str, str]]:
    """Evaluate the rules at 06:00 on `day`; the new inbox messages of `kind` as (recipient, key)."""
    with time_machine.travel(dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC), tick=False):
        inserted = rules.evaluate(today=day)
    rows = Notification.objects.filter(pk__in=[i.id for i in inserted], channel=Channel.INBOX, kind=kind)
    return sorted((n.recipient.email, n.dedup_key) for n in rows)


def item(duo: Duo, kind: str, due: dt.date) -> AftercareItem:
    return AftercareItem.objects.get(duo=duo, kind=kind, due_on=due)


def test_closing_plans_contacts_at_1_and_3_months_and_a_closure_map(world: World) -> None:
    close(world)

    planned = sorted(AftercareItem.objects.filter(duo=world.duo).values_list("kind", "due_on", "status"))
    assert planned == [("closure_map", CLOSED, "planned"), ("contact", D(2025, 10, 1), "planned"),
                       ("contact", D(2025, 12, 1), "planned")]


def test_the_coordinator_is_reminded_at_1_and_3_months_after_closure_once_each(world: World) -> None:
    close(world)
    one = item(world.duo, ItemKind.CONTACT, D(2025, 10, 1))
    three = item(world.duo, ItemKind.CONTACT, D(2025, 12, 1))

    closure_map = item(world.duo, "closure_map", CLOSED)
    assert fire(D(2025, 9, 30)) == [("alice@example.be", f"aftercare_due:item:{closure_map.pk}")]
    assert fire(D(2025, 10, 1)) == [("alice@example.be", f"aftercare_due:item:{one.pk}")]
    assert fire(D(2025, 10, 2)) == []
    assert fire(D(2025, 11, 30)) == []
    assert fire(D(2025, 12, 1)) == [("alice@example.be", f"aftercare_due:item:{three.pk}")]
    assert fire(D(2025, 12, 2)) == []
    # Nobody else hears of it: not the volunteer, not the other project's coordinator.
    assert set(Notification.objects.filter(kind=Kind.AFTERCARE_DUE).values_list("recipient__email", flat=True)) == {
        "alice@example.be"}


def test_a_reopened_duo_is_not_reminded(world: World) -> None:
    close(world)
    with time_machine.travel(dt.datetime(2025, 9, 10, 12, 0, tzinfo=dt.UTC), tick=False):
        duo = duo_services.duo_reopen(duo=world.duo, by=world.coordinator)

    assert duo.status == DuoStatus.ACTIVE and duo.closed_on is None
    assert set(AftercareItem.objects.filter(duo=duo).values_list("status", flat=True)) == {ItemStatus.CANCELLED}
    for day in (CLOSED, D(2025, 10, 1), D(2025, 12, 1)):
        assert fire(day) == []


def test_closing_again_after_a_reopen_plans_afresh(world: World) -> None:
    close(world)
    with time_machine.travel(dt.datetime(2025, 9, 10, 12, 0, tzinfo=dt.UTC), tick=False):
        duo_services.duo_reopen(duo=world.duo, by=world.coordinator)
    close(world, D(2025, 9, 20))

    contact = item(world.duo, "contact", D(2025, 10, 20))
    closure_map = item(world.duo, "closure_map", D(2025, 9, 20))
    assert fire(D(2025, 10, 20)) == sorted([("alice@example.be", f"aftercare_due:item:{contact.pk}"),
                                            ("alice@example.be", f"aftercare_due:item:{closure_map.pk}")])


def test_a_logged_contact_is_not_reminded(world: World) -> None:
    close(world)
    one = item(world.duo, ItemKind.CONTACT, D(2025, 10, 1))
    with time_machine.travel(dt.datetime(2025, 9, 28, 12, 0, tzinfo=dt.UTC), tick=False):
        services.aftercare_log(item=one, by=world.coordinator, mode="phone", note="Gaat goed")

    assert fire(D(2025, 10, 1)) == [  # only the closure map, still to draw
        ("alice@example.be", f"aftercare_due:item:{item(world.duo, 'closure_map', CLOSED).pk}")]
    one.refresh_from_db()
    assert (one.status, one.done_on, one.note, one.done_by) == ("done", D(2025, 9, 28), "Gaat goed", world.coordinator)


def test_no_closure_map_is_planned_when_one_was_made_and_a_late_map_answers_it(world: World) -> None:
    NetworkMap.objects.create(participant=world.participant, occasion=Occasion.CLOSURE, date=D(2025, 8, 30))
    close(world)
    assert not AftercareItem.objects.filter(duo=world.duo, kind=ItemKind.CLOSURE_MAP).exists()


def test_a_closure_map_drawn_after_closing_answers_the_reminder(world: World) -> None:
    close(world)
    NetworkMap.objects.create(participant=world.participant, occasion=Occasion.CLOSURE, date=CLOSED)
    assert fire(CLOSED) == []


def test_the_project_sets_its_own_months(world: World) -> None:
    AftercareSettings.objects.create(project=world.project, contact_months=[2], closure_map=False)
    close(world)
    assert list(AftercareItem.objects.filter(duo=world.duo).values_list("kind", "due_on")) == [
        ("contact", D(2025, 11, 1))]


def test_an_interim_map_is_reminded_at_the_projects_interval_once(world: World) -> None:
    NetworkMap.objects.create(participant=world.participant, occasion=Occasion.INTAKE, date=D(2025, 6, 20))
    key = f"network_map_due:duo:{world.duo.pk}:2025-07-15"  # the start is later than the intake map

    assert fire(D(2026, 1, 14), Kind.NETWORK_MAP_DUE) == []
    assert fire(D(2026, 1, 15), Kind.NETWORK_MAP_DUE) == [("alice@example.be", key)]
    assert fire(D(2026, 1, 16), Kind.NETWORK_MAP_DUE) == []
    NetworkMap.objects.create(participant=world.participant, occasion=Occasion.INTERIM, date=D(2026, 1, 20))
    assert fire(D(2026, 7, 19), Kind.NETWORK_MAP_DUE) == []
    assert fire(D(2026, 7, 20), Kind.NETWORK_MAP_DUE) == [
        ("alice@example.be", f"network_map_due:duo:{world.duo.pk}:2026-01-20")]


# --- rules, through each channel ----------------------------------------------------------
def test_only_a_coordinator_of_the_project_logs_aftercare(world: World) -> None:
    close(world)
    one = item(world.duo, ItemKind.CONTACT, D(2025, 10, 1))
    for outsider in (world.other_coordinator, world.volunteer_user):
        with pytest.raises(NotAllowed):
            services.aftercare_log(item=one, by=outsider, on=D(2025, 10, 1), mode="phone")
    services.aftercare_log(item=one, by=world.coordinator, on=D(2025, 10, 1), mode="phone")
    with pytest.raises(Conflict):
        services.aftercare_log(item=one, by=world.coordinator, on=D(2025, 10, 1), mode="phone")


def test_reopen_keeps_the_invariants(world: World) -> None:
    close(world)
    Duo.objects.create(project=world.project, participant=world.participant,
                       volunteer=world.volunteer.__class__.objects.create(
                           project=world.project, first_name="Nele", last_name="V", birth_year=1980,
                           status="active", capacity=1, criminal_record_checked_on=D(2025, 2, 15)),
                       status=DuoStatus.PROPOSED, proposed_on=D(2025, 9, 5))
    with pytest.raises(Conflict):
        duo_services.duo_reopen(duo=world.duo, by=world.coordinator)
    assert Duo.objects.get(pk=world.duo.pk).status == DuoStatus.CLOSED


@pytest.mark.parametrize("who", ["coordinator", "admin", "other_coordinator", "volunteer_user", "funder_user"])
def test_api_access(world: World, who: str) -> None:
    close(world)
    one = item(world.duo, ItemKind.CONTACT, D(2025, 10, 1))
    client = client_for(getattr(world, who))
    allowed = who in ("coordinator", "admin")

    listed = client.get("/api/v1/aftercare/items/")
    if who == "other_coordinator":  # a coordinator, of another project: an empty list
        assert listed.status_code == 200 and listed.json()["count"] == 0
    else:
        assert listed.status_code == (200 if allowed else 403)
        assert not allowed or listed.json()["count"] == 3
    detail = client.get(f"/api/v1/aftercare/items/{one.pk}/")
    assert detail.status_code == (200 if allowed else 404)
    settings_url = f"/api/v1/aftercare/projects/{world.project.pk}/settings/"
    assert client.get(settings_url).status_code == (200 if allowed else 404)
    logged = client.post(f"/api/v1/aftercare/items/{one.pk}/log/", {"on": "2025-10-01", "mode": "in_person"},
                         format="json")
    assert logged.status_code == (200 if allowed else 404)
    one.refresh_from_db()
    assert one.status == ("done" if allowed else "planned")


def test_api_bad_input_saves_nothing(world: World) -> None:
    close(world)
    one = item(world.duo, ItemKind.CONTACT, D(2025, 10, 1))
    client = client_for(world.coordinator)

    for body, field in (({"on": "2025-10-01"}, "mode"), ({"on": "2025-08-01", "mode": "in_person"}, "on"),
                        ({"on": "morgen", "mode": "in_person"}, "on"), ({"on": "2025-10-01", "mode": "fax"}, "mode")):
        response = client.post(f"/api/v1/aftercare/items/{one.pk}/log/", body, format="json")
        assert response.status_code == 400, body
        assert field in str(response.json()), response.json()
    one.refresh_from_db()
    assert one.status == "planned"

    url = f"/api/v1/aftercare/projects/{world.project.pk}/settings/"
    assert client.patch(url, {"contact_months": [0]}, format="json").status_code == 400
    assert not AftercareSettings.objects.exists()
    response = client.patch(url, {"contact_months": [6, 1], "interim_map_months": 4}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["contact_months"] == [1, 6]
    assert client_for(world.other_coordinator).patch(url, {"interim_map_months": 3}, format="json").status_code == 404


def test_api_reopen_cancels_aftercare(world: World) -> None:
    close(world)
    response = client_for(world.coordinator).post(f"/api/v1/duos/{world.duo.pk}/reopen/")
    assert response.status_code == 200, response.json()
    assert not AftercareItem.objects.filter(duo=world.duo, status=ItemStatus.PLANNED).exists()
    assert client_for(world.volunteer_user).post(f"/api/v1/duos/{world.duo.pk}/reopen/").status_code in (403, 404)


@pytest.mark.parametrize(("who", "status"), [
    ("coordinator", 200), ("admin", 200), ("other_coordinator", 200), ("volunteer_user", 404),
    ("funder_user", 404), (None, 302)])
def test_page_access(world: World, client: Any, who: str | None, status: int) -> None:
    close(world)
    if who:
        client.force_login(getattr(world, who))
    response = client.get(reverse("aftercare:index"))
    assert response.status_code == status
    if status == 200:
        assert (b"Marieke" in response.content) == (who in ("coordinator", "admin"))


def test_page_logs_a_contact_and_shows_field_errors(world: World, client: Any) -> None:
    close(world)
    one = item(world.duo, ItemKind.CONTACT, D(2025, 10, 1))
    client.force_login(world.coordinator)
    url = reverse("aftercare:item-log", args=[one.pk])
    prefix = f"item-{one.pk}"

    bad = client.post(url, {f"{prefix}-on": "2025-10-01", f"{prefix}-mode": ""})
    assert bad.status_code == 400
    one.refresh_from_db()
    assert one.status == "planned"

    good = client.post(url, {f"{prefix}-on": "2025-10-01", f"{prefix}-mode": "phone", f"{prefix}-note": "Goed"})
    assert good.status_code == 302
    assert good["Location"] == reverse("aftercare:participant", args=[world.participant.pk]) + f"#item-{one.pk}"
    one.refresh_from_db()
    assert (one.status, one.mode) == ("done", "phone")

    client.force_login(world.other_coordinator)
    other = item(world.duo, ItemKind.CONTACT, D(2025, 12, 1))
    assert client.post(reverse("aftercare:item-log", args=[other.pk]),
                       {f"item-{other.pk}-on": "2025-12-01", f"item-{other.pk}-mode": "phone"}).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("coordinator", 200), ("admin", 200), ("other_coordinator", 404),
                                              ("volunteer_user", 404), ("funder_user", 404)])
def test_one_participants_pages_are_theirs_only(world: World, client: Any, who: str, status: int) -> None:
    close(world)
    client.force_login(getattr(world, who))
    for name in ("aftercare:participant", "aftercare:participant-referrals"):
        assert client.get(reverse(name, args=[world.participant.pk])).status_code == status, name


def test_the_list_pages_what_is_planned_and_shows_the_latest_done(world: World, client: Any) -> None:
    close(world)
    AftercareItem.objects.all().delete()
    for n in range(27):
        AftercareItem.objects.create(duo=world.duo, kind=ItemKind.CONTACT, due_on=D(2025, 10, 1) + dt.timedelta(days=n))
    for n in range(26):
        on = D(2025, 9, 1) + dt.timedelta(days=n)
        AftercareItem.objects.create(duo=world.duo, kind=ItemKind.CONTACT, due_on=on, status="done", done_on=on,
                                     mode="phone")
    client.force_login(world.coordinator)
    first = client.get(reverse("aftercare:index")).content.decode()
    second = client.get(reverse("aftercare:index"), {"page": 2}).content.decode()
    planned = AftercareItem.objects.filter(status="planned").order_by("due_on", "id")
    ids = [p.pk for p in planned]
    shown = [pk for pk in ids if f'id="item-{pk}"' in first]
    assert shown == ids[:25] and [pk for pk in ids if f'id="item-{pk}"' in second] == ids[25:]
    assert "Pagina 1 van 2 (27 in totaal)" in first
    latest = AftercareItem.objects.filter(status="done").order_by("-done_on", "-id")
    assert [pk for pk in latest.values_list("pk", flat=True) if f'id="item-{pk}"' in first] == [
        d.pk for d in latest[:25]]
    # The participant's own page holds all of theirs that were done.
    own = client.get(reverse("aftercare:participant", args=[world.participant.pk])).content.decode()
    assert all(f'id="item-{pk}"' in own for pk in latest.values_list("pk", flat=True))
    assert "<title>Nazorg" in first and "<title>Nazorg<h2>" not in first
