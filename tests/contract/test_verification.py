"""Large uploads: pending_upload → verifying (the bytes are in), then the verifier's verdict, ready or rejected."""

from __future__ import annotations

import pytest

from modelyard_server.domain.version_records import VersionRecord
from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed, Verdict
from tests.contract.registry_driver import Driver, event_types


def _verifying(registry: Driver, backend: Backend, content: str = "big-weights") -> VersionRecord:
    registry.create_model("fraud")
    version = registry.register("fraud", content=content)
    backend.versions.mark_version_verifying("fraud", 1, registry.event("fraud", "model.version.verifying", 1))
    return version


def _settle(registry: Driver, backend: Backend, version: VersionRecord, verdict: Verdict) -> None:
    kind = "model.version.ready" if verdict.ready else "model.version.rejected"
    backend.versions.finish_verification(
        "fraud", version.version, version.artifact.sha256, verdict, registry.event("fraud", kind, version.version)
    )


def test_a_verifying_version_is_neither_pending_nor_findable_by_digest(registry: Driver, backend: Backend) -> None:
    version = _verifying(registry, backend)

    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert (stored.status, stored.upload_expires_at, stored.ready_at) == ("verifying", None, None)
    assert backend.versions.verified_blob(version.artifact.sha256) is None
    assert [v.version for v in backend.versions.list_versions("fraud", 10, None, "verifying", None).items] == [1]
    assert backend.versions.list_versions("fraud", 10, None, "pending_upload", None).items == []
    assert event_types(backend, "fraud")[-1] == "model.version.verifying"
    with pytest.raises(ConditionFailed) as sealing:
        registry.seal(version)  # the synchronous path may not race the verifier
    assert sealing.value.failed == {"version"}


def test_the_verifier_makes_it_ready_and_its_bytes_verified(registry: Driver, backend: Backend) -> None:
    version = _verifying(registry, backend)

    _settle(registry, backend, version, Verdict(ready=True, blob_version="blob-v7"))

    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert (stored.status, stored.blob_version) == ("ready", "blob-v7")
    assert stored.ready_at is not None
    verified = backend.versions.verified_blob(version.artifact.sha256)
    assert verified is not None
    assert verified.version_id == "blob-v7"
    assert event_types(backend, "fraud")[-2:] == ["model.version.verifying", "model.version.ready"]


def test_the_verifier_rejects_it_with_a_reason_and_its_bytes_stay_unverified(
    registry: Driver, backend: Backend
) -> None:
    version = _verifying(registry, backend)

    _settle(registry, backend, version, Verdict(ready=False, reason="the bytes hash to sha256 abc"))

    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert (stored.status, stored.status_reason, stored.ready_at) == ("rejected", "the bytes hash to sha256 abc", None)
    assert backend.versions.verified_blob(version.artifact.sha256) is None
    assert event_types(backend, "fraud")[-1] == "model.version.rejected"


def test_a_verdict_is_given_once(registry: Driver, backend: Backend) -> None:
    version = _verifying(registry, backend)
    _settle(registry, backend, version, Verdict(ready=True, blob_version="blob-v1"))

    with pytest.raises(ConditionFailed) as again:
        _settle(registry, backend, version, Verdict(ready=False, reason="a late duplicate"))

    assert again.value.failed == {"version"}
    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert stored.status == "ready"
    assert event_types(backend, "fraud").count("model.version.ready") == 1
    assert "model.version.rejected" not in event_types(backend, "fraud")


def test_only_a_verifying_version_takes_a_verdict(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    pending = registry.register("fraud")
    with pytest.raises(ConditionFailed) as lost:
        _settle(registry, backend, pending, Verdict(ready=True, blob_version="blob-v1"))
    assert lost.value.failed == {"version"}
    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert stored.status == "pending_upload"


def test_an_abandoned_or_sealed_upload_cannot_start_verifying(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    abandoned = registry.register("fraud", content="one")
    registry.abandon(abandoned)
    sealed = registry.ready_version("fraud", content="two")
    for version in (abandoned, sealed):
        with pytest.raises(ConditionFailed) as lost:
            backend.versions.mark_version_verifying(
                "fraud", version.version, registry.event("fraud", "model.version.verifying", version.version)
            )
        assert lost.value.failed == {"version"}
    assert "model.version.verifying" not in event_types(backend, "fraud")
