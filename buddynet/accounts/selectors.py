"""Who is this user? Role look-ups that every access helper starts from.

The answer is cached on the user object for the length of one request, so scoping a list and
checking a write costs one query, not one per check. A signed-in request does not even pay that
one: its user is loaded together with the memberships in one statement (user_with_roles for a
session, token_with_user_and_roles for an API token), which fills the same cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Model
from rest_framework.authtoken.models import Token

from buddynet.accounts.models import Membership, Role, User


@dataclass(frozen=True)
class Roles:
    administrator: bool = False
    coordinated_project_ids: frozenset[int] = field(default_factory=frozenset)
    volunteer_id: int | None = None
    funder_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinated_project_ids)

    def coordinates(self, project_id: int) -> bool:
        return self.administrator or project_id in self.coordinated_project_ids


# The Membership columns a Roles is made of, in the order _roles_from_rows reads them.
_MEMBERSHIP_FIELDS = ("role", "project_id", "volunteer_id", "funder_id")


def roles_of(user: Any) -> Roles:
    if user is None or not user.is_authenticated or not user.is_active:
        return Roles()
    cached = getattr(user, "_buddynet_roles", None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(user=user).values_list(*_MEMBERSHIP_FIELDS)
    roles = _roles_from_rows(is_superuser=user.is_superuser, rows=rows)
    user._buddynet_roles = roles
    return roles


def volunteer_only(user: Any) -> bool:
    """A volunteer and nothing else: no office role, no admin access. Such a user gets the
    volunteer's long phone session and may sign in by a link sent by e-mail (a coordinator's
    or administrator's mailbox must not be a second key to many people's records)."""
    roles = roles_of(user)
    return (
        roles.volunteer_id is not None
        and not roles.administrator
        and not roles.is_coordinator
        and not roles.funder_ids
        and not user.is_staff
    )


def _roles_from_rows(*, is_superuser: bool, rows: Iterable[Sequence[Any]]) -> Roles:
    """Roles from (role, project_id, volunteer_id, funder_id) rows. The row of NULLs that the
    LEFT JOIN below returns for a user without memberships adds nothing."""
    administrator = bool(is_superuser)
    projects: set[int] = set()
    volunteer_id = None
    funders: set[int] = set()
    for role, project_id, vol_id, funder_id in rows:
        if role == Role.ADMINISTRATOR:
            administrator = True
        elif role == Role.COORDINATOR:
            projects.add(project_id)
        elif role == Role.VOLUNTEER:
            volunteer_id = vol_id
        elif role == Role.FUNDER:
            funders.add(funder_id)
    return Roles(administrator, frozenset(projects), volunteer_id, frozenset(funders))


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after a membership changes within the same request or test)."""
    if hasattr(user, "_buddynet_roles"):
        del user._buddynet_roles


# --- The user and their roles in one statement -------------------------------------------------
# Every signed-in request used to run two SELECTs before its view: the user (or the token JOIN
# its user), then roles_of()'s memberships. One LEFT JOIN returns the user's columns on each of
# their membership rows; the user is built from the first row, the roles from all of them.
# Plain SQL that SQLite and PostgreSQL both run, built once per database vendor: only quoted
# names from the models' _meta are formatted in, the id or key is always a parameter.
_user_and_roles_sql: dict[tuple[str, bool], str] = {}


def _user_and_roles_sql_for(connection: Any, *, by_token: bool) -> str:
    sql = _user_and_roles_sql.get((connection.vendor, by_token))
    if sql is None:
        qn = connection.ops.quote_name
        user, membership, token = User._meta, Membership._meta, Token._meta
        columns = [f"u.{qn(f.column)}" for f in user.concrete_fields]
        columns += [f"m.{qn(membership.get_field(name).column)}" for name in _MEMBERSHIP_FIELDS]
        memberships = f"LEFT JOIN {qn(membership.db_table)} m " \
            f"ON m.{qn(membership.get_field('user').column)} = u.{qn(user.pk.column)}"
        if by_token:
            columns = [f"t.{qn(f.column)}" for f in token.concrete_fields] + columns
            source = f"{qn(token.db_table)} t INNER JOIN {qn(user.db_table)} u " \
                f"ON u.{qn(user.pk.column)} = t.{qn(token.get_field('user').column)}"
            where = f"t.{qn(token.pk.column)} = %s"
        else:
            source = f"{qn(user.db_table)} u"
            where = f"u.{qn(user.pk.column)} = %s"
        sql = f"SELECT {', '.join(columns)} FROM {source} {memberships} WHERE {where}"  # noqa: S608
        _user_and_roles_sql[(connection.vendor, by_token)] = sql
    return sql


def _from_row(model: type[Model], row: Sequence[Any], connection: Any) -> Any:
    """An instance as the ORM would load it: each value through the same converters (SQLite
    returns booleans as 0/1 and naive datetimes, which the ORM converts), then Model.from_db."""
    fields = model._meta.concrete_fields
    values = list(row[:len(fields)])
    for i, f in enumerate(fields):
        col = f.get_col(model._meta.db_table)
        for converter in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            values[i] = converter(values[i], col, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def _user_from_rows(rows: Sequence[Sequence[Any]], connection: Any) -> Any:
    user = _from_row(User, rows[0], connection)
    user._buddynet_roles = _roles_from_rows(is_superuser=user.is_superuser,
                                            rows=[row[-len(_MEMBERSHIP_FIELDS):] for row in rows])
    return user


def user_with_roles(user_id: Any) -> Any | None:
    """The user with this primary key, their roles already cached (what roles_of would answer),
    loaded with one statement; None if there is no such user. Active or not: the caller decides
    (the authentication backends in buddynet/accounts/backends.py refuse inactive users)."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    connection = connections[router.db_for_read(User)]
    with connection.cursor() as cursor:
        cursor.execute(_user_and_roles_sql_for(connection, by_token=False),
                       [User._meta.pk.get_db_prep_value(pk, connection)])
        rows = cursor.fetchall()
    return _user_from_rows(rows, connection) if rows else None


def token_with_user_and_roles(key: str) -> Token | None:
    """The DRF API token with this key, its user loaded and their roles cached, with one
    statement; None if there is no such token (buddynet/accounts/authentication.py)."""
    connection = connections[router.db_for_read(Token)]
    with connection.cursor() as cursor:
        cursor.execute(_user_and_roles_sql_for(connection, by_token=True), [key])
        rows = cursor.fetchall()
    if not rows:
        return None
    token = _from_row(Token, rows[0], connection)
    token.user = _user_from_rows([row[len(Token._meta.concrete_fields):] for row in rows], connection)
    return token
