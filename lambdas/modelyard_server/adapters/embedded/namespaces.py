"""Namespace records: one row each, revision-guarded, each change stored with its governance event.

Writes are serialized (`Database.write`), so a delete that finds no model in the namespace, and a model's
creation that finds the namespace (`namespace_exists`), cannot interleave: no model outlives its namespace.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from modelyard_server.adapters.embedded.codec import record_json, to_json
from modelyard_server.adapters.embedded.database import Database
from modelyard_server.adapters.embedded.governance_trail import append_governance_event
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.namespace_records import NamespaceRecord
from modelyard_server.domain.role_grants import GrantKey
from modelyard_server.ports.records import ConditionFailed


def namespace_exists(connection: sqlite3.Connection, name: str) -> bool:
    return connection.execute("SELECT 1 FROM namespaces WHERE name = ?", (name,)).fetchone() is not None


def _model_names(connection: sqlite3.Connection, namespace: str) -> list[str]:
    # Names from 'ns/' up to (not including) 'ns0' ('0' follows '/'): the models of the namespace, by index.
    rows = connection.execute(
        "SELECT name FROM models WHERE name >= ? AND name < ? ORDER BY name", (namespace + "/", namespace + "0")
    ).fetchall()
    return [row[0] for row in rows]


def _record(text: str, revision: int) -> NamespaceRecord:
    return NamespaceRecord.model_validate({**json.loads(text), "revision": revision})


class SqliteNamespaceStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get_namespace(self, name: str) -> NamespaceRecord | None:
        with self._db.read() as connection:
            row = connection.execute("SELECT record, revision FROM namespaces WHERE name = ?", (name,)).fetchone()
        return None if row is None else _record(row[0], row[1])

    def list_namespaces(self) -> list[NamespaceRecord]:
        with self._db.read() as connection:
            rows = connection.execute("SELECT record, revision FROM namespaces ORDER BY name").fetchall()
        return [_record(row[0], row[1]) for row in rows]

    def create_namespace_once(self, record: NamespaceRecord, audit: EventRecord) -> None:
        with self._db.write() as connection:
            created = connection.execute(
                "INSERT INTO namespaces (name, record, revision) VALUES (?, ?, 1) ON CONFLICT (name) DO NOTHING",
                (record.name, record_json(record, drop=("revision",))),
            ).rowcount
            if created == 0:
                raise ConditionFailed({"namespace"})
            append_governance_event(connection, audit)

    def update_namespace(self, record: NamespaceRecord, expected_revision: int, audit: EventRecord) -> None:
        with self._db.write() as connection:
            updated = connection.execute(
                "UPDATE namespaces SET record = ?, revision = ? WHERE name = ? AND revision = ?",
                (record_json(record, drop=("revision",)), expected_revision + 1, record.name, expected_revision),
            ).rowcount
            if updated == 0:
                raise ConditionFailed({"namespace"})
            append_governance_event(connection, audit)

    def get_namespace_policy(self, name: str) -> tuple[dict[str, Any], int] | None:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT record, revision FROM namespace_policies WHERE namespace = ?", (name,)
            ).fetchone()
        return None if row is None else (json.loads(row[0]), int(row[1]))

    def put_namespace_policy(self, name: str, record: dict[str, Any], expected: int, audit: EventRecord) -> int:
        revision = expected + 1
        with self._db.write() as connection:
            if expected == 0:
                changed = connection.execute(
                    "INSERT INTO namespace_policies (namespace, record, revision) "
                    "SELECT name, ?, 1 FROM namespaces WHERE name = ? ON CONFLICT (namespace) DO NOTHING",
                    (to_json(record), name),
                ).rowcount
            else:
                changed = connection.execute(
                    "UPDATE namespace_policies SET record = ?, revision = ? WHERE namespace = ? AND revision = ?",
                    (to_json(record), revision, name, expected),
                ).rowcount
            if changed == 0:
                raise ConditionFailed({"policy"})
            append_governance_event(connection, audit)
        return revision

    def models_in_namespace(self, name: str) -> list[str]:
        with self._db.read() as connection:
            return _model_names(connection, name)

    def delete_namespace(
        self, name: str, expected_revision: int, policy_revision: int, grants: Sequence[GrantKey], audit: EventRecord
    ) -> None:
        with self._db.write() as connection:
            row = connection.execute("SELECT revision FROM namespaces WHERE name = ?", (name,)).fetchone()
            if row is None or row[0] != expected_revision or _model_names(connection, name):
                raise ConditionFailed({"namespace"})
            policy = connection.execute(
                "SELECT revision FROM namespace_policies WHERE namespace = ?", (name,)
            ).fetchone()
            if (0 if policy is None else policy[0]) != policy_revision:
                raise ConditionFailed({"policy"})
            held = connection.execute(
                "SELECT role, grantee_kind, grantee FROM role_grants WHERE scope = ?", (name,)
            ).fetchall()
            if sorted(held) != sorted((key.role, key.grantee_kind, key.grantee) for key in grants):
                raise ConditionFailed({"grant"})
            connection.execute("DELETE FROM role_grants WHERE scope = ?", (name,))
            connection.execute("DELETE FROM namespace_policies WHERE namespace = ?", (name,))
            connection.execute("DELETE FROM namespaces WHERE name = ?", (name,))
            append_governance_event(connection, audit)
