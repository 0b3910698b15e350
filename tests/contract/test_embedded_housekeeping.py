"""The embedded store throws away what has expired, by itself, a bounded amount at a time.

Reads already hide expired idempotency keys, sent-markers, webhook deliveries and promotion requests;
here they must also be gone from the file, and multipart uploads nobody finished gone from the disk,
while everything still live stays. DynamoDB's TTL and S3's lifecycle rule do this on AWS.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from modelyard_server.adapters.embedded.backend import EmbeddedBackend, open_embedded
from modelyard_server.adapters.embedded.database import DATABASE_FILE
from modelyard_server.adapters.embedded.housekeeping import ABANDONED_UPLOAD_AGE
from modelyard_server.ports.records import blob_key
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver, digest_of

REQUEST = {"model": "fraud", "version": 1}


def _rows(data: Path, query: str) -> list[tuple[object, ...]]:
    """What the file holds, hidden or not (a reader of its own: WAL lets it read beside the server)."""
    with sqlite3.connect(f"file:{data / DATABASE_FILE}?mode=ro", uri=True) as raw:
        return [tuple(row) for row in raw.execute(query).fetchall()]


@dataclass
class Store:
    data: Path
    clock: Clock
    backend: EmbeddedBackend
    registry: Driver


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    clock = Clock()
    backend = open_embedded(tmp_path / "data", now=clock.now)
    try:
        registry = Driver(backend, clock.now)
        registry.create_model("fraud")
        yield Store(tmp_path / "data", clock, backend, registry)
    finally:
        backend.close()


def test_expired_records_are_deleted_by_a_later_write_and_live_ones_stay(store: Store) -> None:
    data, clock, backend, registry = store.data, store.clock, store.backend, store.registry
    registry.register("fraud", idempotency=("old-key", "hash-1"))
    backend.notifications.mark_sent("event-old", "slack")
    assert backend.governance.claim_delivery("delivery-old")
    backend.governance.save_promotion_request("acme/models", "run-old", "production", REQUEST)

    clock.advance(timedelta(days=8))  # past the idempotency (24 h) and sent-marker (7 d) lifetimes
    registry.register("fraud", idempotency=("new-key", "hash-2"))  # a write: housekeeping runs after it
    backend.notifications.mark_sent("event-new", "slack")

    assert _rows(data, "SELECT key FROM idempotency_keys") == [("new-key",)]
    assert _rows(data, "SELECT event_id FROM notifications_sent") == [("event-new",)]
    assert _rows(data, "SELECT delivery_id FROM webhook_deliveries") == [("delivery-old",)]  # 31 days
    assert backend.governance.get_promotion_request("acme/models", "run-old", "production") == REQUEST

    clock.advance(timedelta(days=30))  # past the deliveries' and promotion requests' 31 days
    assert backend.governance.claim_delivery("delivery-new")
    assert _rows(data, "SELECT delivery_id FROM webhook_deliveries") == [("delivery-new",)]
    assert _rows(data, "SELECT run_id FROM promotion_requests") == []
    assert backend.versions.get_idempotency_record("fraud", "new-key") is None  # expired too by now
    assert _rows(data, "SELECT key FROM idempotency_keys") == []
    assert [v.version for v in backend.versions.list_versions("fraud", 10, None, None, None).items] == [2, 1]


def test_multipart_uploads_nobody_finished_are_swept_and_live_ones_stay(store: Store) -> None:
    data, backend = store.data, store.backend
    old_key, new_key = blob_key(digest_of("old")), blob_key(digest_of("new"))
    abandoned = backend.blobs.start_multipart(old_key, "application/octet-stream")
    uploads = data / "blobs" / "uploads"
    long_ago = time.time() - ABANDONED_UPLOAD_AGE.total_seconds() - 60
    for path in [uploads / abandoned, *(uploads / abandoned).iterdir()]:
        os.utime(path, (long_ago, long_ago))  # started, and last touched, over a week ago
    live = backend.blobs.start_multipart(new_key, "application/octet-stream")

    store.clock.advance(timedelta(minutes=2))
    store.registry.register("fraud")  # a write: housekeeping runs after it

    assert sorted(p.name for p in uploads.iterdir()) == [live]
    assert backend.blobs.complete_multipart(old_key, abandoned, [(1, "0" * 32)]) is False
