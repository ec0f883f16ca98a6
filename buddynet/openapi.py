"""The OpenAPI schema documents the error answers every endpoint can give (buddynet/api.py):
400 with field messages on writes, 401/403 without access, 404 for what the caller may not see,
409 on a conflicting write. Without them, a client generator or schemathesis (tests/security/
test_schemathesis.py) treats each of these documented behaviours as an undocumented surprise."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELDS = {
    "type": "object",
    "description": "Per field (or non_field_errors): a list of messages in the request's language.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def _response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:  # type: ignore[override]
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors: dict[str, dict[str, Any]] = {
            "401": _response("Not signed in.", _DETAIL),
            "403": _response("Signed in, but not allowed (or a second factor is still to be confirmed).", _DETAIL),
        }
        # 400 wherever input is read: a body, query parameters (filters, paging) or path values.
        errors["400"] = _response("Bad input: field messages.", {"oneOf": [_FIELDS, _DETAIL]})
        if "{" in self.path or self.method != "GET" or self._is_list_view():
            errors["404"] = _response("Not found, or not visible to the caller.", _DETAIL)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors["409"] = _response("Conflicts with the current state.", _DETAIL)
        for code, body in errors.items():
            responses.setdefault(code, body)
        return responses
