"""Response headers that keep personal data out of caches and switch off unused browser features;
the API's body size limit."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Content that holds no personal data and that browsers and the offline volunteer app may cache:
# scripts (the service worker among them), styles, the web app manifest, images and fonts.
CACHEABLE_CONTENT_TYPES = (
    "application/javascript",
    "text/javascript",
    "text/css",
    "application/manifest+json",
    "image/",
    "font/",
)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page and API response (ASVS V14.3: no sensitive data
    in browser or proxy caches), unless the view set its own Cache-Control (a deliberate choice
    for content that is not personal) or the content type is one of CACHEABLE_CONTENT_TYPES.

    Static files never get here: WhiteNoise answers them earlier in the middleware chain. The
    volunteer app's service worker stores pages through the Cache API, which no-store does not
    prevent (it only keeps the HTTP cache and proxies from keeping a copy).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type.startswith(CACHEABLE_CONTENT_TYPES):
            return response
        patch_cache_control(response, no_store=True, private=True)
        return response


# Browser features no buddynet page uses, switched off for the page and anything it embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), publickey-credentials-get=(), usb=(), xr-spatial-tracking=()"
)


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every response Django makes (issue 21 item 8)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class APIBodyLimitMiddleware:
    """A body larger than the API accepts answers 413 in the API's JSON error format, before it is
    read (Django's own limit gives an HTML 400 page). Multipart bodies (receipts) may carry up to
    settings.API_MAX_UPLOAD_BYTES; any other body up to DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
            limit = settings.API_MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and length > limit:
                return JsonResponse(
                    {"detail": _("The request body is too large (at most %(mb)s MB).")
                     % {"mb": f"{limit / 1_000_000:.1f}"}},
                    status=413,
                )
        return self.get_response(request)


# Seconds a client is asked to wait when the database is away (a restart takes 3-9 s).
DATABASE_RETRY_AFTER_SECONDS = 5


def is_database_unavailable(exception: BaseException | None) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exception, OperationalError | InterfaceError)


def database_unavailable_response(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """503 with Retry-After for a request that met an unreachable database (PostgreSQL
    restarting, a connection cut) instead of a 500 (issue 21 item 13): JSON on the API, a short
    page in the user's language elsewhere, rendered without touching the database. Broken
    connections are closed, so the next request opens a new one. The phone's outbox keeps a
    check-in that got a 5xx and sends it again later (web/static/web/volunteer-outbox.js)."""
    from django.db import connections
    from django.template.loader import render_to_string

    logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": _("The database is briefly unavailable. Try again in a few seconds.")}, status=503)
    else:
        html = render_to_string("errors/database_unavailable.html",
                                {"request": request, "retry_after": DATABASE_RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a view's database-unavailable exception into the 503 above. An exception raised in
    a middleware (loading the session or the user) never reaches process_exception: Django hands
    it to handler500, which is `server_error` below and answers the same 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return database_unavailable_response(request, exception)
        return None


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: the 503 above when the exception being handled is an unreachable database,
    else Django's own 500 page."""
    import sys

    from django.views.defaults import server_error as django_server_error

    exception = sys.exc_info()[1]
    if is_database_unavailable(exception):
        assert exception is not None
        return database_unavailable_response(request, exception)
    return django_server_error(request, template_name)
