"""The user and their roles in one statement: the same as the ORM and roles_of() give."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from buddynet.accounts.models import Role, User
from buddynet.accounts.selectors import roles_of, token_with_user_and_roles, user_with_roles
from buddynet.accounts.services import membership_grant
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


# --- The same roles as roles_of() ---------------------------------------------------------------
def people(w: World) -> dict[str, Any]:
    membership_grant(user=w.coordinator, role=Role.COORDINATOR, project=w.other_project)
    return {
        "volunteer": w.volunteer_user,
        "coordinator of two projects": w.coordinator,
        "funder": w.funder_user,
        "administrator": w.admin,
        "superuser without memberships": f.UserFactory(is_superuser=True, is_staff=True),
        "user without memberships": f.UserFactory(),
    }


@pytest.mark.parametrize("who", ["volunteer", "coordinator of two projects", "funder", "administrator",
                                 "superuser without memberships", "user without memberships"])
def test_the_user_and_roles_loaded_in_one_statement_are_what_the_orm_and_roles_of_give(
    world: World, who: str, django_assert_num_queries: Any,
) -> None:
    person = people(world)[who]
    token = Token.objects.create(user=person)
    expected_user = User.objects.get(pk=person.pk)
    expected_roles = roles_of(User.objects.get(pk=person.pk))
    values = [(getattr(expected_user, f.attname), type(getattr(expected_user, f.attname)))
              for f in User._meta.concrete_fields]

    with django_assert_num_queries(1):
        by_id = user_with_roles(str(person.pk))  # as the session stores it
    with django_assert_num_queries(1):
        by_token = token_with_user_and_roles(token.key)

    assert by_token is not None and (by_token.pk, by_token.user_id, by_token.created) == (
        token.pk, token.user_id, token.created)
    for loaded in (by_id, by_token.user):
        assert [(getattr(loaded, f.attname), type(getattr(loaded, f.attname)))
                for f in User._meta.concrete_fields] == values
        assert not loaded._state.adding and loaded._state.db == "default"
        with django_assert_num_queries(0):
            assert roles_of(loaded) == expected_roles
    if who == "coordinator of two projects":
        assert expected_roles.coordinated_project_ids == {world.project.pk, world.other_project.pk}


def test_no_user_or_token_is_none(world: World) -> None:
    assert user_with_roles(10**9) is None
    assert user_with_roles("not-a-number") is None
    assert token_with_user_and_roles("not-a-token") is None
