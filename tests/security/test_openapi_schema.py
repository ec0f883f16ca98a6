"""What schemathesis' stateful run needs from the schema and what it reported (issue 21, item 9):
DELETE documented as 204, list-field error shapes, 414, and links from creates to the new record."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_every_delete_documents_204_and_no_200_or_201(schema: dict[str, Any]) -> None:
    deletes = [(path, op["responses"]) for path, method, op in _operations(schema) if method == "delete"]
    assert deletes
    wrong = [path for path, responses in deletes if "204" not in responses or {"200", "201"} & set(responses)]
    assert not wrong


def test_every_operation_documents_414(schema: dict[str, Any]) -> None:
    assert all("414" in op["responses"] for _path, _method, op in _operations(schema))


def test_the_400_body_admits_a_list_fields_errors_per_index(schema: dict[str, Any]) -> None:
    body = schema["paths"]["/api/v1/check-ins/"]["post"]["responses"]["400"]["content"]["application/json"]["schema"]
    jsonschema.validate({"activities": {"0": ["Kies een geldige waarde."]}, "date": ["Verplicht."]}, body)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"date": "not a list"}, body)


def test_a_create_links_to_the_operations_on_the_record_it_made(schema: dict[str, Any]) -> None:
    links = schema["paths"]["/api/v1/goals/"]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"] for link in links.values()}
    item_ops = {op["operationId"] for method, op in schema["paths"]["/api/v1/goals/{id}/"].items()}
    assert item_ops <= targets
    assert all(link["parameters"] == {"id": "$response.body#/id"} for link in links.values())
