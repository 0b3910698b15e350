"""The registry's records and the API's request bodies (pydantic v2). OpenAPI is generated from these."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from modelyard_server.domain import clock
from modelyard_server.domain.bounds import UPLOAD_ID_PATTERN
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.names import (
    MAX_MODEL_NAME,
    MAX_VERSION,
    MODEL_NAME_PATTERN,
    REPOSITORY_PATTERN,
    SEMVER_PATTERN,
    SHA256_PATTERN,
    parse_model_uri,
    reserved_name_problem,
)

MAX_ARTIFACT_BYTES = 5 * 1024**4  # S3's object limit: 5 TiB


def _is_model_uri(value: str) -> str:
    if parse_model_uri(value) is None:
        raise ValueError("expected a model URI such as models:/fraud/7")
    return value


def _not_reserved(value: str) -> str:
    problem = reserved_name_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("metric values must be finite numbers")
    return value


ModelName = Annotated[
    str,
    StringConstraints(pattern=MODEL_NAME_PATTERN, max_length=MAX_MODEL_NAME),
    AfterValidator(_not_reserved),
    Field(description="`name` or `namespace/name`"),
]
TagKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:/=+@-]{1,128}$")]
TagValue = Annotated[str, StringConstraints(max_length=256)]
Tags = Annotated[dict[TagKey, TagValue], Field(max_length=50)]
ParamKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ParamValue = Annotated[str, StringConstraints(max_length=1024)] | int | float | bool | None
MetricValue = Annotated[float, AfterValidator(_finite)]
Description = Annotated[str, StringConstraints(max_length=2000)]
ShortText = Annotated[str, StringConstraints(max_length=256)]
UrlText = Annotated[str, StringConstraints(max_length=1024, pattern=r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")]
ModelUriText = Annotated[str, AfterValidator(_is_model_uri)]
ArtifactFormat = Literal["onnx", "safetensors", "joblib", "pickle", "tarball", "pytorch", "other"]
# verifying: the bytes are uploaded and a verifier is hashing them (large artifacts, see settings.verify_async_bytes);
# rejected: the verifier found bytes that are not the declared artifact (status_reason says what it found).
VersionStatus = Literal["pending_upload", "verifying", "ready", "rejected", "archived", "deprecated", "abandoned"]
#: How long after its upload URLs expire a registration still waiting for its bytes is abandoned.
ABANDON_GRACE = timedelta(hours=1)


# ---------------------------------------------------------------------------------------------- inputs


class CreateModelRequest(StrictModel):
    name: ModelName
    description: Description = ""
    tags: Tags = Field(default_factory=dict)


class UpdateModelRequest(StrictModel):
    description: Description | None = None
    tags: Tags | None = None

    @model_validator(mode="before")
    @classmethod
    def _owners_change_through_their_own_route(cls, data: Any) -> Any:
        if isinstance(data, dict) and "owners" in data:
            raise ValueError(
                "a model's owners are not changed here: POST /v1/models/{name}/owners adds a repository "
                "(`modelyard owners add`), DELETE /v1/models/{name}/owners?repository=ID removes one"
            )
        return data


class ArtifactDeclaration(StrictModel):
    sha256: Annotated[str, StringConstraints(pattern=SHA256_PATTERN)] = Field(
        description="Lower-case hex SHA-256 of the artifact's bytes"
    )
    size: int = Field(gt=0, le=MAX_ARTIFACT_BYTES, description="Size in bytes")
    format: ArtifactFormat = "other"
    filename: Annotated[str, StringConstraints(pattern=r"^[^/\\\x00-\x1f]{1,255}$")] = "model.bin"
    media_type: Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=128)] = (
        "application/octet-stream"
    )


class Feature(StrictModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    type: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "any"
    shape: list[int | None] | None = Field(default=None, max_length=16)


class Signature(StrictModel):
    inputs: list[Feature] = Field(default_factory=list, max_length=2000)
    outputs: list[Feature] = Field(default_factory=list, max_length=2000)


class Lineage(StrictModel):
    repository: Annotated[str, StringConstraints(pattern=REPOSITORY_PATTERN)] | None = None
    commit: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{7,64}$")] | None = None
    ref: ShortText | None = None
    run_url: UrlText | None = None
    workflow_ref: ShortText | None = None
    data_uri: UrlText | None = None
    data_version: ShortText | None = None
    data_digest: ShortText | None = None
    parents: list[ModelUriText] = Field(default_factory=list, max_length=20)


class RegisterVersionRequest(StrictModel):
    artifact: ArtifactDeclaration
    framework: ShortText | None = None
    semver: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)] | None = None
    description: Description = ""
    params: Annotated[dict[ParamKey, ParamValue], Field(max_length=500)] = Field(default_factory=dict)
    metrics: Annotated[dict[ParamKey, MetricValue], Field(max_length=500)] = Field(default_factory=dict)
    tags: Tags = Field(default_factory=dict)
    signature: Signature | None = None
    model_card: Annotated[str, StringConstraints(max_length=65536)] | None = None
    lineage: Lineage = Field(default_factory=Lineage)


#: S3 multipart upload ids are URL-safe text; anything else never came from an upload plan.


class CompletedPart(StrictModel):
    part_number: int = Field(ge=1, le=10000)
    etag: Annotated[str, StringConstraints(pattern=r'^"?[0-9a-fA-F]{32}"?$')] = Field(
        description="The ETag S3 answered for the part's upload: 32 hex digits, quoted or not"
    )


class CompleteUploadRequest(StrictModel):
    upload_id: Annotated[str, StringConstraints(pattern=UPLOAD_ID_PATTERN)] | None = None
    parts: list[CompletedPart] | None = Field(default=None, max_length=10000)


Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class ArchiveVersionRequest(StrictModel):
    status: Literal["archived", "deprecated"] = Field(
        default="archived",
        description="archived: refused while a stage or alias holds the version; deprecated: a warning, allowed",
    )
    reason: Reason


class RestoreVersionRequest(StrictModel):
    reason: Reason


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


# --------------------------------------------------------------------------------------------- records


class Actor(RegistryModel):
    """Who did something: the verified token's identity (a workflow run, or a person signed in with GitHub)."""

    subject: str
    kind: Literal["workflow", "person"] = "workflow"
    repository: str | None = None
    actor: str | None = None
    run_id: str | None = None
    run_url: str | None = None
    environment: str | None = None
    issuer: str
    user_id: str | None = Field(default=None, description="a person's GitHub user id (what identifies them)")
    login: str | None = Field(default=None, description="a person's GitHub login when they acted")
    client: str | None = Field(default=None, description="the client they acted through (its User-Agent)")


class PointerState(RegistryModel):
    version: int
    updated_at: datetime
    updated_by: str
    metrics: dict[str, float] = Field(
        default_factory=dict, description="The held version's metrics, as the pointer carries them (no extra read)"
    )


class ModelRecord(RegistryModel):
    name: str
    description: str
    tags: dict[str, str]
    owners: list[str]
    owner_ids: list[str] = Field(
        default_factory=list, description="GitHub repository ids of the owners (a re-created name is not the owner)"
    )
    latest_version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    revision: int = Field(
        default=0,
        description="Grows by one with each change of the description, tags or owners (a write is "
        "conditional on the revision it read)",
    )
    stages: dict[str, PointerState] = Field(default_factory=dict)
    aliases: dict[str, PointerState] = Field(default_factory=dict)


class ArtifactRecord(RegistryModel):
    sha256: str
    size: int
    format: str
    filename: str
    media_type: str
    key: str


class ValidationSummary(RegistryModel):
    status: Literal["passed", "failed"]
    report_id: str
    at: datetime
    policy_digest: str
    failed_checks: int = 0
    ref: str | None = Field(default=None, description="The git ref of the run that reported the metrics")
    repository_policy: dict[str, Any] | None = Field(
        default=None, description="The repository policy the validation ran under; promotions apply it too"
    )
    baselines: dict[str, int | None] = Field(
        default_factory=dict,
        description="What each pointer a no-regression gate compared with held (`stage:production`: 4; null: "
        "nothing): once one of them moves, the verdict no longer counts for a promotion",
    )


class VersionRecord(RegistryModel):
    model: str
    version: int
    uri: str
    status: VersionStatus
    status_reason: str | None = None
    artifact: ArtifactRecord
    framework: str | None = None
    semver: str | None = None
    description: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    signature: Signature | None = None
    model_card: str | None = None
    lineage: Lineage = Field(default_factory=Lineage)
    provenance: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    created_by: str
    ready_at: datetime | None = None
    validation: ValidationSummary | None = Field(default=None, description="The latest server-side validation")
    stages_reached: list[str] = Field(default_factory=list, description="Every stage this version has been in")
    blob_version: str | None = Field(default=None, description="The S3 object version its digest was verified on")
    upload_expires_at: datetime | None = Field(
        default=None,
        description="While pending_upload: when its upload URLs expire. An hour later, with no completed "
        "upload, the version is abandoned: listed apart, never completed or promoted",
    )
    pointer_moves: int = Field(default=0, exclude=True)  # internal: guards archive against racing pointer moves

    @model_validator(mode="after")
    def _abandoned_once_its_upload_window_is_over(self) -> VersionRecord:
        window = self.upload_expires_at
        if self.status == "pending_upload" and window is not None and window + ABANDON_GRACE < clock.now():
            self.status = "abandoned"
        return self


class VersionSummary(RegistryModel):
    """What a pointer carries about its version, so resolving an alias or stage is one read."""

    model: str
    version: int
    uri: str
    status: VersionStatus
    sha256: str
    size: int
    format: str
    semver: str | None = None
    framework: str | None = None
    metrics: dict[str, float] = Field(default_factory=dict)


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


# -------------------------------------------------------------------------------------------- answers


class UploadPart(RegistryModel):
    part_number: int
    url: str


class UploadPlan(RegistryModel):
    method: Literal["none", "put", "multipart"]
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    upload_id: str | None = None
    part_size: int | None = None
    part_count: int | None = Field(default=None, description="Multipart: how many parts the artifact takes")
    parts: list[UploadPart] = Field(
        default_factory=list, description="Multipart: the first page of part URLs (ask upload-parts for the rest)"
    )
    next_part: int | None = Field(
        default=None, description="Multipart: the first part not in `parts` (null when `parts` has them all)"
    )
    expires_in: int | None = None


class UploadPartsPage(RegistryModel):
    upload_id: str
    part_size: int
    part_count: int
    parts: list[UploadPart]
    next_part: int | None = Field(description="The first part after this page (null after the last part)")
    expires_in: int


class RegisteredVersion(RegistryModel):
    version: VersionRecord
    upload: UploadPlan
    created: bool = Field(description="False when an earlier request with the same Idempotency-Key made it")


class DownloadLink(RegistryModel):
    url: str
    sha256: str
    size: int
    filename: str
    format: str
    expires_in: int


class ModelPage(RegistryModel):
    items: list[ModelRecord]
    next_token: str | None = None


class VersionPage(RegistryModel):
    items: list[VersionRecord]
    next_token: str | None = None


class EventPage(RegistryModel):
    items: list[EventRecord]
    next_token: str | None = None
