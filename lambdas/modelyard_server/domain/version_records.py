"""A model version as the API takes it (a registration's declarations: artifact, signature, lineage; archive
and restore) and as stored (its record, artifact and validation; the summary a pointer carries; a page of
versions; a download link). Pydantic v2; OpenAPI is generated from these."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from modelyard_server.domain import clock
from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.names import REPOSITORY_PATTERN, SEMVER_PATTERN, SHA256_PATTERN
from modelyard_server.domain.record_fields import (
    MAX_ARTIFACT_BYTES,
    ArtifactFormat,
    Description,
    MetricValue,
    ModelUriText,
    ParamKey,
    ParamValue,
    ShortText,
    Tags,
    UrlText,
    VersionStatus,
)


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


Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class ArchiveVersionRequest(StrictModel):
    status: Literal["archived", "deprecated"] = Field(
        default="archived",
        description="archived: refused while a stage or alias holds the version; deprecated: a warning, allowed",
    )
    reason: Reason


class RestoreVersionRequest(StrictModel):
    reason: Reason


#: How long after its upload URLs expire a registration still waiting for its bytes is abandoned.
ABANDON_GRACE = timedelta(hours=1)


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


class VersionPage(RegistryModel):
    items: list[VersionRecord]
    next_token: str | None = None


class DownloadLink(RegistryModel):
    url: str
    sha256: str
    size: int
    filename: str
    format: str
    expires_in: int
