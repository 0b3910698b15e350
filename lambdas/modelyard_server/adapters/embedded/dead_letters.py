"""Notifications that could not be delivered, kept like an SQS queue: a received letter is hidden from
other readers until it is deleted or its visibility timeout lapses (then it is received again), and a
letter is dropped once it is older than the queue's retention, as SQS drops it."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

from modelyard_server.adapters.embedded.codec import to_json
from modelyard_server.adapters.embedded.database import Database
from modelyard_server.ports.records import DeadLetter

VISIBILITY_TIMEOUT_SECONDS = 30.0  # SQS's default
RETENTION_SECONDS = 1209600.0  # 14 days: the MessageRetentionPeriod of infra/template.yaml's dead-letter queues
POLL_SECONDS = 0.2


class SqliteDeadLetters:
    def __init__(
        self,
        db: Database,
        *,
        visibility_timeout: float = VISIBILITY_TIMEOUT_SECONDS,
        retention: float = RETENTION_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._visibility = visibility_timeout
        self._retention = retention
        self._clock = clock

    def send(self, body: dict[str, Any]) -> None:
        now = self._clock()
        with self._db.write() as connection:
            connection.execute("DELETE FROM dead_letters WHERE sent_at < ?", (now - self._retention,))
            connection.execute(
                "INSERT INTO dead_letters (body, visible_at, sent_at) VALUES (?, 0, ?)", (to_json(body), now)
            )

    def receive(self, limit: int, wait_seconds: int = 0) -> Iterator[DeadLetter]:
        """Up to `limit` visible letters, claimed together (each gets a fresh receipt handle); waits up to
        `wait_seconds` for the first one."""
        deadline = time.monotonic() + max(wait_seconds, 0)
        letters = self._claim(limit)
        while not letters and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            letters = self._claim(limit)
        yield from letters

    def _claim(self, limit: int) -> list[DeadLetter]:
        if limit <= 0:
            return []
        now = self._clock()
        with self._db.write() as connection:
            connection.execute("DELETE FROM dead_letters WHERE sent_at < ?", (now - self._retention,))
            # hidden further ahead than a receipt hides a letter: the clock was set back since; hide it no longer
            hidden_until = now + self._visibility
            connection.execute(
                "UPDATE dead_letters SET visible_at = ? WHERE visible_at > ?", (hidden_until, hidden_until)
            )
            rows = connection.execute(
                "SELECT id, body FROM dead_letters WHERE visible_at <= ? ORDER BY id LIMIT ?", (now, limit)
            ).fetchall()
            letters = []
            for letter_id, body in rows:
                receipt = f"{letter_id}.{secrets.token_urlsafe(16)}"
                connection.execute(
                    "UPDATE dead_letters SET visible_at = ?, receipt = ? WHERE id = ?",
                    (now + self._visibility, receipt, letter_id),
                )
                letters.append(DeadLetter(json.loads(body), receipt))
        return letters

    def delete(self, letter: DeadLetter) -> None:
        """Remove the letter, if this is still its latest receipt (a letter received again since is kept)."""
        letter_id, _, _ = letter.receipt_handle.partition(".")
        if not letter_id.isdigit():
            return  # not a handle this queue gave out
        with self._db.write() as connection:
            connection.execute(
                "DELETE FROM dead_letters WHERE id = ? AND receipt = ?", (int(letter_id), letter.receipt_handle)
            )
