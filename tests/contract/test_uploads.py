"""Two-phase registration: pending_upload → ready only while the upload is open (not abandoned)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed
from tests.contract.registry_driver import Driver, event_types


def test_a_pending_version_becomes_ready_and_its_bytes_verified(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    version = registry.register("fraud", content="weights-1")
    assert backend.versions.verified_blob(version.artifact.sha256) is None

    ready_at = registry.seal(version)

    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert stored.status == "ready"
    assert stored.ready_at == ready_at
    assert stored.blob_version == "blob-v1"
    assert stored.upload_expires_at is None
    verified = backend.versions.verified_blob(version.artifact.sha256)
    assert verified is not None
    assert verified.version_id == "blob-v1"
    assert event_types(backend, "fraud")[-1] == "model.version.ready"


def test_a_version_is_sealed_once(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    version = registry.register("fraud")
    registry.seal(version)
    with pytest.raises(ConditionFailed) as lost:
        registry.seal(version)
    assert lost.value.failed == {"version"}
    assert event_types(backend, "fraud").count("model.version.ready") == 1


def test_the_same_bytes_in_another_model_are_already_verified(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.create_model("churn")
    registry.ready_version("fraud", content="shared-weights")
    again = registry.register("churn", content="shared-weights")
    assert backend.versions.verified_blob(again.artifact.sha256) is not None


def test_an_abandoned_upload_can_neither_complete_nor_be_extended(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    version = registry.register("fraud")
    registry.abandon(version)

    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert stored.status == "abandoned"
    with pytest.raises(ConditionFailed) as sealing:
        registry.seal(version)
    assert sealing.value.failed == {"version"}
    with pytest.raises(ConditionFailed) as extending:
        backend.versions.extend_upload_window("fraud", 1, registry.now() + timedelta(hours=1))
    assert extending.value.failed == {"version"}
    assert backend.versions.verified_blob(version.artifact.sha256) is None
    assert "model.version.ready" not in event_types(backend, "fraud")


def test_an_upload_in_its_grace_hour_still_completes(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    version = registry.register("fraud")
    backend.versions.extend_upload_window("fraud", 1, registry.now() - timedelta(minutes=30))
    registry.seal(version)
    stored = backend.versions.get_version("fraud", 1)
    assert stored is not None
    assert stored.status == "ready"


def test_extending_an_open_upload_moves_its_window(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.register("fraud")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    backend.versions.extend_upload_window("fraud", 1, until)
    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert stored.upload_expires_at == until


def test_a_ready_version_has_no_upload_window_to_extend(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.ready_version("fraud")
    with pytest.raises(ConditionFailed):
        backend.versions.extend_upload_window("fraud", 1, registry.now() + timedelta(hours=1))


def test_listing_by_status_tells_pending_from_abandoned(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.register("fraud")  # 1 pending
    registry.abandon(registry.register("fraud"))  # 2 abandoned
    registry.ready_version("fraud")  # 3 ready

    def numbers(status: str) -> list[int]:
        return [v.version for v in backend.versions.list_versions("fraud", 10, None, status, None).items]

    assert numbers("pending_upload") == [1]
    assert numbers("abandoned") == [2]
    assert numbers("ready") == [3]
    assert numbers("archived") == []
