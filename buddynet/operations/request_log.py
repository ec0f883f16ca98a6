"""One log line per request: request id, user id (never a name or an e-mail address), method,
path (never the query string, which may carry an address or a sign-in token), status, duration.

With LOG_FORMAT=json the line is a JSON object (python-json-logger, settings.LOGGING) whose
fields are the `extra` below; otherwise plain text. The request id comes from the proxy's
X-Request-ID header when it is a plausible one, else a new one; it is sent back in the answer,
so a user's report, the proxy's log and this line can be matched.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("buddynet.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id_of(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        # The session's user (already loaded by the middleware below), or the API token's (DRF sets it).
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        response["X-Request-ID"] = request_id
        logger.info("%s %s %s %.1f ms", request.method, request.path, response.status_code, duration_ms,
                    extra={"request_id": request_id, "user_id": user_id, "method": request.method,
                           "path": request.path, "status": response.status_code, "duration_ms": duration_ms})
        return response
