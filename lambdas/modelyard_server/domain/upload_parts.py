"""Multipart upload URLs, handed out in pages: a registration's answer never grows with the artifact.

Each part URL costs a signature. An artifact of 5 TiB takes 10,000 parts; handing them all out in
one answer took 11 s and 4.8 MB. The registration answers the first page; the client asks for the
rest, page by page, as its upload proceeds (so the URLs it holds are also fresh).
"""

from __future__ import annotations

from modelyard_server.domain import access, upload_window
from modelyard_server.domain.bounds import MAX_PARTS, PARTS_PAGE
from modelyard_server.domain.catalog import require_model
from modelyard_server.domain.errors import DomainError, VersionNotFound, VersionStateConflict
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.upload_records import UploadPart, UploadPartsPage
from modelyard_server.domain.version_records import ArtifactRecord
from modelyard_server.ports import backend
from modelyard_server.settings import get_settings


class ArtifactTooLarge(DomainError):
    status, slug, title = 422, "artifact-too-large", "Artifact larger than this registry accepts"


class NoSuchPart(DomainError):
    status, slug, title = 422, "no-such-part", "No such part"


def require_allowed_size(size: int) -> None:
    limit = get_settings().max_artifact_bytes
    if size > limit:
        raise ArtifactTooLarge(
            f"the artifact is declared as {size} bytes; this registry accepts at most {limit} "
            "(its operators set MODELYARD_MAX_ARTIFACT_BYTES)"
        )


def part_size_for(size: int) -> int:
    """The configured part size, grown so that the artifact fits S3's 10,000 parts."""
    return max(get_settings().part_size, -(-size // MAX_PARTS))


def part_count_for(size: int) -> int:
    return max(1, -(-size // part_size_for(size)))


def presigned_page(artifact: ArtifactRecord, upload_id: str, first: int, limit: int = PARTS_PAGE) -> UploadPartsPage:
    """Part URLs `first` .. `first + limit - 1` (at most a page, at most up to the last part)."""
    settings = get_settings()
    count = part_count_for(artifact.size)
    if not 1 <= first <= count:
        raise NoSuchPart(f"the artifact has parts 1 to {count}; there is no part {first}")
    numbers = range(first, min(count, first + min(limit, settings.upload_parts_page) - 1) + 1)
    ttl = settings.presign_ttl_seconds
    size = part_size_for(artifact.size)
    presigned = backend().blobs.presign_parts(artifact.key, upload_id, numbers, ttl, part_size=size)
    return UploadPartsPage(
        upload_id=upload_id,
        part_size=part_size_for(artifact.size),
        part_count=count,
        parts=[UploadPart(part_number=p.part_number, url=p.url) for p in presigned],
        next_part=numbers[-1] + 1 if numbers[-1] < count else None,
        expires_in=ttl,
    )


def upload_parts(
    name: str, number: int, upload_id: str, first: int, limit: int, principal: Principal
) -> UploadPartsPage:
    """A page of part URLs for a version still waiting for its bytes (owners only)."""
    access.require(principal, "develop", require_model(name), action=f"uploading versions of '{name}'")
    version = backend().versions.get_version(name, number, consistent=True)
    if version is None:
        raise VersionNotFound(f"model '{name}' has no version {number}")
    if version.status != "pending_upload":
        raise VersionStateConflict(f"version {number} of '{name}' is {version.status}: its upload is over")
    page = presigned_page(version.artifact, upload_id, first, limit)
    upload_window.keep_open(version)  # a long upload that keeps asking for parts is alive, not abandoned
    return page
