"""The OpenAPI schema documents the error answers every endpoint can give (buddynet/api.py):
400 with field messages on writes, 403 without access (also when not signed in: see below),
404 for what the caller may not see, 409 on a conflicting write, 413 on an oversized body.
Without them, a client generator or schemathesis (tests/security/test_schemathesis.py)
treats each of these documented behaviours as an undocumented surprise."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_MESSAGES = {"type": "array", "items": {"type": "string"}}
_FIELDS = {
    "type": "object",
    "description": "Per field (or non_field_errors): a list of messages in the request's language; "
    "for a list field or a nested object, its messages per item index or per sub-field "
    '(e.g. {"activities": {"0": ["…"]}}).',
    "additionalProperties": {"oneOf": [
        _MESSAGES,
        {"type": "object", "additionalProperties": {"oneOf": [_MESSAGES, {"type": "object"}]}},
    ]},
}


def _response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:  # type: ignore[override]
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors: dict[str, dict[str, Any]] = {
            # Not 401: SessionAuthentication comes first and names no WWW-Authenticate scheme, so DRF
            # answers a missing or bad token with 403 too (tests/test_api_access.py pins it).
            "403": _response("Not signed in, or not allowed (or a second factor is still to be confirmed).", _DETAIL),
            # An expired API token (buddynet/security/tokens.py) answers 401, with WWW-Authenticate.
            "401": _response("The API token has expired.", _DETAIL),
        }
        # 400 wherever input is read: a body, query parameters (filters, paging) or path values.
        errors["400"] = _response("Bad input: field messages.", {"oneOf": [_FIELDS, _DETAIL]})
        if "{" in self.path or self.method != "GET" or self._is_list_view():
            errors["404"] = _response("Not found, or not visible to the caller.", _DETAIL)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors["409"] = _response("Conflicts with the current state.", _DETAIL)
            errors["413"] = _response("The request body is too large.", _DETAIL)
        for code, body in errors.items():
            responses.setdefault(code, body)
        # A request line over the server's limit (a query string of thousands of filter values):
        # the HTTP server answers 414 before Django sees it, with no JSON body.
        responses.setdefault("414", {"description": "The request line (the address with its query) is too long."})
        if self.method == "DELETE":
            # DRF's destroy answers 204 without a body; a viewset-wide @extend_schema(responses=…)
            # would otherwise document its 200/201 for DELETE too.
            for code in ("200", "201"):
                responses.pop(code, None)
            responses.setdefault("204", {"description": "Deleted."})
        return responses


# Operations whose answer depends on the caller's role, which one generated schema cannot see:
# GET /api/v1/duos/, /api/v1/duos/{id}/ and POST …/next-meeting/ give coordinators and administrators DuoOutput and
# volunteers VolunteerDuoOutput (buddynet/records/duos/apis.py DuoViewSet.get_serializer_class). The
# schema was generated without a caller and named only the volunteer's shape; schemathesis found
# coordinators' answers "violating" it. Better placed as @extend_schema on the viewset by the
# owner of duos/apis.py; done here as a postprocessing hook so that file stays untouched.
_ROLE_DEPENDENT = {
    ("/api/v1/duos/", "get"): ("DuoOutput", "VolunteerDuoOutput", True),
    ("/api/v1/duos/{id}/", "get"): ("DuoOutput", "VolunteerDuoOutput", False),
    ("/api/v1/duos/{id}/next-meeting/", "post"): ("DuoOutput", "VolunteerDuoOutput", False),
}


# Fields that answer null but whose serializer field does not say allow_null (schemathesis found
# them): DuoOutput.last_check_in_on is null for a duo without check-ins. The proper fix is
# `allow_null=True` on that field in buddynet/records/duos/apis.py (another helper's file in this round).
_NULLABLE = {("DuoOutput", "last_check_in_on")}


def role_dependent_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS: anyOf the shapes a role-dependent answer has;
    nullable where a field answers null (_NULLABLE)."""
    components = result.get("components", {}).get("schemas", {})
    for component, field in _NULLABLE:
        prop = components.get(component, {}).get("properties", {}).get(field)
        if prop is not None:
            prop["nullable"] = True
    for (path, method), (full, narrow, paged) in _ROLE_DEPENDENT.items():
        operation = result.get("paths", {}).get(path, {}).get(method)
        if operation is None or full not in components or narrow not in components:
            continue
        either = {"anyOf": [{"$ref": f"#/components/schemas/{full}"}, {"$ref": f"#/components/schemas/{narrow}"}]}
        content = operation["responses"]["200"]["content"]["application/json"]
        if paged:
            page = dict(content["schema"])
            if "$ref" in page:
                page = dict(components[page["$ref"].rsplit("/", 1)[1]])
            page["properties"] = {**page["properties"], "results": {"type": "array", "items": either}}
            content["schema"] = page
        else:
            content["schema"] = either
    return result


def crud_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS: OpenAPI links from each create (POST /x/, 201
    with an id) to the operations on the new object (/x/{id}/ and its actions), so schemathesis'
    stateful phase can create a record and then read, change and delete that very record."""
    paths = result.get("paths", {})
    for collection, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None or "{" in collection:
            continue
        links: dict[str, Any] = {}
        for path, item_operations in paths.items():
            if not path.startswith(f"{collection}{{id}}/"):
                continue
            for operation in item_operations.values():
                operation_id = operation.get("operationId") if isinstance(operation, dict) else None
                if operation_id:
                    links[operation_id] = {"operationId": operation_id, "parameters": {"id": "$response.body#/id"}}
        if links:
            created["links"] = links
    return result
