"""Audit log (django-auditlog): every change to the records about people, and every read of a
participant record — who, what, when (UTC), from where (IP address).

- Changes: the models in AUDITED are registered with auditlog; its signal receivers write one
  LogEntry per create, update and delete. Identity fields and every SPECIAL field of
  buddynet/privacy.py (notes: encrypted at rest, whose plain text auditlog would otherwise put
  in the diff) are masked completely (`mask_value`: "***", not auditlog's half-masked default).
- Reads: `AccessLogMiddleware` writes an ACCESS entry for the participant when one of the pages
  or API endpoints in READ_ROUTES answers 200 to a GET (the coordinator's participant page, the
  API participant detail, the participant's network map pages). One table, no edits in the
  other apps' views.
- Entry text: LogEntry.object_repr would be str(instance) — a participant's full name, an
  alter's label. `_fill_entry` replaces it with "<model> #<pk>" before the row is saved, so the
  log itself holds no name (and erasure has nothing to remove from it).
- Who and where: the request's user at the time the entry is written (after DRF has
  authenticated a token or session, so API clients count), and REMOTE_ADDR; X-Forwarded-For
  only when AUDIT_TRUST_X_FORWARDED_FOR is set (behind a proxy that overwrites it).
- Immutable from the application: the admin shows entries read-only (no add, change or delete
  for anyone), there is no API, and the model has no edit page.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from buddynet import privacy

_current_request: ContextVar[HttpRequest | None] = ContextVar("buddynet_audit_request", default=None)

MASK = "***"

# Identity fields masked in diffs even though they are PERSONAL, not SPECIAL: a change log that
# repeats a name or phone number is a second copy of it.
IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone", "birth_year", "latitude", "longitude", "referred_by")

# model label -> extra fields to mask (besides identity fields and SPECIAL ones from privacy.py).
AUDITED: dict[str, tuple[str, ...]] = {
    "people.Participant": (),
    "people.Volunteer": (),
    "duos.Duo": (),
    # The labels of new contacts are the alter labels of the network map, masked there too.
    "duos.CheckIn": ("new_contacts",),
    "duos.Goal": (),
    "netwerk.NetworkMap": ("note",),
    "netwerk.Alter": ("label",),
    "netwerk.Tie": (),
    # Who let the platform read an organisation's records, until when, and why (issue 16).
    "accounts.SupportAccess": (),
    # A project's follow-up settings and an organisation's allowance settings (issue 16): who
    # switched a rule off or changed a threshold, a rate or a maximum, and when.
    "people.Project": (),
    "notifications.ProjectRules": (),
    "aftercare.AftercareSettings": (),
    "funding.AllowanceSettings": (),
}


def mask_value(value: str) -> str:
    """AUDITLOG_MASK_CALLABLE: the whole value hidden (auditlog's default keeps half of it)."""
    return MASK


def masked_fields(model: Any) -> list[str]:
    label = model._meta.label
    special = {name for m, name in privacy.fields_at(privacy.Level.SPECIAL) if m == label}
    names = {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)}
    return sorted((special | set(IDENTITY_FIELDS) | set(AUDITED.get(label, ()))) & names)


def register_models() -> None:
    from auditlog.registry import auditlog
    from django.apps import apps

    for label in AUDITED:
        try:
            model = apps.get_model(label)
        except LookupError:  # an app not installed in this deployment
            continue
        if not auditlog.contains(model):
            auditlog.register(model, mask_fields=masked_fields(model))


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: REMOTE_ADDR, or the first X-Forwarded-For entry when trusted."""
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _fill_entry(sender: Any, instance: Any, **kwargs: Any) -> None:
    """pre_save of LogEntry: no name in object_repr; actor and address from the current request."""
    model = instance.content_type.model_class() if instance.content_type_id else None
    name = model._meta.model_name if model is not None else "object"
    instance.object_repr = f"{name} #{instance.object_pk}"
    request = _current_request.get()
    if request is None:
        return
    user = getattr(request, "user", None)
    if instance.actor_id is None and user is not None and user.is_authenticated:
        instance.actor = user._wrapped if hasattr(user, "_wrapped") else user
        instance.actor_email = getattr(user, "email", None)
    if not instance.remote_addr:
        instance.remote_addr = client_address(request)


def connect() -> None:
    from auditlog.models import LogEntry
    from django.db.models.signals import pre_save

    register_models()
    pre_save.connect(_fill_entry, sender=LogEntry, dispatch_uid="buddynet-audit-fill-entry")


# --- reads of participant records ----------------------------------------------------------

def _participant_of_map(map_id: Any) -> int | None:
    from django.apps import apps

    try:
        network_map = apps.get_model("netwerk", "NetworkMap")
    except LookupError:
        return None
    return network_map.objects.filter(pk=map_id).values_list("participant_id", flat=True).first()


# URL name (namespace:name) -> how to find the participant id from the URL's kwargs.
READ_ROUTES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "web:coordinator-participant": lambda kw: kw.get("participant_id"),
    "v1:participant-detail": lambda kw: kw.get("pk"),
    "netwerk:participant-maps": lambda kw: kw.get("participant_id"),
    "netwerk:map-edit": lambda kw: _participant_of_map(kw.get("map_id")),
    "netwerk:map-picture": lambda kw: _participant_of_map(kw.get("map_id")),
    "netwerk:map-export": lambda kw: _participant_of_map(kw.get("map_id")),
    "netwerk:map-change": lambda kw: _participant_of_map(kw.get("map_id")),
    "v1:netwerk-map-detail": lambda kw: _participant_of_map(kw.get("pk")),
}


def log_participant_read(request: HttpRequest, participant_id: Any, route: str) -> None:
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from buddynet.records.people.models import Participant

    try:
        pk = int(participant_id)
    except (TypeError, ValueError):
        return
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Participant),
        object_pk=str(pk),
        object_id=pk,
        object_repr="",
        action=LogEntry.Action.ACCESS,
        changes={},
        additional_data={"route": route, "path": request.path},
    )


class AccessLogMiddleware:
    """Keeps the request for `_fill_entry` and logs reads of participant records (READ_ROUTES)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if request.method == "GET" and response.status_code == 200:
                match = getattr(request, "resolver_match", None)
                route = match.view_name if match is not None else None
                if route in READ_ROUTES:
                    log_participant_read(request, READ_ROUTES[route](match.kwargs), route)
            return response
        finally:
            _current_request.reset(token)


def participant_reads(participant_id: int, *, limit: int = 20) -> list[Any]:
    """The latest reads of one participant's record, newest first (for the coordinator's page)."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from buddynet.records.people.models import Participant

    entries = list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Participant),
            object_pk=str(participant_id),
            action=LogEntry.Action.ACCESS,
        )
        .select_related("actor")
        .order_by("-timestamp", "-id")[:limit]
    )
    for entry in entries:
        route = (entry.additional_data or {}).get("route", "")
        entry.where = ROUTE_LABELS.get(route.split(":")[0], route)
    return entries


ROUTE_LABELS = {
    "web": _("participant page"),
    "v1": _("API"),
    "netwerk": _("network map"),
}
