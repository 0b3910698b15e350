"""Search page tokens: where the next page starts, bound to the query that issued them.

A token carries a fingerprint of its query, so a token from another search (other filters, other
order) is a BadPageToken rather than a silently wrong page. The position is either a DynamoDB start
key (plans that page with the table) or the last answer's sort position (plans that sort a bounded
read themselves).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from typing import Any

from modelyard_server.adapters.dynamodb.pages import decode_page_token, encode_page_token
from modelyard_server.domain.names import MAX_VERSION
from modelyard_server.ports.records import BadPageToken

FOREIGN = "next_token is not a token this API issued"


def fingerprint(query: object) -> str:
    """Frozen dataclasses repr every field (datetimes included) the same way each time."""
    return hashlib.sha256(repr(query).encode()).hexdigest()[:16]


def encode(query: object, position: dict[str, Any] | list[Any] | None) -> str | None:
    if not position:
        return None
    raw = json.dumps({"q": fingerprint(query), "at": position}, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(query: object, token: str | None) -> Any:
    if not token:
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadPageToken(FOREIGN) from error
    if not isinstance(body, dict) or set(body) != {"q", "at"}:
        raise BadPageToken(FOREIGN)
    if body["q"] != fingerprint(query):
        raise BadPageToken("next_token belongs to another search: repeat the same filters and order with it")
    return body["at"]


def start_key(
    query: object, token: str | None, partition: str, index_keys: tuple[str, str] | None = None
) -> dict[str, Any] | None:
    """The DynamoDB start key in `token`, checked (by pages.py) to lie in `partition` of that index."""
    position = _decode(query, token)
    if position is None:
        return None
    if not isinstance(position, dict):
        raise BadPageToken(FOREIGN)
    return decode_page_token(encode_page_token(position), partition, index_keys)


def sort_position(query: object, token: str | None) -> list[Any] | None:
    """The sort position `[value, model, version]` of the last answer a page gave.

    The value is what the plan sorts by: a metric's number when ordered by a metric, else a created key
    (text). Anything else was not issued here, and compared with the plan's own keys it would fail."""
    position = _decode(query, token)
    if position is None:
        return None
    by_metric = getattr(getattr(query, "order", None), "by", None) == "metric"
    if not (
        isinstance(position, list)
        and len(position) == 3
        and (_is_number(position[0]) if by_metric else isinstance(position[0], str))
        and isinstance(position[1], str)
        and type(position[2]) is int
        and 1 <= position[2] <= MAX_VERSION
    ):
        raise BadPageToken(FOREIGN)
    return position


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)
