"""A model's events: the audit trail, written in the transaction of the change each describes.

Each event also gets the next outbox sequence number (``events.seq``): `outbox` publishes them in
that order.
"""

from __future__ import annotations

import sqlite3

from modelyard_server.adapters.embedded.codec import record_json
from modelyard_server.adapters.embedded.database import Database
from modelyard_server.adapters.embedded.paging import decode_token, page_of, position_as_str
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import Page


def append_event(connection: sqlite3.Connection, event: EventRecord) -> None:
    """Add `event` inside the caller's write transaction: it commits with the change, or not at all."""
    connection.execute(
        "INSERT INTO events (id, model, record) VALUES (?, ?, ?)", (event.id, event.model, record_json(event))
    )


class SqliteEventLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def list_events(self, model: str, limit: int, token: str | None) -> Page[EventRecord]:
        """Oldest first (event ids are ULIDs: they sort by time)."""
        listing = f"events/{model}"
        after = position_as_str(decode_token(token, listing)) or ""
        with self._db.read() as connection:
            rows = connection.execute(
                "SELECT id, record FROM events WHERE model = ? AND id > ? ORDER BY id LIMIT ?",
                (model, after, max(limit, 1) + 1),
            ).fetchall()
        kept, next_token = page_of(rows, limit, listing, lambda row: str(row[0]))
        return Page([EventRecord.model_validate_json(row[1]) for row in kept], next_token)

    def latest_events(self, model: str, limit: int, before: str | None = None) -> list[EventRecord]:
        older_than = before if before is not None else "~"  # after every ULID (0-9, A-Z)
        with self._db.read() as connection:
            rows = connection.execute(
                "SELECT record FROM events WHERE model = ? AND id < ? ORDER BY id DESC LIMIT ?",
                (model, older_than, max(limit, 1)),
            ).fetchall()
        return [EventRecord.model_validate_json(row[0]) for row in rows]

    def list_events_from(self, model: str, first_id: str, limit: int) -> Page[EventRecord]:
        """Oldest first from `first_id`; the page's token is `list_events`' own (the same listing)."""
        with self._db.read() as connection:
            rows = connection.execute(
                "SELECT id, record FROM events WHERE model = ? AND id >= ? ORDER BY id LIMIT ?",
                (model, first_id, max(limit, 1) + 1),
            ).fetchall()
        kept, next_token = page_of(rows, limit, f"events/{model}", lambda row: str(row[0]))
        return Page([EventRecord.model_validate_json(row[1]) for row in kept], next_token)

    def record_event(self, event: EventRecord) -> None:
        with self._db.write() as connection:
            append_event(connection, event)
