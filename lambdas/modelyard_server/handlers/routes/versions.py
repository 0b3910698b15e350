"""/v1/models/{name}/versions and /v1/resolve: register, complete, read, archive, download."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from modelyard_server.domain.bounds import MAX_PARTS, PARTS_PAGE, UPLOAD_ID_PATTERN
from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.not_modified import answer_conditionally
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import (
    LimitQuery,
    ModelNameParam,
    ModelUriQuery,
    NextTokenQuery,
    VersionNumberParam,
    VersionRefParam,
    WholeNumberIn,
)
from modelyard_server.observability import metrics

if TYPE_CHECKING:
    from modelyard_server.domain import (
        resolution,
        search,
        search_params,
        upload_parts,
        upload_records,
        version_records,
        versions,
    )
else:  # loaded by the first request that needs them (see `deferred`)
    resolution = Deferred("modelyard_server.domain.resolution")
    upload_records = Deferred("modelyard_server.domain.upload_records")
    version_records = Deferred("modelyard_server.domain.version_records")
    search = Deferred("modelyard_server.domain.search")
    search_params = Deferred("modelyard_server.domain.search_params")
    upload_parts = Deferred("modelyard_server.domain.upload_parts")
    versions = Deferred("modelyard_server.domain.versions")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="idempotency-key",
        pattern=r"^[A-Za-z0-9._:/=+-]{1,128}$",
        description="Retrying with the same key returns the version the first request made",
    ),
]
PartsLimit = Annotated[int, Query(description="How many parts (a page)"), WholeNumberIn(1, PARTS_PAGE)]


@router.post("/v1/models/<name>/versions", summary="Register a version (phase one)", tags=["versions"])
def register_version(
    name: ModelNameParam,
    body: version_records.RegisterVersionRequest,
    caller: Caller,
    idempotency_key: IdempotencyKey = None,
) -> Response[upload_records.RegisteredVersion]:
    registered = versions.register_version(name, body, caller, idempotency_key)
    if registered.created:
        metrics.add_metric(name="VersionRegistered", unit="Count", value=1)
    return Response(
        status_code=201 if registered.created else 200,
        content_type="application/json",
        body=registered,
        headers={"Location": f"/v1/models/{name}/versions/{registered.version.version}"},
    )


@router.post(
    "/v1/models/<name>/versions/<version>/complete",
    summary="Verify the upload and seal the version",
    tags=["versions"],
)
def complete_upload(
    name: ModelNameParam, version: VersionNumberParam, body: upload_records.CompleteUploadRequest, caller: Caller
) -> Response[version_records.VersionRecord]:
    record = versions.complete_upload(name, version, body, caller)
    if record.status == "verifying":  # 202: the verifier settles it; GET the version until ready or rejected
        return Response(status_code=202, content_type="application/json", body=record)
    metrics.add_metric(name="VersionReady", unit="Count", value=1)
    return Response(status_code=200, content_type="application/json", body=record)


@router.get(
    "/v1/models/<name>/versions/<version>/upload-parts",
    summary="A page of multipart upload URLs for a version waiting for its bytes",
    tags=["versions"],
)
def get_upload_parts(
    name: ModelNameParam,
    version: VersionNumberParam,
    caller: Caller,
    upload_id: Annotated[str, Query(pattern=UPLOAD_ID_PATTERN, description="The upload plan's upload_id")],
    first: Annotated[int, Query(description="The first part number wanted"), WholeNumberIn(1, MAX_PARTS)] = 1,
    limit: Annotated[int, Query(description="How many parts"), WholeNumberIn(1, PARTS_PAGE)] = PARTS_PAGE,
) -> upload_records.UploadPartsPage:
    return upload_parts.upload_parts(name, version, upload_id, first, limit, caller)


@router.get(
    "/v1/models/<name>/versions",
    summary="List a model's versions (newest first), with filters and the pointers each holds",
    tags=["versions"],
)
def list_versions(
    name: ModelNameParam,
    caller: Caller,
    filters: Annotated[search_params.ModelVersionFilters, Query()],
    limit: LimitQuery = 50,
    next_token: NextTokenQuery = None,
) -> search.ListedVersionPage:
    return search.list_versions(name, filters, limit, next_token, caller)


@router.get("/v1/models/<name>/versions/<ref>", summary="A version by number or semver label", tags=["versions"])
def get_version(name: ModelNameParam, ref: VersionRefParam, caller: Caller) -> version_records.VersionRecord:
    return versions.read_version(name, ref, caller)


@router.post(
    "/v1/models/<name>/versions/<version>/archive",
    summary="Archive or deprecate a version",
    tags=["versions"],
)
def archive_version(
    name: ModelNameParam, version: VersionNumberParam, body: version_records.ArchiveVersionRequest, caller: Caller
) -> version_records.VersionRecord:
    return versions.archive_version(name, version, body, caller)


@router.post(
    "/v1/models/<name>/versions/<version>/restore",
    summary="Restore an archived or deprecated version (admins)",
    tags=["versions"],
)
def restore_version(
    name: ModelNameParam, version: VersionNumberParam, body: version_records.RestoreVersionRequest, caller: Caller
) -> version_records.VersionRecord:
    return versions.restore_version(name, version, body, caller)


@router.get("/v1/models/<name>/versions/<ref>/download", summary="A presigned download link", tags=["versions"])
def download_version(name: ModelNameParam, ref: VersionRefParam, caller: Caller) -> version_records.DownloadLink:
    return versions.download_link(name, ref)


IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="if-none-match",
        max_length=2048,
        description="The ETag of an earlier answer: while the URI still resolves to the same thing, the answer "
        "is 304 with no body",
    ),
]


@router.get(
    "/v1/resolve",
    summary="Resolve a model URI to the version it names now",
    description="The answer carries a strong `ETag` that changes whenever what the URI resolves to does (its "
    "version, status, artifact digest or metrics, or the revision of the stage or alias it goes through). "
    "Poll with `If-None-Match: <that ETag>`: 304 with no body while nothing changed, at the same cost.",
    tags=["versions"],
)
def resolve(
    uri: ModelUriQuery, caller: Caller, if_none_match: IfNoneMatch = None
) -> Response[version_records.VersionSummary]:
    resolved = resolution.resolve(uri)
    answer_conditionally(if_none_match, resolved.etag)
    return Response(
        status_code=200, content_type="application/json", body=resolved.summary, headers={"ETag": resolved.etag}
    )
