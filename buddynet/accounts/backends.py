"""Authentication backends that load a signed-in user and their roles with one statement.

Django's auth.get_user() asks the backend named in the session for the user on every request;
Django's and django-sesame's ModelBackend select the user, and roles_of() then selects the
memberships. These subclasses answer with selectors.user_with_roles (one statement, roles
cached on the user) and otherwise behave as their parents: an inactive user is refused
(user_can_authenticate), passwords and magic links are checked exactly as before.

buddynet.security.axes.RequestAxesBackend has no get_user and never signs anyone in (it only
refuses locked-out accounts), so no session names it; it needs nothing of this.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import backends
from sesame import backends as sesame_backends

from buddynet.accounts.selectors import user_with_roles


class UserWithRolesMixin:
    def get_user(self, user_id: Any) -> Any | None:
        user = user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]

    async def aget_user(self, user_id: Any) -> Any | None:
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(UserWithRolesMixin, backends.ModelBackend):
    """E-mail and password (the sign-in page, the admin's login, DRF's session authentication)."""


class SesameBackend(UserWithRolesMixin, sesame_backends.ModelBackend):
    """Magic links for volunteers (django-sesame; web/volunteer.py). sesame also calls get_user
    to check a link, by primary key (SESAME_PRIMARY_KEY_FIELD is left at its default)."""


# What a session signed in before these backends existed names, and what it names now
# (buddynet/accounts/middleware.py renames the old ones).
MODEL_BACKEND = "buddynet.accounts.backends.ModelBackend"
SESAME_BACKEND = "buddynet.accounts.backends.SesameBackend"
RENAMED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": MODEL_BACKEND,
    "sesame.backends.ModelBackend": SESAME_BACKEND,
}
