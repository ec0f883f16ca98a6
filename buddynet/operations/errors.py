"""Error reporting to Sentry (sentry-sdk) when SENTRY_DSN is set, without personal data.

What buddynet's errors could carry, and what happens to it before an event leaves the process
(`scrub_event`, sentry-sdk's before_send; `scrub_breadcrumb` for breadcrumbs):
- request bodies (check-in notes, intake answers), cookies (the session), query strings (e-mail
  addresses, sign-in tokens) and every header but a few harmless ones: removed;
- the user: only the numeric id stays (no e-mail address, no name, no IP address);
- local variables of stack frames (a participant object, a note being saved): never collected
  (include_local_variables=False) and removed if present;
- log records' arguments (`logger.warning("... %s", name)`) and `extra`: removed; the message
  template stays;
- e-mail addresses anywhere in messages and exception values: replaced; PostgreSQL's
  "Key (column)=(value)" details: the value replaced.
This module imports no model, so the settings may call `sentry_init`.
"""

from __future__ import annotations

import re
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
KEY_VALUE = re.compile(r"(Key \([^)]*\)=\()[^)]*(\))")
KEPT_HEADERS = {"content-type", "content-length", "accept", "accept-language", "x-request-id", "user-agent",
                "host", "x-forwarded-proto"}
FILTERED = "[Filtered]"


def scrub_text(text: str) -> str:
    return KEY_VALUE.sub(rf"\g<1>{FILTERED}\g<2>", EMAIL.sub("[email]", text))


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    url = str(request.get("url", ""))
    headers = request.get("headers") or {}
    return {
        "method": request.get("method"),
        "url": scrub_text(url.split("?", 1)[0]),
        "headers": {k: scrub_text(str(v)) for k, v in headers.items() if k.lower() in KEPT_HEADERS},
    }


def _scrub_frames(container: dict[str, Any] | None) -> None:
    if not container:
        return
    for frame in (container.get("stacktrace") or {}).get("frames") or []:
        frame.pop("vars", None)


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """sentry-sdk's before_send: the event with the personal data listed above removed."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if "id" in user else {}
    event.pop("extra", None)
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        logentry.pop("params", None)
        logentry.pop("formatted", None)
        if "message" in logentry:
            logentry["message"] = scrub_text(str(logentry["message"]))
    for exception in (event.get("exception") or {}).get("values") or []:
        if exception.get("value"):
            exception["value"] = scrub_text(str(exception["value"]))
        _scrub_frames(exception)
    for thread in (event.get("threads") or {}).get("values") or []:
        _scrub_frames(thread)
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    if isinstance(values, list):
        # Already passed through before_breadcrumb with their log records; what still has a formatted
        # message of unknown origin loses it.
        values[:] = [crumb for crumb in (_scrub_known_breadcrumb(c) for c in values) if crumb is not None]
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """sentry-sdk's before_breadcrumb: SQL parameters, log arguments and HTTP data go; a log
    record's breadcrumb keeps its message template, not the formatted message."""
    crumb.pop("data", None)
    record = (hint or {}).get("log_record")
    if record is not None:
        crumb["message"] = str(record.msg)
    elif crumb.get("type") == "log" or crumb.get("category") not in (None, "query", "httplib", "redis"):
        crumb.pop("message", None)  # no template to fall back on: nothing of it leaves
    if crumb.get("message"):
        crumb["message"] = scrub_text(str(crumb["message"]))
    return crumb


def _scrub_known_breadcrumb(crumb: dict[str, Any]) -> dict[str, Any]:
    crumb.pop("data", None)
    if crumb.get("message"):
        crumb["message"] = scrub_text(str(crumb["message"]))
    return crumb


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float = 0.0, **options: Any) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        **options,  # tests: a transport that keeps the events
    )
