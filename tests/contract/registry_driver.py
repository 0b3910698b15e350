"""Records built with the registry's own schemas, and the steps the domain takes through the ports
(register with the counter, seal, move a pointer), so contract tests read as what they check."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.ids import new_ulid, ulid_at
from modelyard_server.domain.model_records import ModelRecord
from modelyard_server.domain.pointer_records import HistoryEntry, PointerRecord
from modelyard_server.domain.resolution import summarize
from modelyard_server.domain.version_records import ArtifactRecord, VersionRecord
from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed, PointerKind, blob_key

# A stale counter: the counter moved on, and (on some backends) the number is visibly taken as well.
STALE_COUNTER = {"counter", "version"}


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Driver:
    def __init__(self, backend: Backend, now: Callable[[], datetime]) -> None:
        self.backend = backend
        self.now = now

    # ---------------------------------------------------------------------------------- records

    def event(self, model: str, event_type: str = "test.change", version: int | None = None) -> EventRecord:
        return EventRecord(
            id=new_ulid(), type=event_type, model=model, version=version, at=self.now(), actor="contract-test"
        )

    def audit(
        self,
        kind: str = "policy.registry.set",
        actor: str = "repo:acme/platform:ref:refs/heads/main",
        at: datetime | None = None,
    ) -> EventRecord:
        """A governance event of `kind` by the principal with subject `actor` (made at `at`, or now)."""
        return EventRecord(
            id=new_ulid() if at is None else ulid_at(at, int.from_bytes(os.urandom(8), "big")),
            type=kind,
            model="registry:policy",
            at=at or self.now(),
            actor="contract-test",
            detail={"subject": actor},
        )

    def model_record(
        self, name: str, tags: dict[str, str] | None = None, owners: list[str] | None = None
    ) -> ModelRecord:
        at = self.now()
        return ModelRecord(
            name=name,
            description=f"the {name} model",
            tags={"team": "contract"} if tags is None else tags,
            owners=owners or ["octo/models"],
            owner_ids=["42"],
            latest_version=0,
            created_at=at,
            created_by="contract-test",
            updated_at=at,
        )

    def version_record(
        self,
        model: str,
        number: int,
        *,
        content: str | None = None,
        semver: str | None = None,
        tags: dict[str, str] | None = None,
        upload_window: timedelta = timedelta(hours=1),
        format: str = "onnx",
        **changes: Any,
    ) -> VersionRecord:
        """A version as the domain records it; `changes` replace fields (metrics, lineage, framework...)."""
        sha256 = digest_of(content if content is not None else f"{model}/{number}/{new_ulid()}")
        return VersionRecord(
            model=model,
            version=number,
            uri=f"models:/{model}/{number}",
            status="pending_upload",
            artifact=ArtifactRecord(
                sha256=sha256,
                size=123,
                format=format,
                filename="model.onnx",
                media_type="application/octet-stream",
                key=blob_key(sha256),
            ),
            framework="sklearn",
            semver=semver,
            params={"depth": 3},
            metrics={"auc": 0.9},
            tags=tags or {},
            created_at=self.now(),
            created_by="contract-test",
            upload_expires_at=self.now() + upload_window,
        ).model_copy(update=changes)

    # ------------------------------------------------------------------------------------ steps

    def create_model(
        self, name: str, tags: dict[str, str] | None = None, owners: list[str] | None = None
    ) -> ModelRecord:
        model = self.model_record(name, tags, owners)
        self.backend.models.create_model_once(model, self.event(name, "model.created"))
        return model

    def register(
        self,
        name: str,
        *,
        idempotency: tuple[str, str] | None = None,
        attempts: int = 200,
        **fields: Any,
    ) -> VersionRecord:
        """Claim the next number the way the domain does: read the counter, insert, retry on 'counter'."""
        for _ in range(attempts):
            model = self.backend.models.get_model(name, consistent=True)
            assert model is not None
            number = model.latest_version + 1
            version = self.version_record(name, number, **fields)
            try:
                self.backend.versions.insert_version_claiming_number(
                    version, model.latest_version, self.event(name, "model.version.registered", number), idempotency
                )
            except ConditionFailed as lost:
                if not lost.failed <= STALE_COUNTER:
                    raise
                continue
            return version
        raise AssertionError(f"no number claimed for {name} in {attempts} attempts")

    def seal(self, version: VersionRecord) -> datetime:
        return self.backend.versions.mark_version_ready(
            version.model,
            version.version,
            version.artifact.sha256,
            "blob-v1",
            self.event(version.model, "model.version.ready", version.version),
        )

    def abandon(self, version: VersionRecord) -> None:
        """Close its upload window two hours ago (past the grace hour): the upload is abandoned."""
        self.backend.versions.extend_upload_window(version.model, version.version, self.now() - timedelta(hours=2))

    def ready_version(self, name: str, **fields: Any) -> VersionRecord:
        version = self.register(name, **fields)
        self.seal(version)
        stored = self.backend.versions.get_version(name, version.version, consistent=True)
        assert stored is not None
        return stored

    def move(
        self,
        name: str,
        kind: PointerKind,
        pointer_name: str,
        target: VersionRecord | None,
        *,
        action: str = "promote",
        current: PointerRecord | None = None,
        read_current: bool = True,
    ) -> PointerRecord:
        """Move a pointer from what it holds now (or from `current`) onto `target` (None: unset it)."""
        if current is None and read_current:
            current = self.backend.pointers.get_pointer(name, kind, pointer_name, consistent=True)
        pointer, history, event = self.pointer_change(name, kind, pointer_name, target, action, current)
        self.backend.pointers.move_pointer(
            pointer,
            current.revision if current is not None else None,
            history,
            event,
            guard_version_ready=target.version if target is not None else None,
        )
        return pointer

    def pointer_change(
        self,
        name: str,
        kind: PointerKind,
        pointer_name: str,
        target: VersionRecord | None,
        action: str,
        current: PointerRecord | None,
    ) -> tuple[PointerRecord, HistoryEntry, EventRecord]:
        at = self.now()
        previous = current.version if current is not None else None
        number = target.version if target is not None else None
        event = self.event(name, f"model.pointer.{action}", number)
        pointer = PointerRecord(
            model=name,
            kind=kind,
            name=pointer_name,
            version=number,
            previous_version=previous,
            earlier_versions=[*current.earlier_versions, previous] if current and previous else [],
            revision=(current.revision + 1) if current is not None else 1,
            last_action=action,
            target=summary_of(target) if target is not None else None,
            updated_at=at,
            updated_by="contract-test",
        )
        history = HistoryEntry(
            action=action, version=number, previous_version=previous, at=at, by="contract-test", event_id=event.id
        )
        return pointer, history, event


summary_of = summarize  # the summary a pointer keeps, as the domain makes it


def event_types(backend: Backend, model: str) -> list[str]:
    """Every event of `model`, oldest first (all pages)."""
    types: list[str] = []
    token: str | None = None
    while True:
        page = backend.events.list_events(model, 100, token)
        types += [event.type for event in page.items]
        token = page.next_token
        if token is None:
            return types
