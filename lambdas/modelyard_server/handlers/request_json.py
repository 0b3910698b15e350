"""The one JSON reader for request bodies: exact, bounded, and never ambiguous.

* Nesting deeper than MAX_JSON_DEPTH is refused before parsing (Python's parser recurses, and a
  body of a thousand `[` would otherwise end in RecursionError).
* A key given twice in one object is refused (otherwise the last one silently wins).
* An integral number such as `1.0` or `1e3` is read as an integer: JSON does not tell them apart, and
  the request models are strict (an integer field takes no `true` or `"10"`, but must take `1.0`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from modelyard_server.domain.errors import DomainError

MAX_JSON_DEPTH = 32
# A string literal (skipped whole, so brackets inside it do not count) or one bracket.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class JsonTooDeep(DomainError):
    status, slug, title = 422, "json-too-deep", "JSON nested too deeply"


class DuplicateJsonKey(DomainError):
    status, slug, title = 422, "duplicate-key", "Duplicate JSON key"


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (the maximum number of open brackets)."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        lexeme = match.group()
        if lexeme in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif lexeme in "]}":
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateJsonKey(f"the key '{key[:100]}' appears twice in one object; send it once")
        found[key] = value
    return found


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def parse_request_json(text: str | bytes) -> Any:
    """The body's value; raises json.JSONDecodeError (400) or a DomainError (422) as above."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    depth = nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise JsonTooDeep(f"the body nests {depth} levels deep; the API accepts at most {MAX_JSON_DEPTH}")
    return json.loads(text, object_pairs_hook=_unique_keys, parse_float=_number, parse_constant=_no_constant)
