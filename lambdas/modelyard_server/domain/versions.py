"""Use cases on versions: two-phase registration, verification, reads, archive, download, resolve."""

from __future__ import annotations

import hashlib
import json
import random
import time

from modelyard_server.domain import access, upload_parts, upload_window, verification
from modelyard_server.domain.audit import new_event
from modelyard_server.domain.catalog import require_model
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import (
    ArtifactMismatch,
    Contention,
    IdempotencyKeyReused,
    ModelNotFound,
    SemverTaken,
    VersionNotFound,
    VersionStateConflict,
)
from modelyard_server.domain.lineage import LineageRefused, attest_lineage
from modelyard_server.domain.names import VersionRef, parse_model_uri, parse_version_ref, version_uri
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.resolution import InvalidReference, get_version_by_number, resolve_number, resolve_uri
from modelyard_server.domain.upload_records import CompleteUploadRequest, RegisteredVersion, UploadPlan
from modelyard_server.domain.version_records import (
    ArchiveVersionRequest,
    ArtifactRecord,
    DownloadLink,
    Lineage,
    RegisterVersionRequest,
    RestoreVersionRequest,
    VersionRecord,
    VersionSummary,
)
from modelyard_server.domain.visibility import parents_named_outside, require_visible, with_visible_lineage
from modelyard_server.ports import backend
from modelyard_server.ports.records import BlobFacts, ConditionFailed, blob_key
from modelyard_server.settings import get_settings

MAX_NUMBERING_ATTEMPTS = 100


def _request_hash(request: RegisterVersionRequest) -> str:
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _upload_plan(version: VersionRecord, already_stored: bool) -> UploadPlan:
    settings = get_settings()
    artifact = version.artifact
    ttl = settings.presign_ttl_seconds
    if already_stored:
        return UploadPlan(method="none")
    if artifact.size <= settings.multipart_threshold:
        put = backend().blobs.presign_put(artifact.key, artifact.size, artifact.media_type, artifact.sha256, ttl)
        return UploadPlan(method="put", url=put.url, headers=put.headers, expires_in=ttl)
    upload_id = backend().blobs.start_multipart(artifact.key, artifact.media_type)
    first_page = upload_parts.presigned_page(artifact, upload_id, first=1)
    return UploadPlan(
        method="multipart",
        upload_id=upload_id,
        part_size=first_page.part_size,
        part_count=first_page.part_count,
        parts=first_page.parts,
        next_part=first_page.next_part,
        expires_in=ttl,
    )


def visible_parent(uri: str, principal: Principal) -> VersionSummary:
    """A declared parent, resolved as the caller may see it: a hidden model's version is a missing one."""
    named = parse_model_uri(uri)
    require_visible(principal, [named.model] if named is not None else [])
    return resolve_uri(uri)


def register_version(
    name: str, request: RegisterVersionRequest, principal: Principal, idempotency_key: str | None
) -> RegisteredVersion:
    """Phase one: number and record the version (pending_upload) and say how to upload its bytes."""
    upload_parts.require_allowed_size(request.artifact.size)
    request_hash = _request_hash(request)
    model = require_model(name)
    # before any replay: its answer carries upload URLs
    access.require(principal, "develop", model, action=f"registering versions of '{name}'")
    if idempotency_key is not None:
        earlier = _replay(name, idempotency_key, request_hash)
        if earlier is not None:
            return earlier
    if request.semver is not None and backend().versions.get_semver_claim(name, request.semver) is not None:
        raise SemverTaken(f"model '{name}' already has a version labelled {request.semver}")
    lineage = attest_lineage(request.lineage, principal, lambda uri: visible_parent(uri, principal))
    if exposed := parents_named_outside(name, lineage.parents):
        problems = [f"lineage.parents: {uri} is in private namespace '{namespace}'" for uri, namespace in exposed]
        raise LineageRefused(
            "; ".join(problems) + f"; a version of '{name}', outside it, may not name it as a parent (whoever "
            "reads the version would learn the parent's name)",
            violations=problems,
        )

    already_stored = backend().versions.verified_blob(request.artifact.sha256) is not None
    expected_latest = model.latest_version
    for attempt in range(MAX_NUMBERING_ATTEMPTS):
        number = expected_latest + 1
        version = _new_version(name, number, request, lineage, principal)
        event = new_event(
            "model.version.registered",
            name,
            principal,
            version=number,
            after={
                "sha256": request.artifact.sha256,
                "size": request.artifact.size,
                "semver": request.semver,
            },
        )
        idempotency = (idempotency_key, request_hash) if idempotency_key is not None else None
        try:
            backend().versions.insert_version_claiming_number(version, expected_latest, event, idempotency)
        except ConditionFailed as lost:
            if "idempotency" in lost.failed and idempotency_key is not None:
                earlier = _replay(name, idempotency_key, request_hash)
                if earlier is not None:
                    return earlier
            if "semver" in lost.failed:
                raise SemverTaken(f"model '{name}' already has a version labelled {request.semver}") from lost
            # Another registration took this number: re-read the counter and try the next one.
            time.sleep(random.uniform(0, min(0.2, 0.005 * (attempt + 1))))  # noqa: S311 (jitter, not crypto)
            fresh = backend().models.get_model(name, consistent=True)
            if fresh is None:
                raise ModelNotFound(f"there is no model '{name}'") from lost
            expected_latest = fresh.latest_version
            continue
        return RegisteredVersion(version=version, upload=_upload_plan(version, already_stored), created=True)
    raise Contention(f"could not number a new version of '{name}' after {MAX_NUMBERING_ATTEMPTS} attempts")


def _replay(name: str, key: str, request_hash: str) -> RegisteredVersion | None:
    record = backend().versions.get_idempotency_record(name, key)
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(
            f"Idempotency-Key '{key}' was used for a different registration (version {record.version})"
        )
    version = backend().versions.get_version(name, record.version, consistent=True)
    if version is None:  # pragma: no cover - written in the same transaction
        raise VersionNotFound(f"model '{name}' has no version {record.version}")
    if version.status == "abandoned":
        raise VersionStateConflict(upload_window.abandoned_detail(version))
    already_stored = (
        version.status != "pending_upload" or backend().versions.verified_blob(version.artifact.sha256) is not None
    )
    if not already_stored:
        version = upload_window.keep_open(version)  # the resumed upload gets fresh URLs, and the time to use them
    return RegisteredVersion(version=version, upload=_upload_plan(version, already_stored), created=False)


def _new_version(
    name: str, number: int, request: RegisterVersionRequest, lineage: Lineage, principal: Principal
) -> VersionRecord:
    declared = request.artifact
    return VersionRecord(
        model=name,
        version=number,
        uri=version_uri(name, number),
        status="pending_upload",
        artifact=ArtifactRecord(
            sha256=declared.sha256,
            size=declared.size,
            format=declared.format,
            filename=declared.filename,
            media_type=declared.media_type,
            key=blob_key(declared.sha256),
        ),
        framework=request.framework,
        semver=request.semver,
        description=request.description,
        params=request.params,
        metrics=request.metrics,
        tags=request.tags,
        signature=request.signature,
        model_card=request.model_card,
        lineage=lineage,
        provenance=principal.provenance(),
        created_at=now(),
        created_by=principal.display_name,
        upload_expires_at=upload_window.window_end(),
    )


def complete_upload(name: str, number: int, request: CompleteUploadRequest, principal: Principal) -> VersionRecord:
    """Phase two: check the stored bytes against the declared size and SHA-256, then seal as ready.

    Bytes too large to hash within an API call move the version to `verifying` instead (see verification).
    """
    model = require_model(name)
    access.require(principal, "develop", model, action=f"completing versions of '{name}'")
    version = get_version_by_number(name, number, consistent=True)
    if version.status in ("ready", "verifying"):
        return version  # a retried completion: nothing left to do here
    if version.status == "abandoned":
        raise VersionStateConflict(upload_window.abandoned_detail(version))
    if version.status == "rejected":
        raise VersionStateConflict(f"version {number} of '{name}' was rejected: {version.status_reason}")
    if version.status != "pending_upload":
        raise VersionStateConflict(f"version {number} of '{name}' is {version.status}, not pending_upload")
    artifact = version.artifact
    if request.parts:
        if not request.upload_id:
            raise VersionStateConflict("parts were sent without the upload_id of the multipart upload plan")
        if backend().versions.verified_blob(artifact.sha256) is not None:
            # These bytes are verified already: never let a late multipart upload replace them.
            backend().blobs.abort_multipart(artifact.key, request.upload_id)
        else:
            _complete_parts(artifact, request)
    verified = backend().versions.verified_blob(artifact.sha256)
    if verified is not None:
        blob_version = verified.version_id  # verified when an earlier version became ready: reuse that object version
    else:
        facts = verification.stored_facts(artifact)
        if verification.needs_verifier(artifact, facts):
            return _hand_to_verifier(version, facts, principal)
        blob_version = verification.check_blob(artifact, facts)
    event = new_event(
        "model.version.ready",
        name,
        principal,
        version=number,
        before={"status": "pending_upload"},
        after={"status": "ready", "sha256": artifact.sha256},
    )
    try:
        ready_at = backend().versions.mark_version_ready(name, number, artifact.sha256, blob_version, event)
    except ConditionFailed:
        return _concurrently_completed(name, number)
    return version.model_copy(update={"status": "ready", "ready_at": ready_at, "blob_version": blob_version})


def _hand_to_verifier(version: VersionRecord, facts: BlobFacts, principal: Principal) -> VersionRecord:
    """pending_upload → verifying; its event reaches the verifier, which settles the version."""
    name, number = version.model, version.version
    event = new_event(
        verification.VERIFYING_EVENT,
        name,
        principal,
        version=number,
        before={"status": "pending_upload"},
        after={"status": "verifying", "sha256": version.artifact.sha256},
        detail=verification.verifying_detail(facts),
    )
    try:
        backend().versions.mark_version_verifying(name, number, event)
    except ConditionFailed:
        return _concurrently_completed(name, number)
    return version.model_copy(update={"status": "verifying", "upload_expires_at": None})


def _concurrently_completed(name: str, number: int) -> VersionRecord:
    now_is = get_version_by_number(name, number, consistent=True)  # completed by a concurrent completion?
    if now_is.status == "abandoned":
        raise VersionStateConflict(upload_window.abandoned_detail(now_is))
    return now_is


def _complete_parts(artifact: ArtifactRecord, request: CompleteUploadRequest) -> None:
    assert request.upload_id is not None
    assert request.parts is not None
    try:
        backend().blobs.complete_multipart(
            artifact.key,
            request.upload_id,
            [(p.part_number, p.etag) for p in request.parts],
        )
    except ValueError as error:
        raise ArtifactMismatch(f"the artifact store refused the parts: {error}") from error


def parse_reference(name: str, value: str | int) -> VersionRef:
    """A version number, a semver label, or a `models:/<name>/<n>` URI of this same model."""
    if isinstance(value, str) and value.startswith("models:/"):
        uri = parse_model_uri(value)
        if uri is None or uri.kind != "version" or uri.model != name or uri.version is None:
            raise InvalidReference(f"'{value}' is not a version URI of model '{name}'")
        return uri.version
    ref = parse_version_ref(value)
    if ref is None:
        raise InvalidReference(f"'{value}' is not a version number or semantic version label")
    return ref


def get_version(name: str, value: str | int) -> VersionRecord:
    return get_version_by_number(name, resolve_number(name, parse_reference(name, value)))


def read_version(name: str, value: str | int, reader: Principal) -> VersionRecord:
    """A version as `reader` may read it (its lineage without parents hidden from them)."""
    return with_visible_lineage(get_version(name, value), reader)


def archive_version(name: str, number: int, request: ArchiveVersionRequest, principal: Principal) -> VersionRecord:
    """Archive or deprecate: the version stays readable and downloadable, but can no longer move."""
    # The version first: its pointer-move count, read before the pointers, tells whether one moved in between.
    version = get_version_by_number(name, number, consistent=True)
    loaded = backend().models.load_model(name)
    if loaded is None:
        raise ModelNotFound(f"there is no model '{name}'")
    model, pointers = loaded.model, loaded.pointers
    # owners retire their own versions; ops retire any, in an incident
    access.require_any(principal, ("develop", "operate"), model, action=f"archiving versions of '{name}'")
    if version.status == request.status:
        return version
    archivable = ["ready", "pending_upload", "abandoned", "rejected", "deprecated"]
    allowed = archivable if request.status == "archived" else ["ready"]
    if version.status not in allowed:
        raise VersionStateConflict(f"version {number} of '{name}' is {version.status}; cannot mark {request.status}")
    holding = [p for p in pointers.values() if p.version == number and p.target is not None]
    if request.status == "archived" and holding:
        held_by = ", ".join(f"{p.kind} '{p.name}'" for p in sorted(holding, key=lambda p: (p.kind, p.name)))
        raise VersionStateConflict(
            f"version {number} of '{name}' is held by {held_by}; move them to another version first "
            "(promote another version, or set or delete the alias), then archive it"
        )
    event = new_event(
        f"model.version.{request.status}",
        name,
        principal,
        version=number,
        before={"status": version.status},
        after={"status": request.status},
        detail={"reason": request.reason, "held_by": [f"{p.kind}:{p.name}" for p in holding]},
    )
    try:
        backend().versions.set_version_status(
            name, number, request.status, request.reason, allowed, event, holding, version.pointer_moves
        )
    except ConditionFailed as error:
        raise VersionStateConflict(f"version {number} of '{name}' changed concurrently; retry") from error
    return get_version_by_number(name, number, consistent=True)


def restore_version(name: str, number: int, request: RestoreVersionRequest, principal: Principal) -> VersionRecord:
    """Undo an archive or deprecation (admins): back to ready, or to pending_upload if it never was."""
    loaded = backend().models.load_model(name)
    if loaded is None:
        raise ModelNotFound(f"there is no model '{name}'")
    # an admin of the model's namespace too: restoring only undoes an archive
    access.require(principal, "administer", loaded.model, action="restoring an archived or deprecated version")
    version = get_version_by_number(name, number, consistent=True)
    restorable = ["archived", "deprecated"]
    if version.status not in restorable:
        raise VersionStateConflict(
            f"version {number} of '{name}' is {version.status}; only archived or deprecated versions can be restored"
        )
    status = "ready" if version.ready_at is not None else "pending_upload"
    holding = [p for p in loaded.pointers.values() if p.version == number and p.target is not None]
    event = new_event(
        "model.version.restored",
        name,
        principal,
        version=number,
        before={"status": version.status},
        after={"status": status},
        detail={"reason": request.reason},
    )
    try:
        backend().versions.set_version_status(
            name, number, status, request.reason, restorable, event, holding, version.pointer_moves
        )
    except ConditionFailed as error:
        raise VersionStateConflict(f"version {number} of '{name}' changed concurrently; retry") from error
    return get_version_by_number(name, number, consistent=True)


def download_link(name: str, value: str | int) -> DownloadLink:
    version = get_version(name, value)
    if version.status == "pending_upload":
        raise VersionStateConflict(f"version {version.version} of '{name}' has no verified artifact yet")
    settings = get_settings()
    artifact = version.artifact
    url = backend().blobs.presign_get(
        artifact.key, version.blob_version, artifact.filename, settings.presign_ttl_seconds
    )
    return DownloadLink(
        url=url,
        sha256=artifact.sha256,
        size=artifact.size,
        filename=artifact.filename,
        format=artifact.format,
        expires_in=settings.presign_ttl_seconds,
    )
