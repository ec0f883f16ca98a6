"""Response headers that keep personal data out of caches."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

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
