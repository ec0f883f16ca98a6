"""Support access covers every record that holds participant data (issue 16, item 1).

For each kind of record: the platform administrator without a support access of the record's
organisation gets 404 by id (API and pages), does not find it in a list (API, Django admin), and
the Django admin does not open it; under a live support access all of it opens; when the access
expires or is ended, it closes again. The one rule is accounts.selectors.participant_data_scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.records.accounts.models import Role, SupportAccess
from buddynet.records.accounts.services import membership_grant
from buddynet.records.accounts.support import support_access_end, support_access_grant
from tests import factories as f
from tests.conftest import World, client_for
from tests.test_api_access import (
    aftercare_item_of,
    evaluation_of,
    match_run,
    netwerk_map,
    pair_rule,
    pending_proposal,
    referral_of,
    signal_of,
)

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OPEN = "200 or a redirect"


@dataclass(frozen=True)
class Kind:
    name: str
    make: Callable[[World], Any]
    detail: str | None = None  # v1 URL name taking pk
    listing: str | None = None  # v1 URL name of the list
    pages: Callable[[World, Any], list[str]] = lambda w, obj: []
    admin: str | None = None  # "app_model" of the Django admin


KINDS = [
    Kind("participant", lambda w: w.participant, "participant-detail", "participant-list",
         lambda w, p: [reverse("web:coordinator-participant", args=[p.pk]),
                       reverse("web:coordinator-participant-story", args=[p.pk]),
                       reverse("aftercare:participant", args=[p.pk]),
                       reverse("aftercare:participant-referrals", args=[p.pk]),
                       reverse("netwerk:participant-maps", args=[p.pk]),
                       reverse("matching:suggestion", args=[p.pk])],
         "people_participant"),
    Kind("duo", lambda w: w.duo, "duo-detail", "duo-list",
         lambda w, d: [reverse("web:coordinator-duo", args=[d.pk])], "duos_duo"),
    Kind("goal", lambda w: w.goal, "goal-detail", "goal-list"),
    Kind("check-in", lambda w: w.check_in, "checkin-detail", "checkin-list", admin="duos_checkin"),
    Kind("network map", netwerk_map, "netwerk-map-detail", "netwerk-map-list",
         lambda w, m: [reverse("netwerk:map-edit", args=[m.pk]), reverse("netwerk:map-picture", args=[m.pk])]),
    Kind("network alter", lambda w: netwerk_map(w).alters.first(), "netwerk-alter-detail", "netwerk-alter-list"),
    Kind("network tie", lambda w: netwerk_map(w).ties.first(), "netwerk-tie-detail", "netwerk-tie-list"),
    Kind("barrier signal", signal_of, "signal-detail", "signal-list", admin="signals_signal"),
    Kind("aftercare item", aftercare_item_of, "aftercare-item-detail", "aftercare-item-list"),
    Kind("referral", referral_of, "referral-detail", "referral-list"),
    Kind("evaluation", evaluation_of, "evaluation-detail", "evaluation-list"),
    Kind("match run", match_run, "matching-run-detail", "matching-run-list",
         lambda w, r: [reverse("matching:run", args=[r.pk]), reverse("matching:project", args=[r.project_id])],
         "matching_matchrun"),
    Kind("match proposal", pending_proposal, "matching-proposal-detail", "matching-proposal-list",
         admin="matching_proposal"),
    Kind("forbidden pair", pair_rule("forbidden"), listing="matching-forbidden-pair-list"),
    Kind("locked pair", pair_rule("locked"), listing="matching-locked-pair-list"),
]


@dataclass
class Reads:
    """What the platform administrator gets for one record, by channel."""

    detail: int | None = None
    listed: bool | None = None
    pages: list[int | str] = field(default_factory=list)
    admin_change: int | None = None
    admin_listed: bool | None = None


def reads(world: World, kind: Kind, obj: Any) -> Reads:
    api = client_for(world.admin)
    page = Client()
    page.force_login(world.admin)
    found = Reads()
    if kind.detail:
        found.detail = api.get(reverse(f"v1:{kind.detail}", args=[obj.pk])).status_code
    if kind.listing:
        response = api.get(reverse(f"v1:{kind.listing}"))
        assert response.status_code == 200
        found.listed = obj.pk in {row["id"] for row in response.json()["results"]}
    # A page that opens may answer with a redirect (a project's matching page goes to its run).
    found.pages = [{200: OPEN, 302: OPEN}.get(code, code) for code in
                   (page.get(url).status_code for url in kind.pages(world, obj))]
    if kind.admin:
        found.admin_change = page.get(reverse(f"admin:{kind.admin}_change", args=[obj.pk])).status_code
        changelist = page.get(reverse(f"admin:{kind.admin}_changelist"))
        assert changelist.status_code == 200
        found.admin_listed = obj.pk in {row.pk for row in changelist.context["cl"].result_list}
    return found


def closed(kind: Kind, obj: Any, world: World) -> Reads:
    # Django's admin answers an object outside its queryset with a redirect to the index.
    return Reads(detail=404 if kind.detail else None, listed=False if kind.listing else None,
                 pages=[404] * len(kind.pages(world, obj)), admin_change=302 if kind.admin else None,
                 admin_listed=False if kind.admin else None)


def opened(kind: Kind, obj: Any, world: World) -> Reads:
    return Reads(detail=200 if kind.detail else None, listed=True if kind.listing else None,
                 pages=[OPEN] * len(kind.pages(world, obj)), admin_change=200 if kind.admin else None,
                 admin_listed=True if kind.admin else None)


@pytest.fixture
def org_admin(world: World) -> Any:
    SupportAccess.objects.all().delete()  # the world grants one (tests/conftest.py): start without
    user = f.UserFactory(email="olga@example.be")
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    return user


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_the_platform_administrator_reads_a_record_only_under_a_live_support_access(
        world: World, org_admin: Any, kind: Kind) -> None:
    obj = kind.make(world)

    assert reads(world, kind, obj) == closed(kind, obj, world)

    grant = support_access_grant(organisation=world.project.organisation, by=org_admin,
                                 until=NOW + dt.timedelta(days=1), reason="Vraag over een duo")
    assert reads(world, kind, obj) == opened(kind, obj, world)

    with time_machine.travel(NOW + dt.timedelta(days=1, seconds=1), tick=False):
        assert reads(world, kind, obj) == closed(kind, obj, world), "an expired access still opens it"

    support_access_end(grant=grant, by=org_admin)
    assert reads(world, kind, obj) == closed(kind, obj, world), "an ended access still opens it"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_another_organisations_support_access_opens_nothing_here(world: World, org_admin: Any) -> None:
    other_admin = f.UserFactory(email="boris@example.be")
    membership_grant(user=other_admin, role=Role.ORG_ADMIN, organisation=world.other_project.organisation)
    support_access_grant(organisation=world.other_project.organisation, by=other_admin,
                         until=NOW + dt.timedelta(days=1), reason="Hun eigen vraag")
    api = client_for(world.admin)

    assert api.get(reverse("v1:duo-detail", args=[world.duo.pk])).status_code == 404
    assert api.get(reverse("v1:duo-detail", args=[world.other_duo.pk])).status_code == 200
    assert {row["id"] for row in api.get(reverse("v1:duo-list")).json()["results"]} == {world.other_duo.pk}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_without_support_access_the_administrator_cannot_log_a_check_in_or_start_a_run(
        world: World, org_admin: Any) -> None:
    from buddynet.records.duos.models import CheckIn
    from matching.models import MatchRun

    api = client_for(world.admin)
    before = CheckIn.objects.count(), MatchRun.objects.count()

    check_in = api.post(reverse("v1:checkin-list"), {"duo": world.duo.pk, "date": "2026-03-01",
                                                     "duration_minutes": 30, "mode": "phone"}, format="json")
    run = api.post(reverse("v1:matching-run-list"), {"project": world.project.pk}, format="json")

    assert (check_in.status_code, run.status_code) == (400, 400)
    assert set(check_in.json()) == {"duo"} and set(run.json()) == {"project"}
    assert (CheckIn.objects.count(), MatchRun.objects.count()) == before


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_check_in_service_refuses_a_duo_the_administrator_does_not_read(world: World, org_admin: Any) -> None:
    from buddynet.records.duos import services
    from buddynet.records.duos.models import CheckIn
    from buddynet.records.duos.services import DuoOutOfReach

    before = CheckIn.objects.count()
    with pytest.raises(DuoOutOfReach):
        services.check_in_record(duo=world.duo.pk, author=world.admin,
                                 data={"date": dt.date(2026, 3, 1), "duration_minutes": 30, "mode": "phone"})
    assert CheckIn.objects.count() == before

    support_access_grant(organisation=world.project.organisation, by=org_admin,
                         until=NOW + dt.timedelta(hours=2), reason="Contact invoeren voor de coördinator")
    _check_in, created = services.check_in_record(
        duo=world.duo.pk, author=world.admin, data={"date": dt.date(2026, 3, 1), "duration_minutes": 30,
                                                    "mode": "phone"})
    assert created and CheckIn.objects.count() == before + 1


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_the_organisation_administrator_reads_no_participant_record_of_their_own_organisation(
        world: World, org_admin: Any, kind: Kind) -> None:
    """They manage accounts, not participants (issue 16): not in the API, not on the pages, and a
    support access they grant opens nothing to themselves."""
    obj = kind.make(world)
    support_access_grant(organisation=world.project.organisation, by=org_admin,
                         until=NOW + dt.timedelta(days=1), reason="Vraag over een duo")
    api = client_for(org_admin)
    page = Client()
    page.force_login(org_admin)

    if kind.detail:
        assert api.get(reverse(f"v1:{kind.detail}", args=[obj.pk])).status_code == 404
    if kind.listing:
        assert api.get(reverse(f"v1:{kind.listing}")).status_code == 403
    for url in kind.pages(world, obj):
        assert page.get(url).status_code in (403, 404), url
    if kind.admin:
        assert page.get(reverse(f"admin:{kind.admin}_changelist")).status_code != 200


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_write_services_refuse_the_administrator_without_support_access(world: World, org_admin: Any) -> None:
    """The services themselves, not only the channels' scoped look-ups: whatever reaches them
    (an admin action, a command, a task) writes participant data only where it may read it
    (accounts.selectors.works_on_participant_data)."""
    from buddynet.errors import NotAllowed
    from buddynet.records.accounts.selectors import works_on_participant_data
    from buddynet.records.duos import services as duo_services
    from buddynet.records.duos.models import Duo
    from matching import services as matching_services

    world.duo.refresh_from_db()
    status = world.duo.status
    assert not works_on_participant_data(user=world.admin, project_id=world.project.pk)
    with pytest.raises(NotAllowed):
        duo_services.duo_pause(duo=world.duo, by=world.admin, reason="test", paused_on=dt.date(2026, 3, 1))
    with pytest.raises(NotAllowed):
        matching_services.match_run_start(project=world.project, by=world.admin, inline=True)
    assert Duo.objects.get(pk=world.duo.pk).status == status
    assert works_on_participant_data(user=world.coordinator, project_id=world.project.pk)

    support_access_grant(organisation=world.project.organisation, by=org_admin,
                         until=NOW + dt.timedelta(hours=2), reason="Hulp bij een pauze")
    assert works_on_participant_data(user=world.admin, project_id=world.project.pk)
    paused = duo_services.duo_pause(duo=world.duo, by=world.admin, reason="test", paused_on=dt.date(2026, 3, 1))
    assert paused.status == "paused"
