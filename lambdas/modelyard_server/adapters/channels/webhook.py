"""Generic webhooks signed per Standard Webhooks (https://www.standardwebhooks.com/).

Each POST carries ``webhook-id`` (the event id: the same on every retry and redrive, so
receivers dedupe on it), ``webhook-timestamp`` (unix seconds of this attempt) and
``webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`` where key is
the base64-decoded part of the ``whsec_…`` secret after the prefix. The body is
``{"type": <event type>, "timestamp": <event time>, "data": <the event record>}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

from modelyard_server.adapters.channels.http import OutgoingMessage
from modelyard_server.domain.event_record import EventRecord

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
TOLERANCE_SECONDS = 5 * 60


def signing_key(secret: str) -> bytes:
    """The HMAC key: the base64 after ``whsec_`` (raises ValueError when it is not base64)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: bytes, now: int) -> bool:
    """What a receiver does (and the tests do): timestamp within ±5 minutes, any v1 signature matching."""
    lowered = {key.lower(): value for key, value in headers.items()}
    message_id, stamp = lowered.get("webhook-id", ""), lowered.get("webhook-timestamp", "")
    if not message_id or not stamp.isdigit() or abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, message_id, int(stamp), body)
    offered = lowered.get("webhook-signature", "").split(" ")
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def body(event: EventRecord) -> bytes:
    envelope = {"type": event.type, "timestamp": event.at.isoformat(), "data": event.model_dump(mode="json")}
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def render(event: EventRecord, url: str, secret: str) -> OutgoingMessage:
    data = body(event)

    def sign(timestamp: int) -> dict[str, str]:
        return {
            "webhook-id": event.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, event.id, timestamp, data),
        }

    signer: Callable[[int], dict[str, str]] = sign
    return OutgoingMessage(url=url, body=data, sign=signer)
