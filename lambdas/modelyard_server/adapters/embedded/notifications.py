"""Notification routing config (revision-guarded, stored with its governance event) and the markers of
notifications already sent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from modelyard_server.adapters.embedded.codec import epoch, to_json
from modelyard_server.adapters.embedded.database import Clock, Database
from modelyard_server.adapters.embedded.governance_trail import append_governance_event
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import ConfigChanged

SENT_TTL = timedelta(days=7)  # longer than any redelivery of the same event


class SqliteNotificationStore:
    def __init__(self, db: Database, now: Clock) -> None:
        self._db = db
        self._now = now

    def get_config(self) -> tuple[dict[str, Any], int] | None:
        with self._db.read() as connection:
            row = connection.execute("SELECT record, revision FROM notification_config WHERE id = 1").fetchone()
        return None if row is None else (json.loads(row[0]), int(row[1]))

    def put_config(self, record: dict[str, Any], expected_revision: int, audit: EventRecord) -> int:
        revision = expected_revision + 1
        with self._db.write() as connection:
            if expected_revision == 0:
                changed = connection.execute(
                    "INSERT INTO notification_config (id, record, revision) VALUES (1, ?, ?) "
                    "ON CONFLICT (id) DO NOTHING",
                    (to_json(record), revision),
                ).rowcount
            else:
                changed = connection.execute(
                    "UPDATE notification_config SET record = ?, revision = ? WHERE id = 1 AND revision = ?",
                    (to_json(record), revision, expected_revision),
                ).rowcount
            if changed == 0:
                raise ConfigChanged
            append_governance_event(connection, audit)
        return revision

    def already_sent(self, event_id: str, channel: str) -> bool:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT 1 FROM notifications_sent WHERE event_id = ? AND channel = ? AND expires_at >= ?",
                (event_id, channel, epoch(self._now())),
            ).fetchone()
        return row is not None

    def mark_sent(self, event_id: str, channel: str) -> None:
        with self._db.write() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO notifications_sent (event_id, channel, expires_at) VALUES (?, ?, ?)",
                (event_id, channel, epoch(self._now() + SENT_TTL)),
            )
