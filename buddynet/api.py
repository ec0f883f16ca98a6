"""Shared API plumbing: error format, scoped viewsets.

Errors are JSON in the request's language (LocaleMiddleware picks it from Accept-Language,
the user's choice or the default nl-BE):
- 400 {"field": ["message", ...], "non_field_errors": [...]} for bad input;
- 403/404/409 {"detail": "message"}.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from buddynet.errors import ServiceError
from buddynet.records.accounts.selectors import Roles, roles_of


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def _as_drf(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = {
                (api_settings.NON_FIELD_ERRORS_KEY if k == "__all__" else k): v
                for k, v in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, ServiceError):
        message = exc.message
        if exc.status_code == 400:
            if not isinstance(message, dict):
                message = {api_settings.NON_FIELD_ERRORS_KEY: [message]}
            # Services may give one message per field; the API always answers a list.
            message = {k: v if isinstance(v, list) else [v] for k, v in message.items()}
            return exceptions.ValidationError(message)
        if isinstance(message, dict):
            message = "; ".join(str(v) for v in message.values())
        if exc.status_code == 403:
            return exceptions.PermissionDenied(message)
        return ConflictError(message)
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(_as_drf(exc), context)
    if getattr(exc, "answer_401", False) and response is not None:
        # Credentials that were good and are no longer (an expired API token, see
        # buddynet/security/tokens.py): 401, although a missing or wrong token answers 403
        # (SessionAuthentication comes first and names no scheme; tests/test_api_access.py).
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response["WWW-Authenticate"] = 'Token realm="api"'
    return response


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose rows come only from a selector scoped by the caller.

    Subclasses set `selector` (user → queryset); reading an object outside it is a 404.
    `can_write(roles, obj)` decides writes on a visible object (403 when false).
    Writes run in one transaction, so a failing service leaves nothing half-saved.
    """

    selector: Any = None
    # Roles that may use the collection at all (list/create); others get 403 there and,
    # because the selector gives them nothing, 404 on every object.
    allowed_roles: frozenset[str] = frozenset({"administrator", "coordinator"})

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.action in ("list", "create") and not (self.role_names() & self.allowed_roles):
            raise exceptions.PermissionDenied()

    def role_names(self) -> set[str]:
        roles = self.roles
        names = set()
        if roles.administrator:
            names.add("administrator")
        if roles.is_coordinator:
            names.add("coordinator")
        if roles.volunteer_id is not None:
            names.add("volunteer")
        if roles.funder_ids:
            names.add("funder")
        if roles.is_org_admin:
            # An organisation administrator manages accounts on /organisatie/ and reads no
            # participant data: no collection lists it, except what every account has (the inbox).
            names.add("org_admin")
        return names

    def get_queryset(self) -> Any:
        return type(self).selector(user=self.request.user)

    def get_object(self) -> Any:
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        try:
            obj = self.get_queryset().get(pk=int(lookup))
        except (TypeError, ValueError, OverflowError, self.get_queryset().model.DoesNotExist):
            raise Http404 from None
        self.check_object_permissions(self.request, obj)
        return obj

    @property
    def roles(self) -> Roles:
        return roles_of(self.request.user)

    def can_write(self, roles: Roles, obj: Any) -> bool:
        return roles.administrator

    def require_write(self, obj: Any) -> None:
        if not self.can_write(self.roles, obj):
            raise exceptions.PermissionDenied()

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)
                # DRF turns the exception into a response inside dispatch, so the block would
                # exit normally and commit whatever was written before the failure.
                if response.status_code >= 400:
                    transaction.set_rollback(True)
                return response
        return super().dispatch(request, *args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id that must be inside the caller's scope; anything else is "does not exist"."""

    def __init__(self, selector: Any, **kwargs: Any) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return self.selector(user=self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class CheckedLaterIdField(ScopedRelatedField):
    """A related id validated as an id only: the service that writes checks it against the
    caller's scope in its own statement (check_in_record's INSERT), and the view answers a
    refusal with this field's "does not exist", as ScopedRelatedField would. The answer
    shows the id (the relation's pk, read without loading the row)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            value = int(data) if isinstance(data, int) else int(str(data))
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return value

    def does_not_exist(self, pk_value: Any) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.field_name: [
            self.error_messages["does_not_exist"].format(pk_value=pk_value)]})


class ServiceCreateMixin:
    """POST, and changes through `change`, go through `save` (a service); for ScopedViewSets."""

    def save(self, *, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def check_create(self, data: Any) -> None:
        """Refuse (403) a caller who may not create here; `data` is the raw, unvalidated input.

        Decided before validation: a role with no business here gets 403, not a 400 that
        describes the form (or "project does not exist"). Scoped related fields already refuse
        what the caller cannot see."""

    def create(self: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        self.check_create(request.data)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.save(instance=None, data=serializer.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def change(self: Any, request: Any, *, partial: bool) -> Response:
        obj = self.get_object()
        self.require_write(obj)
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = self.save(instance=obj, data=serializer.validated_data)
        return Response(self.get_serializer(obj).data)


class ServicePatchMixin:
    """PATCH through `save` (with ServiceCreateMixin), for records that may change once made."""

    def partial_update(self: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        return self.change(request, partial=True)


class FieldsBuiltOnce:
    """A ModelSerializer mixin: build the fields from the model once per class, then copy them.

    ModelSerializer rebuilds every field from the model's meta for each instance, which on the
    check-in POST (two serializers: input and answer) cost more CPU than the rest of the request
    (benchmarks/checkin_api.py). The fields depend only on the class (Meta and the declared
    fields), never on the instance, data or context, so a deep copy of the first build is the
    same set: DRF copies its declared fields per instance the same way.
    """

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


def not_found(request: Any, exception: Exception | None = None) -> Any:
    """handler404: a JSON answer for addresses under /api/ that match no route (a client reads
    {"detail": ...} as from every other API error), Django's page for the rest."""
    from django.http import JsonResponse
    from django.utils.translation import gettext
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return page_not_found(request, exception)  # type: ignore[arg-type]
