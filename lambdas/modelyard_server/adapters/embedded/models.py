"""Models: the catalogue's entries, each with the counter that numbers its versions."""

from __future__ import annotations

import json
from typing import Any

from modelyard_server.adapters.embedded.codec import record_json
from modelyard_server.adapters.embedded.database import Database
from modelyard_server.adapters.embedded.events import append_event
from modelyard_server.adapters.embedded.governance_trail import append_governance_event
from modelyard_server.adapters.embedded.namespaces import namespace_exists
from modelyard_server.adapters.embedded.paging import decode_token, page_of, position_as_str
from modelyard_server.adapters.embedded.pointers import pointer_record
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.model_records import ModelRecord, PointerState
from modelyard_server.domain.pointer_records import PointerRecord
from modelyard_server.ports.records import ConditionFailed, LoadedModel, Page

MODELS_LISTING = "models"


def model_json(model: ModelRecord) -> str:
    """The stored record: stages and aliases live in their pointers, the counter in its column."""
    return record_json(model.model_copy(update={"stages": {}, "aliases": {}}))


def model_record(record: str, latest_version: int, pointers: list[PointerRecord] | None = None) -> ModelRecord:
    data: dict[str, Any] = {**json.loads(record), "latest_version": latest_version}
    model = ModelRecord.model_validate(data)
    for pointer in pointers or []:
        if pointer.version is None:
            continue
        state = PointerState(
            version=pointer.version,
            updated_at=pointer.updated_at,
            updated_by=pointer.updated_by,
            metrics=pointer.target.metrics if pointer.target is not None else {},
        )
        (model.stages if pointer.kind == "stage" else model.aliases)[pointer.name] = state
    return model


class SqliteModelStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def load_model(self, name: str) -> LoadedModel | None:
        """Three primary-key reads on one snapshot, whatever the number of versions."""
        with self._db.read() as connection:
            row = connection.execute("SELECT record, latest_version FROM models WHERE name = ?", (name,)).fetchone()
            if row is None:
                return None
            pointer_rows = connection.execute(
                "SELECT record, revision, version FROM pointers WHERE model = ?", (name,)
            ).fetchall()
            policy = connection.execute(
                "SELECT record, revision FROM model_policies WHERE model = ?", (name,)
            ).fetchone()
        pointers = [pointer_record(*pointer_row) for pointer_row in pointer_rows]
        return LoadedModel(
            model=model_record(row[0], row[1], pointers),
            pointers={(p.kind, p.name): p for p in pointers},
            policy_override=json.loads(policy[0])["document"] if policy is not None else None,
            policy_revision=int(policy[1]) if policy is not None else 0,
        )

    def get_model(self, name: str, *, consistent: bool = False) -> ModelRecord | None:
        """The model's own record (its stages and aliases come with `load_model`)."""
        with self._db.read() as connection:
            row = connection.execute("SELECT record, latest_version FROM models WHERE name = ?", (name,)).fetchone()
        return None if row is None else model_record(row[0], row[1])

    def list_models(self, limit: int, token: str | None) -> Page[ModelRecord]:
        after = position_as_str(decode_token(token, MODELS_LISTING)) or ""
        with self._db.read() as connection:
            rows = connection.execute(
                "SELECT name, record, latest_version FROM models WHERE name > ? ORDER BY name LIMIT ?",
                (after, max(limit, 1) + 1),
            ).fetchall()
        kept, next_token = page_of(rows, limit, MODELS_LISTING, lambda row: str(row[0]))
        return Page([model_record(row[1], row[2]) for row in kept], next_token)

    def create_model_once(self, model: ModelRecord, event: EventRecord, namespace: str | None = None) -> None:
        with self._db.write() as connection:
            # Writes are serialized (one writer at a time): a namespace present here is present until this
            # model is stored, and a delete that follows sees the model.
            if namespace is not None and not namespace_exists(connection, namespace):
                raise ConditionFailed({"namespace"})
            created = connection.execute(
                "INSERT INTO models (name, record, latest_version) VALUES (?, ?, 0) ON CONFLICT (name) DO NOTHING",
                (model.name, model_json(model)),
            ).rowcount
            if created == 0:
                raise ConditionFailed({"model"})
            append_event(connection, event)

    def update_model_with_event(
        self, model: ModelRecord, expected_revision: int, event: EventRecord, audit: EventRecord | None = None
    ) -> None:
        with self._db.write() as connection:
            # The revision lives in the record (a record stored before revisions were kept has none: 0).
            updated = connection.execute(
                "UPDATE models SET record = ? WHERE name = ? AND COALESCE(json_extract(record, '$.revision'), 0) = ?",
                (model_json(model), model.name, expected_revision),
            ).rowcount
            if updated == 0:
                raise ConditionFailed({"model"})
            append_event(connection, event)
            if audit is not None:
                append_governance_event(connection, audit)
