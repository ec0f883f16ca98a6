"""Response headers that keep personal data out of caches and switch off unused browser features;
the API's body size limit."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

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
