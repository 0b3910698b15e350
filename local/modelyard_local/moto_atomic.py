"""Make moto's DynamoDB apply one request at a time, as DynamoDB applies each request atomically.

moto's in-memory backend mutates tables inside TransactWriteItems without a lock, so two threads
writing at once can corrupt its state ("dictionary changed size during iteration"), and a stream
reader running alongside a transaction could read the records of writes that transaction is about
to undo. Real DynamoDB never exposes either, so the local stack and the tests serialize DynamoDB
and DynamoDB Streams requests to moto. The registry's own concurrency guarantees (conditional
writes, transactions) are still what decides which of two racing requests wins: the lock only
orders whole requests.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.core.responses import BaseResponse
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

_lock = threading.RLock()
_MARKER = "_modelyard_atomic"


def make_moto_dynamodb_atomic() -> None:
    """Idempotent: wrap the DynamoDB and DynamoDB Streams handlers' call_action with one process-wide lock."""
    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        _serialize(handler)


def _serialize(handler: type[BaseResponse]) -> None:
    original = handler.call_action
    if getattr(original, _MARKER, False):
        return

    @functools.wraps(original)
    def call_action(self: BaseResponse) -> Any:
        with _lock:
            return original(self)

    setattr(call_action, _MARKER, True)
    handler.call_action = call_action  # type: ignore[method-assign]
