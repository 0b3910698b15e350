"""An artifact's upload: the plan a registration answers with (one PUT, or multipart part URLs), the further
pages of part URLs, and the request that completes an upload (pydantic v2; OpenAPI is generated from these)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from modelyard_server.domain.bounds import UPLOAD_ID_PATTERN
from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.version_records import VersionRecord


class CompletedPart(StrictModel):
    part_number: int = Field(ge=1, le=10000)
    etag: Annotated[str, StringConstraints(pattern=r'^"?[0-9a-fA-F]{32}"?$')] = Field(
        description="The ETag S3 answered for the part's upload: 32 hex digits, quoted or not"
    )


class CompleteUploadRequest(StrictModel):
    upload_id: Annotated[str, StringConstraints(pattern=UPLOAD_ID_PATTERN)] | None = None
    parts: list[CompletedPart] | None = Field(default=None, max_length=10000)


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
