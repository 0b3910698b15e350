"""Opaque page tokens over DynamoDB's LastEvaluatedKey, and one-page reads."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from modelyard_server.adapters.dynamodb.items import RegistryItem
from modelyard_server.ports.records import BadPageToken

TABLE_KEYS = ("PK", "SK")
GSI1_KEYS = ("GSI1PK", "GSI1SK")  # a Query of GSI1 starts after the table's keys and the index's


def encode_page_token(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(
    token: str | None, partition: str, index_keys: tuple[str, str] | None = None
) -> dict[str, Any] | None:
    """The DynamoDB start key inside `token`, checked to belong to `partition` (of the index with `index_keys`,
    else the table's) and to have exactly the attributes that Query's start key has: DynamoDB refuses one
    without them (a ValidationException), so a token edited to lack or add one is a bad token, not a 500."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadPageToken("next_token is not a token this API issued") from error
    if (
        not isinstance(key, dict)
        or set(key) != {*TABLE_KEYS, *(index_keys or ())}
        or not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values())
    ):
        raise BadPageToken("next_token is not a token this API issued")
    anchor = key[index_keys[0] if index_keys else "PK"]
    if anchor != {"S": partition}:
        raise BadPageToken("next_token belongs to another listing")
    return key


def one_page(result: Any) -> tuple[list[RegistryItem], str | None]:
    """Exactly one DynamoDB page of a query: its items and the token to continue after it.

    With a filter a page may hold fewer items than asked (even none) while `next_token` says
    there is more: each listing call costs one round trip however many items the filter skips.
    """
    page = next(iter(result.page_iter), None)
    if page is None:
        return [], None
    items = [RegistryItem.from_raw_data(raw) for raw in page.get("Items", [])]
    return items, encode_page_token(page.get("LastEvaluatedKey"))
