"""The search box of every list page keeps its filter the same way (buddynet/web/list_filters.py):
posted, kept in the session per list, never in the address; cleared on request; a bad value is a
400 that keeps nothing. Parametrised over the pages that use it: the coordinator's lists and the
organisation administrator's volunteer accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _org_admin(world: World) -> Any:
    user = f.UserFactory(email="olga.lists@example.be")
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    return user


# page -> (who signs in, the list's address, the name the list shows, its bad-value field)
LISTS: dict[str, tuple[Callable[[World], Any], Callable[[World], str], str]] = {
    "coordinator participants": (lambda w: w.coordinator,
                                 lambda w: reverse("web:coordinator-participants", args=[w.project.pk]), "status"),
    "coordinator volunteers": (lambda w: w.coordinator,
                               lambda w: reverse("web:coordinator-volunteers", args=[w.project.pk]), "status"),
    "coordinator duos": (lambda w: w.coordinator,
                         lambda w: reverse("web:coordinator-duos", args=[w.project.pk]), "status"),
    "organisation volunteer accounts": (
        _org_admin, lambda w: reverse("web:orgadmin-volunteer-accounts", args=[w.project.organisation_id]), "state"),
}


def _kept(client: Client) -> dict[str, Any]:
    return {k: v for k, v in client.session.items() if k.startswith("list-filter:")}


@pytest.mark.parametrize("page", list(LISTS))
def test_a_search_term_is_kept_in_the_session_and_never_in_the_address(world: World, page: str) -> None:
    who, address, _bad_field = LISTS[page]
    client = Client()
    client.force_login(who(world))
    url = address(world)

    posted = client.post(url, {"q": "Zoë-nobody"})

    assert posted.status_code == 302 and posted["Location"] == url  # the plain address: no term in it
    assert [value["q"] for value in _kept(client).values()] == ["Zoë-nobody"]
    assert 'value="Zoë-nobody"' in client.get(url).content.decode()  # the kept filter is shown
    assert 'value="Zoë-nobody"' in client.get(url, {"page": "1"}).content.decode()  # and paged

    cleared = client.post(url, {"clear": "1", "q": "ignored"})
    assert cleared.status_code == 302 and cleared["Location"] == url and _kept(client) == {}


@pytest.mark.parametrize("page", list(LISTS))
def test_a_bad_filter_value_is_a_400_and_keeps_nothing(world: World, page: str) -> None:
    who, address, bad_field = LISTS[page]
    client = Client()
    client.force_login(who(world))

    response = client.post(address(world), {bad_field: "no-such-value"})

    assert response.status_code == 400 and "no-such-value" in response.content.decode()
    assert _kept(client) == {}
