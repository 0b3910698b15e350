"""Stages and aliases: the requests that move them (promote, roll back, set an alias) and a pointer as stored,
with its history (pydantic v2; OpenAPI is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.names import MAX_VERSION
from modelyard_server.domain.version_records import VersionSummary

VersionInput = (
    Annotated[int, Field(ge=1, le=MAX_VERSION)] | Annotated[str, StringConstraints(min_length=1, max_length=300)]
)


class SetAliasRequest(StrictModel):
    version: VersionInput = Field(description="Version number, semver label or model URI")
    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_VERSION,
        description="Only move the alias if it points at this version now; null: only if the alias is unset. "
        "Leave the field out to move it whatever it points at.",
    )


class PromoteRequest(StrictModel):
    version: VersionInput = Field(description="Version number, semver label or model URI")
    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_VERSION,
        description="Only promote if the stage holds this version now; null: only if the stage is empty. "
        "Leave the field out to promote whatever the stage holds.",
    )
    comment: Annotated[str, StringConstraints(max_length=1000)] | None = None


class RollbackRequest(StrictModel):
    to_version: VersionInput | None = None
    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_VERSION,
        description="The version the stage holds as you ask (from a read just before): a retried rollback "
        "then answers the stage as it is instead of rolling back twice; if someone else moved it, 409",
    )
    comment: Annotated[str, StringConstraints(max_length=1000)] | None = None


class HistoryEntry(RegistryModel):
    action: str
    version: int | None
    previous_version: int | None
    at: datetime
    by: str
    run_url: str | None = None
    event_id: str
    comment: str | None = None


class PointerRecord(RegistryModel):
    model: str
    kind: Literal["stage", "alias"]
    name: str
    version: int | None
    previous_version: int | None
    earlier_versions: list[int] = Field(
        default_factory=list, description="Earlier holders, oldest first; rollback returns to the last one"
    )
    revision: int
    last_action: str | None = Field(default=None, description="promote | rollback | set | delete")
    target: VersionSummary | None
    updated_at: datetime
    updated_by: str
    history: list[HistoryEntry] = Field(default_factory=list)
    already_held: bool = Field(
        default=False,
        description="In the answer to a move: the pointer already held this version, so nothing changed and no "
        "event was written (a retried request). Always false when reading a pointer.",
    )
