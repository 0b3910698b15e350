"""Reviewers' current reviews of versions: one row per (version, reviewer), replaced by a later review."""

from __future__ import annotations

from modelyard_server.adapters.embedded.codec import record_json
from modelyard_server.adapters.embedded.database import Database
from modelyard_server.adapters.embedded.events import append_event
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.review_records import ReviewRecord
from modelyard_server.ports.records import ConditionFailed


class SqliteReviewStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save_review(self, review: ReviewRecord, event: EventRecord) -> None:
        with self._db.write() as connection:
            ready = connection.execute(
                "SELECT 1 FROM versions WHERE model = ? AND number = ? AND status = 'ready'",
                (review.model, review.version),
            ).fetchone()
            if ready is None:
                raise ConditionFailed({"version"})
            connection.execute(
                "INSERT INTO reviews (model, number, reviewer, at, record) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (model, number, reviewer) DO UPDATE SET at = excluded.at, record = excluded.record",
                (review.model, review.version, review.reviewer.key, review.event_id, record_json(review)),
            )
            append_event(connection, event)

    def current_reviews(self, model: str, number: int) -> list[ReviewRecord]:
        with self._db.read() as connection:
            rows = connection.execute(
                "SELECT record FROM reviews WHERE model = ? AND number = ? ORDER BY at", (model, number)
            ).fetchall()
        return [ReviewRecord.model_validate_json(row[0]) for row in rows]
