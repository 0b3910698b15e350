"""Whether stored bytes are the declared artifact: checked inside a completion, or by the verifier when large.

Hashing runs at the artifact store's read speed: a 10 GB object takes minutes, far beyond the 29 s an
API call may last. So above ``settings.verify_async_bytes`` a completion only moves the version to
``verifying`` (with the event ``model.version.verifying``, which reaches the verifier function through
the outbox and the bus) and answers 202; the verifier hashes the object version the completion saw and
settles the version ``ready`` or ``rejected``. Stores that hash bytes on arrival never need it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import ArtifactMismatch, ArtifactMissing
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.ids import new_ulid
from modelyard_server.domain.version_records import ArtifactRecord, VersionRecord
from modelyard_server.ports import backend
from modelyard_server.ports.records import BlobFacts, ConditionFailed, Verdict
from modelyard_server.settings import get_settings

VERIFYING_EVENT = "model.version.verifying"


def stored_facts(artifact: ArtifactRecord) -> BlobFacts:
    facts = backend().blobs.head_blob(artifact.key)
    if facts is None:
        raise ArtifactMissing(f"no bytes were uploaded for sha256 {artifact.sha256}; upload, then complete")
    return facts


def needs_verifier(artifact: ArtifactRecord, facts: BlobFacts) -> bool:
    """Hashing these bytes could outlast an API call: the store did not hash them, and they are large."""
    return _store_digest(artifact, facts) is None and facts.size > get_settings().verify_async_bytes


def check_blob(artifact: ArtifactRecord, facts: BlobFacts) -> str | None:
    """The stored object version holding exactly the declared bytes (raises ArtifactMismatch when it does not)."""
    # What the bytes are decides whether they stay, not their size: a size that differs from the
    # declaration may be the declaration's mistake, with the key's own content uploaded for another version.
    actual = _store_digest(artifact, facts) or backend().blobs.hash_blob(artifact.key, facts.version_id)
    if actual != artifact.sha256:
        _discard_unless_verified(artifact)  # the key holds bytes that are not its content: they go
        raise ArtifactMismatch(
            f"the uploaded bytes hash to sha256 {actual}, not the declared {artifact.sha256}; upload it again"
        )
    if facts.size != artifact.size:
        # The bytes are the key's content: the declared size is wrong, and the bytes stay for whoever needs them.
        raise ArtifactMismatch(
            f"sha256 {artifact.sha256} is {facts.size} bytes, not the {artifact.size} declared; register it again"
        )
    return facts.version_id


def _store_digest(artifact: ArtifactRecord, facts: BlobFacts) -> str | None:
    """The store's own SHA-256 when it settles the question without hashing, else None.

    A checksum that differs from the declaration is an early no either way; one that matches is taken
    only from a store that checked it itself (an S3 stand-in may keep a checksum unverified).
    """
    if facts.checksum_sha256 is not None and (facts.checksum_verified or facts.checksum_sha256 != artifact.sha256):
        return facts.checksum_sha256
    return None


def _discard_unless_verified(artifact: ArtifactRecord) -> None:
    if backend().versions.verified_blob(artifact.sha256) is None:
        backend().blobs.delete_blob(artifact.key)


def verifying_detail(facts: BlobFacts) -> dict[str, Any]:
    """What the verifier needs from the completion: the object version it saw (later uploads do not count)."""
    return {"blob_version": facts.version_id, "size": facts.size}


def settle(trigger: EventRecord) -> VersionRecord | None:
    """The verifier's work for one `model.version.verifying` event: hash, then mark ready or rejected.

    Idempotent (the bus and Lambda deliver at least once): a version no longer verifying is left as it is.
    Failures other than a verdict (the store unreachable, the function timing out) raise, so the
    invocation is retried and finally dead-lettered, with the version still verifying.
    """
    assert trigger.version is not None
    name, number = trigger.model, trigger.version
    version = backend().versions.get_version(name, number, consistent=True)
    if version is None or version.status != "verifying":
        return version
    artifact = version.artifact
    seen = trigger.detail.get("blob_version")
    facts = backend().blobs.head_blob(artifact.key)
    try:
        if facts is None:
            raise ArtifactMissing(f"the bytes for sha256 {artifact.sha256} were deleted before they were verified")
        if seen is not None and facts.version_id != seen:
            facts = BlobFacts(int(trigger.detail.get("size", facts.size)), None, str(seen))  # the version completed
        verdict = Verdict(ready=True, blob_version=check_blob(artifact, facts))
    except (ArtifactMismatch, ArtifactMissing) as refused:
        verdict = Verdict(ready=False, reason=refused.detail)
    event = _outcome_event(trigger, artifact, verdict)
    with contextlib.suppress(ConditionFailed):  # settled by a concurrent delivery of the same event: that stands
        backend().versions.finish_verification(name, number, artifact.sha256, verdict, event)
    return backend().versions.get_version(name, number, consistent=True)


def _outcome_event(trigger: EventRecord, artifact: ArtifactRecord, verdict: Verdict) -> EventRecord:
    """Attributed to whoever completed the upload (the verifier acts on their behalf)."""
    status = "ready" if verdict.ready else "rejected"
    after: dict[str, Any] = {"status": status, "sha256": artifact.sha256}
    if not verdict.ready:
        after["reason"] = verdict.reason
    return trigger.model_copy(
        update={
            "id": new_ulid(),
            "type": f"model.version.{status}",
            "at": now(),
            "before": {"status": "verifying"},
            "after": after,
            "detail": {**trigger.detail, "verified_by": "verifier"},
        }
    )
