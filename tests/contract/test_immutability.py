"""A version's record is what was registered: everything after changes only its lifecycle fields."""

from __future__ import annotations

from datetime import UTC, datetime

from modelyard_server.domain.version_records import ValidationSummary
from modelyard_server.ports import Backend
from tests.contract.registry_driver import Driver

LIFECYCLE = {
    "status",
    "status_reason",
    "ready_at",
    "validation",
    "stages_reached",
    "blob_version",
    "upload_expires_at",
    "pointer_moves",
}


def test_a_sealed_version_keeps_its_registered_record(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registered = registry.register("fraud", semver="1.2.3", tags={"team": "red"})
    registry.seal(registered)
    sealed = backend.versions.get_version("fraud", 1, consistent=True)
    assert sealed is not None
    summary = ValidationSummary(status="passed", report_id="r1", at=datetime.now(UTC), policy_digest="d")
    backend.governance.save_validation("fraud", 1, {"checks": []}, summary, registry.event("fraud"))
    pointer = registry.move("fraud", "stage", "production", sealed)
    registry.move("fraud", "alias", "champion", sealed, action="set")
    backend.versions.set_version_status(
        "fraud", 1, "deprecated", "old", ["ready"], registry.event("fraud"), [pointer], 2
    )

    after = backend.versions.get_version("fraud", 1, consistent=True)
    assert after is not None
    assert after.model_dump(exclude=LIFECYCLE) == registered.model_dump(exclude=LIFECYCLE)
    assert after.status == "deprecated"
    assert after.validation == summary
    assert after.stages_reached == ["production"]
