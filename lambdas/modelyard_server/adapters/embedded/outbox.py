"""The outbox: every model event, in commit order, handed to a publisher at least once.

Events get their sequence number in the transaction of their change (``events.seq``); the cursor
(``outbox_cursor``) says up to which one they were published. It advances after each successful
publish, in its own small transaction, so a crash between publishing and advancing publishes that
one event again on the next run: at least once, never skipped. Security-log refusals are not events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from modelyard_server.adapters.embedded.database import Database
from modelyard_server.domain.event_record import EventRecord

Publish = Callable[[EventRecord], None]


class Outbox:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._delivering = threading.Lock()  # one deliverer at a time, or events could be published twice

    def deliver_pending(self, publish: Publish, limit: int = 100) -> int:
        """Publish up to `limit` undelivered events, oldest first; how many were published.

        The first failure stops the run and propagates: its event, and every later one, is
        published on a later call.
        """
        with self._delivering:
            delivered = 0
            while delivered < limit:
                with self._db.read() as connection:
                    rows = connection.execute(
                        "SELECT seq, record FROM events WHERE seq > (SELECT delivered_seq FROM outbox_cursor) "
                        "ORDER BY seq LIMIT ?",
                        (min(limit - delivered, 100),),
                    ).fetchall()
                if not rows:
                    break
                for seq, record in rows:
                    publish(EventRecord.model_validate_json(record))
                    with self._db.write() as connection:
                        connection.execute("UPDATE outbox_cursor SET delivered_seq = ? WHERE id = 1", (seq,))
                    delivered += 1
            return delivered

    def pending(self) -> int:
        """How many events wait to be published."""
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM events WHERE seq > (SELECT delivered_seq FROM outbox_cursor)"
            ).fetchone()
        return int(row[0])
