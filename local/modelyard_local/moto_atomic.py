"""Make moto's DynamoDB apply one request at a time, as DynamoDB applies each request atomically.

moto's in-memory backend deep-copies tables inside TransactWriteItems without a lock, so two
threads writing at once can corrupt its state ("dictionary changed size during iteration").
Real DynamoDB never exposes that, so the local stack and the tests serialize DynamoDB requests
to moto. The registry's own concurrency guarantees (conditional writes, transactions) are still
what decides which of two racing requests wins: the lock only orders whole requests.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_lock = threading.RLock()
_MARKER = "_modelyard_atomic"


def make_moto_dynamodb_atomic() -> None:
    """Idempotent: wrap DynamoHandler.call_action with a process-wide lock."""
    original = DynamoHandler.call_action
    if getattr(original, _MARKER, False):
        return

    @functools.wraps(original)
    def call_action(self: DynamoHandler) -> Any:
        with _lock:
            return original(self)

    setattr(call_action, _MARKER, True)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
