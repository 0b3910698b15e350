"""Channel secrets (webhook URLs, signing secrets) by name: what SSM Parameter Store holds on AWS.

They sit in the registry database, which only the data directory's owner can read (mode 0700).
"""

from __future__ import annotations

from modelyard_server.adapters.embedded.database import Database


class SqliteParameters:
    def __init__(self, db: Database) -> None:
        self._db = db

    def read_parameter(self, name: str) -> str | None:
        with self._db.read() as connection:
            row = connection.execute("SELECT value FROM parameters WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_parameter(self, name: str, value: str) -> None:
        """Create or replace the parameter `name` (the local server stores notification secrets here)."""
        with self._db.write() as connection:
            connection.execute("INSERT OR REPLACE INTO parameters (name, value) VALUES (?, ?)", (name, value))

    def delete_parameter(self, name: str) -> None:
        with self._db.write() as connection:
            connection.execute("DELETE FROM parameters WHERE name = ?", (name,))
