"""The unread count for the header of every page (base.html shows it when present)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications import selectors


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that never shows the header (an e-mail, a JSON error) costs no query.
    return {
        "notifications_inbox_url": "/meldingen/",
        "notifications_unread": SimpleLazyObject(lambda: selectors.unread_count(user=user)),
    }
