"""Filters on related records in /api/v1/ lists: an id outside the caller's scope and an id that
does not exist answer alike (200, an empty list), so a filter cannot tell which ids exist; for an
id in scope the filter really filters.

The lists and their owner's object come from the access matrix (tests/test_api_access.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import get_resolver, reverse
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.test import APIRequestFactory

from tests.conftest import World, client_for
from tests.test_api_access import ROWS, Row, _flatten, results

UNKNOWN_ID = 987654321
# Who lists as the owner: the narrowest role that sees the owner's object.
OWNER_PREFERENCE = ("coordinator", "funder_user", "volunteer_user", "admin")
CALLERS = ("admin", "coordinator", "volunteer_user", "other_coordinator", "funder_user")


def list_views() -> dict[str, Any]:
    """URL name → viewset class, for every list route of the v1 API."""
    _, resolver = get_resolver().namespace_dict["v1"]
    found = {}
    for pattern in _flatten(resolver.url_patterns):
        if "format" in pattern.pattern.regex.groupindex:
            continue
        actions = getattr(pattern.callback, "actions", None) or {}
        if actions.get("get") == "list":
            found[pattern.name] = pattern.callback.cls
    return found


def filterset_of(viewset: type) -> Any:
    """The filterset the API builds for a viewset's list (None when it filters nothing)."""
    view = viewset()
    request = APIRequestFactory().get("/")
    request.user = AnonymousUser()
    view.request, view.action, view.format_kwarg, view.kwargs = request, "list", None, {}
    backend = next(b for b in view.filter_backends if issubclass(b, DjangoFilterBackend))
    return backend().get_filterset_class(view, view.get_queryset())


def relation_filters(viewset: type) -> dict[str, Any]:
    """The list's filters on a related record, whatever filter class they use."""
    filterset = filterset_of(viewset)
    if filterset is None:
        return {}
    found = {}
    for name, flt in filterset.base_filters.items():
        try:
            field = filterset._meta.model._meta.get_field(flt.field_name)
        except FieldDoesNotExist:
            continue  # a filter with its own method (e.g. the inbox's "unread")
        if field.is_relation:
            found[name] = flt
    return found


LIST_ROWS = [row for row in ROWS if row.method == "GET" and row.name.endswith("-list")]


def test_no_list_filters_through_a_lookup_of_the_whole_related_table(db: Any) -> None:
    """A ModelChoiceFilter checks the id against the unscoped table: it answers an unknown id
    with a 400 and a hidden one with a 200, and so tells which ids exist."""
    lookups = {
        (name, filter_name)
        for name, viewset in list_views().items()
        if (filterset := filterset_of(viewset)) is not None
        for filter_name, flt in filterset.base_filters.items()
        if isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter)
    }
    assert lookups == set()


def test_every_list_filterset_refuses_a_blank_value(db: Any) -> None:
    """A filterset of its own must still derive from ScopedFilterSet, which answers `?kind=` with
    a 400 (the inbox's did not: schemathesis' stateful run, ST201)."""
    from buddynet.api_filters import ScopedFilterSet

    loose = {
        name for name, viewset in list_views().items()
        if (filterset := filterset_of(viewset)) is not None and not issubclass(filterset, ScopedFilterSet)
    }
    assert loose == set()


def test_every_list_with_a_relation_filter_is_tested_below(db: Any) -> None:
    with_owner_object = {row.name for row in LIST_ROWS if row.owner_object is not None}
    filtered = {name for name, viewset in list_views().items() if relation_filters(viewset)}
    assert filtered, "no list has a relation filter: the test below would test nothing"
    assert filtered - with_owner_object == set(), "give these lists an owner_object in tests/test_api_access.py"


def _related_id(obj: models.Model, field_name: str) -> Any:
    field = obj._meta.get_field(field_name)
    assert field.concrete and field.is_relation, f"{field_name}: only a forward relation is tested here"
    return getattr(obj, field.attname)


# Only the lists that have a relation filter: a list without one has nothing to test here (and
# the test above fails when a list with one has no owner object).
RELATION_LISTS = [r for r in LIST_ROWS if r.owner_object is not None and relation_filters(list_views()[r.name])]


@pytest.mark.parametrize("row", [pytest.param(r, id=r.name) for r in RELATION_LISTS])
def test_a_relation_filter_answers_an_out_of_scope_id_as_an_unknown_one(world: World, row: Row) -> None:
    filters = relation_filters(list_views()[row.name])
    url = reverse(f"v1:{row.name}", kwargs=row.target(world))  # the target makes the list's rows
    owner_object = row.owner_object(world)  # type: ignore[misc]
    model = type(owner_object)
    owner = getattr(world, next(r for r in OWNER_PREFERENCE if r in row.sees_owner_object))
    tested = 0

    for name, flt in filters.items():
        related_id = _related_id(owner_object, flt.field_name)
        if related_id is None:
            continue  # e.g. a coordinator membership's funder: nothing to filter the owner's object by
        tested += 1

        # The owner: the filter keeps their object and only rows with that relation ...
        mine = client_for(owner).get(url, {name: related_id})
        assert mine.status_code == 200, (name, mine.content)
        ids = [item["id"] for item in results(mine)]
        assert owner_object.pk in ids, name
        assert not model.objects.filter(pk__in=ids).exclude(**{flt.field_name: related_id}).exists(), name
        # ... and an id that does not exist leaves nothing.
        unknown = client_for(owner).get(url, {name: UNKNOWN_ID})
        assert unknown.status_code == 200, (name, unknown.content)
        assert results(unknown) == [], name

        # Everyone who may not see the owner's object: its relation's id answers as an unknown id.
        for role in CALLERS:
            if role in row.sees_owner_object:
                continue
            client = client_for(getattr(world, role))
            hidden, missing = client.get(url, {name: related_id}), client.get(url, {name: UNKNOWN_ID})
            assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()), (role, name)
    assert tested, f"no relation filter of {row.name} was tested"


def test_a_relation_filter_refuses_what_is_no_id_whoever_asks(world: World) -> None:
    for user in (world.coordinator, world.other_coordinator):
        for value in ("abc", str(2**63)):
            response = client_for(user).get("/api/v1/duos/", {"participant": value})
            assert response.status_code == 400, response.content
            assert list(response.json()) == ["participant"]


@pytest.mark.parametrize(("path", "name"), [
    ("/api/v1/match-locked-pairs/", "project"),  # a relation (found by schemathesis: `?project=` was a 200)
    ("/api/v1/duos/", "status"),  # a choice
    ("/api/v1/notifications/", "kind"),  # a choice on a filterset of its own (schemathesis, ST201)
])
def test_a_filter_sent_empty_is_a_400_naming_it_in_the_callers_language(world: World, path: str, name: str) -> None:
    client = client_for(world.coordinator)
    dutch = client.get(path, {name: ""}, HTTP_ACCEPT_LANGUAGE="nl-BE")
    english = client.get(path, {name: ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert (dutch.status_code, english.status_code) == (400, 400)
    assert english.json() == {name: ["This field may not be blank."]}
    assert dutch.json() == {name: ["Dit veld mag niet leeg zijn."]}
    assert client.get(path).status_code == 200  # left out, the filter simply does not apply


@pytest.mark.parametrize("value", ["null", "-1", "1", "True", "yes"])
def test_a_boolean_filter_refuses_what_is_not_true_or_false(world: World, value: str) -> None:
    # schemathesis' stateful run: `?is_active=null&is_staff=-1` answered 200 with every user.
    response = client_for(world.admin).get(f"/api/v1/users/?is_active={value}")
    assert response.status_code == 400
    assert "is_active" in response.json()


def test_a_boolean_filter_filters_on_true_and_false(world: World) -> None:
    from buddynet.records.accounts.models import User

    User.objects.filter(pk=world.other_volunteer_user.pk).update(is_active=False)
    active = client_for(world.admin).get("/api/v1/users/?is_active=true").json()
    inactive = client_for(world.admin).get("/api/v1/users/?is_active=false").json()
    assert world.other_volunteer_user.pk not in [u["id"] for u in active["results"]]
    assert [u["id"] for u in inactive["results"]] == [world.other_volunteer_user.pk]
