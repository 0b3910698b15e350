"""The one JSON reader for request bodies: exact, bounded, and never ambiguous.

* Nesting deeper than MAX_JSON_DEPTH is refused before parsing (Python's parser recurses, and a
  body of a thousand `[` would otherwise end in RecursionError).
* A key given twice in one object is refused (otherwise the last one silently wins).
* The body is a JSON object: every request model is one, and given an array powertools would validate its
  first element as the body and drop the rest (`[{"name": "x"}, "anything"]` would create model x).
* An integral number such as `1.0` or `1e3` is read as an integer: JSON does not tell them apart, and
  the request models are strict (an integer field takes no `true` or `"10"`, but must take `1.0`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from modelyard_server.domain.errors import DomainError

MAX_JSON_DEPTH = 32
MAX_NUMBER_DIGITS = 40  # far beyond any size, count or metric; Python refuses ints past 4,300 digits
# A run of characters that are neither brackets nor quotes nor backslashes: skipped in one step.
_PLAIN = re.compile(r'[^\[\]{}"\\]+')


class JsonTooDeep(DomainError):
    status, slug, title = 422, "json-too-deep", "JSON nested too deeply"


class DuplicateJsonKey(DomainError):
    status, slug, title = 422, "duplicate-key", "Duplicate JSON key"


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (the maximum number of open brackets).

    One pass, linear in the text: brackets inside string literals do not count.
    """
    depth = deepest = 0
    in_string = False
    position, end = 0, len(text)
    while position < end:
        plain = _PLAIN.match(text, position)
        if plain is not None:
            position = plain.end()
            continue
        char = text[position]
        if char == "\\":
            position += 2  # an escape: the next character is never a delimiter
            continue
        if char == '"':
            in_string = not in_string
        elif not in_string:
            if char in "[{":
                depth += 1
                deepest = max(deepest, depth)
            else:
                depth -= 1
        position += 1
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateJsonKey(f"the key '{key[:100]}' appears twice in one object; send it once")
        found[key] = value
    return found


class NumberTooLong(DomainError):
    status, slug, title = 422, "number-too-long", "Number too long"


def _bounded(text: str) -> str:
    if len(text) > MAX_NUMBER_DIGITS:
        raise NumberTooLong(
            f"a number in the body has {len(text)} characters; the API accepts at most {MAX_NUMBER_DIGITS}"
        )
    return text


def _integer(text: str) -> int:
    return int(_bounded(text))


def _number(text: str) -> int | float:
    value = float(_bounded(text))
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


class BodyNotAnObject(DomainError):
    status, slug, title = 422, "body-not-an-object", "Request body is not a JSON object"


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def parse_request_json(text: str | bytes) -> Any:
    """The body's object; raises json.JSONDecodeError (400) or a DomainError (422) as above."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    depth = nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise JsonTooDeep(f"the body nests {depth} levels deep; the API accepts at most {MAX_JSON_DEPTH}")
    value = json.loads(
        text,
        object_pairs_hook=_unique_keys,
        parse_int=_integer,
        parse_float=_number,
        parse_constant=_no_constant,
    )
    if not isinstance(value, dict):
        raise BodyNotAnObject(f"the body is a JSON {_kind(value)}; send a JSON object ({{...}})")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "boolean" if isinstance(value, bool) else "number"
