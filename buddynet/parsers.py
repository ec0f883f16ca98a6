"""The API's JSON parser: DRF's, with the limits a public endpoint needs.

- Nesting is bounded (MAX_DEPTH): 5,000 nested `[` made the standard library's decoder raise
  RecursionError, a 500 with an HTML page; now a 400 in the API's JSON error format.
- NUL characters are refused anywhere in a body, keys included: PostgreSQL cannot store them in
  text or jsonb, so a NUL in a JSON key of `matching_weights` was a database error (500).
- A body of `null` is refused with a message in the user's language (DRF's serializers answer it
  with an untranslated "No data provided"); no endpoint takes one.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No API body of buddynet nests deeper than a few levels (matching weights: 2).
MAX_DEPTH = 32


def _check(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ParseError(_("JSON nested too deeply (at most %(depth)d levels).") % {"depth": MAX_DEPTH})
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError(_("JSON text may not contain the NUL character (\\u0000)."))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON nested too deeply (at most %(depth)d levels).") % {"depth": MAX_DEPTH}) from exc
        if data is None:
            raise ParseError(_("The body must be a JSON object, not null."))
        _check(data)
        return data
