"""The security log: refusals of callers from outside a model's owners, at most `per_hour` per caller.

Kept apart from the models' events (and so from the outbox): nobody is notified of them.
"""

from __future__ import annotations

from datetime import timedelta

from modelyard_server.adapters.embedded.codec import epoch, record_json
from modelyard_server.adapters.embedded.database import Clock, Database
from modelyard_server.adapters.embedded.paging import decode_token, page_of, position_as_str
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import Page

LISTING = "security"
PURGE_BATCH = 100  # expired rows removed per refusal: bounded work, and the log stays bounded


class SqliteSecurityLog:
    def __init__(self, db: Database, now: Clock) -> None:
        self._db = db
        self._now = now

    def record_refusal(self, event: EventRecord, who: str, per_hour: int, keep_days: int) -> bool:
        at = self._now()
        now = epoch(at)
        with self._db.write() as connection:
            hour = at.strftime("%Y%m%d%H")
            row = connection.execute(
                "SELECT kept FROM security_quota WHERE who = ? AND hour = ?", (who, hour)
            ).fetchone()
            kept = 0 if row is None else int(row[0])
            if kept >= per_hour:
                return False
            connection.execute(
                "INSERT OR REPLACE INTO security_quota (who, hour, kept, expires_at) VALUES (?, ?, ?, ?)",
                (who, hour, kept + 1, epoch(at + timedelta(hours=2))),
            )
            connection.execute(
                "INSERT INTO security_events (id, record, expires_at) VALUES (?, ?, ?)",
                (event.id, record_json(event), epoch(at + timedelta(days=keep_days))),
            )
            for table in ("security_events", "security_quota"):
                connection.execute(
                    f"DELETE FROM {table} WHERE rowid IN "  # noqa: S608 (constant table names)
                    f"(SELECT rowid FROM {table} WHERE expires_at < ? LIMIT {PURGE_BATCH})",
                    (now,),
                )
        return True

    def list_refusals(self, limit: int, token: str | None) -> Page[EventRecord]:
        """Newest first (ids are ULIDs); expired refusals are gone even before they are purged."""
        before = position_as_str(decode_token(token, LISTING))
        with self._db.read() as connection:
            rows = connection.execute(
                "SELECT id, record FROM security_events WHERE id < ? AND expires_at >= ? ORDER BY id DESC LIMIT ?",
                (before if before is not None else "\U0010ffff", epoch(self._now()), max(limit, 1) + 1),
            ).fetchall()
        kept, next_token = page_of(rows, limit, LISTING, lambda row: str(row[0]))
        return Page([EventRecord.model_validate_json(row[1]) for row in kept], next_token)
