"""DRF token authentication that loads the token, its user and their roles with one statement."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from buddynet.accounts.selectors import token_with_user_and_roles


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's TokenAuthentication (same header, same answers and messages), but the token, its
    user and the user's memberships come in one statement instead of two (token JOIN user, then
    roles_of()). drf-spectacular documents it as DRF's (its TokenScheme matches subclasses)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = token_with_user_and_roles(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
