"""Stages and aliases: pointers moved only on their revision, each move with its history entry and event."""

from __future__ import annotations

import json
import sqlite3

from modelyard_server.adapters.embedded.codec import record_json, to_json
from modelyard_server.adapters.embedded.database import Database
from modelyard_server.adapters.embedded.events import append_event
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.pointer_records import HistoryEntry, PointerRecord
from modelyard_server.ports.records import ConditionFailed, PointerKind

#: Fields of a pointer answer that are not stored in its record (columns, or derived when read).
NOT_IN_RECORD = ("history", "revision", "version", "already_held")


def pointer_json(pointer: PointerRecord) -> str:
    return record_json(pointer, drop=NOT_IN_RECORD)


def pointer_record(record: str, revision: int, version: int | None) -> PointerRecord:
    return PointerRecord.model_validate({**json.loads(record), "revision": revision, "version": version})


def replace_pointer_record(connection: sqlite3.Connection, pointer: PointerRecord) -> bool:
    """Rewrite a pointer's record (not its revision) iff its revision is still `pointer.revision`."""
    updated = connection.execute(
        "UPDATE pointers SET record = ? WHERE model = ? AND kind = ? AND name = ? AND revision = ?",
        (pointer_json(pointer), pointer.model, pointer.kind, pointer.name, pointer.revision),
    ).rowcount
    return updated == 1


class SqlitePointerStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get_pointer(
        self, model: str, kind: PointerKind, name: str, *, consistent: bool = False
    ) -> PointerRecord | None:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT record, revision, version FROM pointers WHERE model = ? AND kind = ? AND name = ?",
                (model, kind, name),
            ).fetchone()
        return None if row is None else pointer_record(*row)

    def pointer_history(self, model: str, kind: PointerKind, name: str, limit: int) -> list[HistoryEntry]:
        with self._db.read() as connection:
            rows = connection.execute(
                "SELECT record FROM pointer_history WHERE model = ? AND kind = ? AND name = ? "
                "ORDER BY event_id DESC LIMIT ?",
                (model, kind, name, max(limit, 0)),
            ).fetchall()
        return [HistoryEntry.model_validate_json(row[0]) for row in rows]

    def move_pointer(
        self,
        pointer: PointerRecord,
        expected_revision: int | None,
        history: HistoryEntry,
        event: EventRecord,
        guard_version_ready: int | None,
    ) -> None:
        failed: set[str] = set()
        with self._db.write() as connection:
            if not _write_pointer(connection, pointer, expected_revision):
                failed.add("pointer")
            if guard_version_ready is not None and not _count_move(connection, pointer, guard_version_ready):
                failed.add("version")
            if failed:
                raise ConditionFailed(failed)  # rolls the transaction back
            connection.execute(
                "INSERT INTO pointer_history (model, kind, name, event_id, record) VALUES (?, ?, ?, ?, ?)",
                (pointer.model, pointer.kind, pointer.name, history.event_id, record_json(history)),
            )
            append_event(connection, event)


def _write_pointer(connection: sqlite3.Connection, pointer: PointerRecord, expected_revision: int | None) -> bool:
    values = (pointer_json(pointer), pointer.revision, pointer.version, pointer.model, pointer.kind, pointer.name)
    if expected_revision is None:  # it must not exist yet
        inserted = connection.execute(
            "INSERT INTO pointers (record, revision, version, model, kind, name) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (model, kind, name) DO NOTHING",
            values,
        ).rowcount
        return inserted == 1
    updated = connection.execute(
        "UPDATE pointers SET record = ?, revision = ?, version = ? WHERE model = ? AND kind = ? AND name = ? "
        "AND revision = ?",
        (*values, expected_revision),
    ).rowcount
    return updated == 1


def _count_move(connection: sqlite3.Connection, pointer: PointerRecord, number: int) -> bool:
    """The target must still be ready; it counts the move (so an archive racing it fails) and, when a stage
    is promoted to it, remembers the stage (a rollback target only returns where it already was)."""
    row = connection.execute(
        "SELECT status, stages_reached FROM versions WHERE model = ? AND number = ?", (pointer.model, number)
    ).fetchone()
    if row is None or row[0] != "ready":
        return False
    stages = set(json.loads(row[1]))
    if pointer.kind == "stage" and pointer.last_action == "promote":
        stages.add(pointer.name)
    connection.execute(
        "UPDATE versions SET pointer_moves = pointer_moves + 1, stages_reached = ? WHERE model = ? AND number = ?",
        (to_json(sorted(stages)), pointer.model, number),
    )
    return True
