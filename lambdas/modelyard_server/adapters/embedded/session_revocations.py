"""Sessions signed out before they expired, in the embedded database (table ``revoked_sessions``).

Each sign-out also removes a bounded batch of revocations that have lapsed (their tokens are refused as
expired by then), so the table holds no more than the sessions both signed out and still unexpired.
"""

from __future__ import annotations

from modelyard_server.adapters.embedded.codec import epoch
from modelyard_server.adapters.embedded.database import Clock, Database

PURGE_BATCH = 100  # lapsed revocations removed per sign-out: bounded work on the request that signs out


class SqliteSessionRevocations:
    def __init__(self, db: Database, now: Clock) -> None:
        self._db = db
        self._now = now

    def revoke_session(self, session_id: str, until: int) -> None:
        with self._db.write() as connection:
            connection.execute(
                "INSERT INTO revoked_sessions (session_id, expires_at) VALUES (?, ?) "
                "ON CONFLICT (session_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
                (session_id, until),
            )
            connection.execute(
                "DELETE FROM revoked_sessions WHERE session_id IN "
                "(SELECT session_id FROM revoked_sessions WHERE expires_at < ? LIMIT ?)",
                (epoch(self._now()), PURGE_BATCH),
            )

    def session_revoked(self, session_id: str) -> bool:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT 1 FROM revoked_sessions WHERE session_id = ? AND expires_at >= ?",
                (session_id, epoch(self._now())),
            ).fetchone()
        return row is not None
