"""API token authentication: DRF's TokenAuthentication with an expiry and a last-used date.

A token works for API_TOKEN_DAYS after it was made (an administrator makes a new one in the
admin); a request with an expired token answers 401 with a message saying so. The token's last
use is written at most once per API_TOKEN_LAST_USED_MINUTES (services.api_token_touch), and the
owner sees both dates on their account page (/account/beveiliging/) and may revoke the token
there; the global administrator revokes in the admin. The lookup stays one query: the last-use
row is joined to the token and user DRF loads anyway.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from buddynet.security import services


class CredentialsExpired(AuthenticationFailed):
    """An API token that was good and has expired: buddynet.api.exception_handler answers 401
    with WWW-Authenticate (DRF itself would turn it into 403, like a missing token)."""

    default_code = "credentials_expired"
    answer_401 = True


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        try:
            token = Token.objects.select_related("user", "use").get(key=key)
        except Token.DoesNotExist:
            raise AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        expires_at = services.api_token_expires_at(token)
        if expires_at <= now:
            raise CredentialsExpired(
                _("This API token expired on %(date)s. Ask an administrator for a new token.")
                % {"date": date_format(timezone.localtime(expires_at), "DATE_FORMAT")}
            )
        services.api_token_touch(token=token, now=now)
        return (token.user, token)
