"""Support access (issue 16, item 1): the platform administrator reads no participant of an
organisation by default; its administrator grants a logged, time-limited access, and ends it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.accounts.models import Role, SupportAccess
from buddynet.records.accounts.services import membership_grant
from buddynet.records.accounts.support import support_access_end, support_access_grant
from tests import factories as f
from tests.conftest import World, client_for

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def no_support(world: World) -> None:
    SupportAccess.objects.all().delete()  # the world grants one (tests/conftest.py): start without


@pytest.fixture
def org_admin(world: World) -> object:
    user = f.UserFactory(email="olga@example.be")
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    return user


def reads(world: World) -> tuple[int, int, bool]:
    """(API detail status, page status, listed?) of world.participant for the platform administrator."""
    api = client_for(world.admin)
    detail = api.get(reverse("v1:participant-detail", args=[world.participant.pk])).status_code
    listed = any(p["id"] == world.participant.pk for p in api.get(reverse("v1:participant-list")).json()["results"])
    page = Client()
    page.force_login(world.admin)
    status = page.get(reverse("web:coordinator-participant", args=[world.participant.pk])).status_code
    return detail, status, listed


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_without_support_access_the_platform_administrator_reads_no_participant(
        world: World, no_support: None) -> None:
    assert reads(world) == (404, 404, False)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_granted_access_opens_the_records_until_it_ends_or_expires(
        world: World, no_support: None, org_admin: object) -> None:
    grant = support_access_grant(organisation=world.project.organisation, by=org_admin,
                                 until=NOW + dt.timedelta(days=2), reason="Foutmelding bij een rapport")
    assert reads(world) == (200, 200, True)
    # Only that organisation: the other one's participant stays out of reach.
    assert client_for(world.admin).get(
        reverse("v1:participant-detail", args=[world.other_participant.pk])).status_code == 404
    assert LogEntry.objects.get_for_object(grant).filter(action=LogEntry.Action.CREATE).exists()

    with time_machine.travel(NOW + dt.timedelta(days=2, minutes=1), tick=False):
        assert reads(world) == (404, 404, False)

    second = support_access_grant(organisation=world.project.organisation, by=org_admin,
                                  until=NOW + dt.timedelta(hours=4), reason="Nog een vraag")
    assert reads(world)[0] == 200
    support_access_end(grant=second, by=org_admin)
    support_access_end(grant=grant, by=org_admin)
    assert reads(world) == (404, 404, False)
    second.refresh_from_db()
    assert second.revoked_by == org_admin and second.revoked_at == timezone.now()
    with pytest.raises(Conflict):
        support_access_end(grant=second, by=org_admin)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_only_the_organisations_administrator_grants_for_a_reason_and_a_short_time(
        world: World, no_support: None, org_admin: object) -> None:
    organisation = world.project.organisation
    for who in (world.admin, world.coordinator, world.other_coordinator):
        with pytest.raises(NotAllowed):
            support_access_grant(organisation=organisation, by=who, until=NOW + dt.timedelta(days=1), reason="x")
    with pytest.raises(InvalidInput) as refused:
        support_access_grant(organisation=organisation, by=org_admin, until=NOW + dt.timedelta(days=8), reason=" ")
    assert set(refused.value.message) == {"until", "reason"}  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        support_access_grant(organisation=organisation, by=org_admin, until=NOW - dt.timedelta(minutes=1),
                             reason="x")
    assert not SupportAccess.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_organisation_page_grants_and_ends_support_access(
        world: World, no_support: None, org_admin: object) -> None:
    client = Client()
    client.force_login(org_admin)
    url = reverse("web:orgadmin-support-grant", args=[world.project.organisation_id])
    bad = client.post(url, {"until": "2026-03-20T10:00", "reason": "Te lang"})
    assert bad.status_code == 400 and not SupportAccess.objects.exists()
    assert client.post(url, {"until": "2026-03-03T17:00", "reason": "Import nakijken"}).status_code == 302
    grant = SupportAccess.objects.get()
    assert (grant.granted_by, grant.reason) == (org_admin, "Import nakijken")
    page = client.get(reverse("web:orgadmin-organisation", args=[world.project.organisation_id]))
    assert "Import nakijken" in page.content.decode()
    end = reverse("web:orgadmin-support-end", args=[world.project.organisation_id, grant.pk])
    assert client.post(end).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
