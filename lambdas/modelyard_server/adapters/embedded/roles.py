"""Role grants: one row per grant, written in the same transaction as its governance event."""

from __future__ import annotations

from modelyard_server.adapters.embedded.codec import record_json
from modelyard_server.adapters.embedded.database import Database
from modelyard_server.adapters.embedded.governance_trail import append_governance_event
from modelyard_server.adapters.embedded.namespaces import namespace_exists
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.role_grants import REGISTRY_SCOPE, GrantKey, RoleGrant
from modelyard_server.ports.records import ConditionFailed

_KEY = "scope = ? AND role = ? AND grantee_kind = ? AND grantee = ?"


def _key(key: GrantKey) -> tuple[str, str, str, str]:
    return key.scope, key.role, key.grantee_kind, key.grantee


class SqliteRoleGrants:
    def __init__(self, db: Database) -> None:
        self._db = db

    def all_grants(self) -> list[RoleGrant]:
        with self._db.read() as connection:
            rows = connection.execute("SELECT record FROM role_grants").fetchall()
        return [RoleGrant.model_validate_json(row[0]) for row in rows]

    def add_grant(self, grant: RoleGrant, audit: EventRecord) -> bool:
        with self._db.write() as connection:
            # Writes are serialized: a namespace there now is there until this grant is stored.
            if grant.scope != REGISTRY_SCOPE and not namespace_exists(connection, grant.scope):
                raise ConditionFailed({"namespace"})
            added = connection.execute(
                "INSERT INTO role_grants (scope, role, grantee_kind, grantee, record) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (*_key(grant), record_json(grant)),
            ).rowcount
            if added:
                append_governance_event(connection, audit)
        return bool(added)

    def remove_grant(self, key: GrantKey, audit: EventRecord) -> bool:
        with self._db.write() as connection:
            removed = connection.execute(f"DELETE FROM role_grants WHERE {_KEY}", _key(key)).rowcount  # noqa: S608
            if removed:
                append_governance_event(connection, audit)
        return bool(removed)
