"""Throwing away what has expired: what DynamoDB's TTL and S3's lifecycle rule do for the AWS backend.

Reads already treat an expired row as absent; this deletes it, so the file does not grow forever:
idempotency keys, sent-markers, webhook deliveries and promotion requests past their ``expires_at``
(security refusals and revoked sessions purge themselves as they are written). Multipart uploads nobody
touched for ``ABANDONED_UPLOAD_AGE`` (S3's ``AbortIncompleteMultipartUpload`` days in the template) and temp
files a crash left beside the blobs are removed from disk.

It runs after a committed write, at most once per ``INTERVAL`` of the backend's clock, and deletes at
most ``BATCH`` rows per table and ``BATCH`` uploads per run: bounded work on the request that
triggers it. A failure is logged and never fails that request (its own write has committed).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from modelyard_server.adapters.embedded.codec import epoch
from modelyard_server.adapters.embedded.database import Clock, Database
from modelyard_server.adapters.embedded.file_blobs import FileBlobStore

INTERVAL = timedelta(minutes=1)
BATCH = 500
ABANDONED_UPLOAD_AGE = timedelta(days=7)
LEFTOVER_TEMP_AGE = timedelta(days=1)  # far longer than any upload takes to write its next block

# table -> its key columns (two are WITHOUT ROWID tables, so rows are picked by key, not rowid)
EXPIRING = {
    "idempotency_keys": "model, key",
    "notifications_sent": "event_id, channel",
    "webhook_deliveries": "delivery_id",
    "promotion_requests": "repository, run_id, stage",
}

log = logging.getLogger(__name__)


@dataclass
class Housekeeping:
    db: Database
    blobs: FileBlobStore
    now: Clock
    _last_run: datetime | None = field(default=None, init=False)
    _running: threading.Lock = field(default_factory=threading.Lock, init=False)

    def run_if_due(self) -> None:
        """Run unless a run is under way or the last one was less than INTERVAL ago (clock turned back: due)."""
        now = self.now()
        last = self._last_run
        if last is not None and last <= now < last + INTERVAL:
            return
        if not self._running.acquire(blocking=False):
            return
        try:
            self._last_run = now
            self.run(now)
        except Exception:  # the triggering write committed: never fail it; the next run tries again
            log.warning("housekeeping of the embedded registry failed; it will try again", exc_info=True)
        finally:
            self._running.release()

    def run(self, now: datetime) -> dict[str, int]:
        """Delete up to BATCH expired rows per table and BATCH abandoned uploads; how many of each went."""
        removed: dict[str, int] = {}
        with self.db.write() as connection:  # its after-write hook finds this run under way
            for table, key in EXPIRING.items():
                removed[table] = connection.execute(
                    f"DELETE FROM {table} WHERE ({key}) IN "  # noqa: S608 - constant names
                    f"(SELECT {key} FROM {table} WHERE expires_at < ? LIMIT {BATCH})",
                    (epoch(now),),
                ).rowcount
        removed["uploads"] = self.blobs.files.sweep_uploads(
            untouched_since=(now - ABANDONED_UPLOAD_AGE).timestamp(), limit=BATCH
        )
        removed["temp files"] = self.blobs.files.sweep_temp_files(
            untouched_since=(now - LEFTOVER_TEMP_AGE).timestamp(), limit=BATCH
        )
        return removed
