"""Page tokens of the embedded listings: opaque to clients, bound to the listing that issued them.

A token carries the listing it continues (kind and, for a model's listings, the model) and the last
position it returned; a malformed token, or one from another listing, is a BadPageToken.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from modelyard_server.ports.records import BadPageToken

Position = str | int
T = TypeVar("T")
MAX_POSITION = 2**62  # SQLite integers are 64-bit: a position past this was never handed out


def encode_token(listing: str, position: Position) -> str:
    raw = json.dumps({"l": listing, "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None, listing: str) -> Position | None:
    """The position after which `listing` continues, or None for its first page."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        content: Any = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadPageToken("next_token is not a token this API issued") from error
    if not isinstance(content, dict) or set(content) != {"l", "p"} or not isinstance(content["l"], str):
        raise BadPageToken("next_token is not a token this API issued")
    position = content["p"]
    if isinstance(position, bool) or not isinstance(position, str | int):
        raise BadPageToken("next_token is not a token this API issued")
    if content["l"] != listing:
        raise BadPageToken("next_token belongs to another listing")
    return position


def position_as_int(position: Position | None) -> int | None:
    if position is None:
        return None
    if not isinstance(position, int):
        raise BadPageToken("next_token belongs to another listing")
    if not 0 <= position <= MAX_POSITION:
        raise BadPageToken("next_token is not a token this API issued")
    return position


def position_as_str(position: Position | None) -> str | None:
    if position is None:
        return None
    if not isinstance(position, str):
        raise BadPageToken("next_token belongs to another listing")
    try:
        position.encode("utf-8")  # JSON can carry a lone surrogate; no stored name or id holds one
    except UnicodeEncodeError as error:
        raise BadPageToken("next_token is not a token this API issued") from error
    return position


def page_of(
    rows: Sequence[T], limit: int, listing: str, position_of: Callable[[T], Position]
) -> tuple[list[T], str | None]:
    """The first `limit` of `rows` (fetched with limit + 1) and a token only when more follow."""
    limit = max(limit, 1)
    if len(rows) <= limit:
        return list(rows), None
    kept = list(rows[:limit])
    return kept, encode_token(listing, position_of(kept[-1]))
