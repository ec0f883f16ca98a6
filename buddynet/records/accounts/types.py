"""The type of who asks, for the selectors and services that scope by it."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from buddynet.records.accounts.models import User

# The signed-in user; an anonymous one (a request before sign-in); or nobody (a task that acts for
# no one). Every access helper answers the last two with nothing in scope (roles_of: no roles).
Actor: TypeAlias = User | AnonymousUser | None
