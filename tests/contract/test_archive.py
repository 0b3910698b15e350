"""Archive, deprecate and restore: conditioned on the status, on each holding pointer's revision, and on
no pointer having moved onto the version since it was read (the archive/move race)."""

from __future__ import annotations

import pytest

from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed
from tests.contract.registry_driver import Driver, event_types

ARCHIVABLE = ["ready", "pending_upload", "abandoned", "deprecated"]


def test_deprecating_a_held_version_updates_its_pointers_summaries(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.ready_version("fraud")
    version = backend.versions.get_version("fraud", 1)
    assert version is not None
    pointer = registry.move("fraud", "alias", "champion", version, action="set")
    version = backend.versions.get_version("fraud", 1, consistent=True)
    assert version is not None

    backend.versions.set_version_status(
        "fraud",
        1,
        "deprecated",
        "superseded",
        ["ready"],
        registry.event("fraud", "model.version.deprecated", 1),
        [pointer],
        version.pointer_moves,
    )

    stored = backend.versions.get_version("fraud", 1, consistent=True)
    assert stored is not None
    assert (stored.status, stored.status_reason) == ("deprecated", "superseded")
    held = backend.pointers.get_pointer("fraud", "alias", "champion", consistent=True)
    assert held is not None
    assert held.target is not None
    assert held.target.status == "deprecated"
    assert held.revision == pointer.revision  # a summary update is not a move
    assert event_types(backend, "fraud")[-1] == "model.version.deprecated"


def test_a_status_change_needs_an_allowed_status(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.register("fraud")
    with pytest.raises(ConditionFailed) as lost:
        backend.versions.set_version_status("fraud", 1, "deprecated", "no", ["ready"], registry.event("fraud"), [], 0)
    assert lost.value.failed == {"version"}
    stored = backend.versions.get_version("fraud", 1)
    assert stored is not None
    assert stored.status == "pending_upload"


def test_an_archive_loses_to_a_move_onto_the_version_since_it_was_read(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.ready_version("fraud")
    seen = backend.versions.get_version("fraud", 1, consistent=True)  # the archiver reads: no pointer holds it
    assert seen is not None
    registry.move("fraud", "stage", "production", seen)  # meanwhile, a promotion

    with pytest.raises(ConditionFailed) as lost:
        backend.versions.set_version_status(
            "fraud",
            1,
            "archived",
            "cleanup",
            ARCHIVABLE,
            registry.event("fraud", "model.version.archived", 1),
            [],
            seen.pointer_moves,
        )
    assert lost.value.failed == {"version"}
    stored = backend.versions.get_version("fraud", 1)
    assert stored is not None
    assert stored.status == "ready"
    assert "model.version.archived" not in event_types(backend, "fraud")


def test_a_move_loses_to_an_archive(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    version = registry.ready_version("fraud")
    backend.versions.set_version_status(
        "fraud", 1, "archived", "cleanup", ARCHIVABLE, registry.event("fraud"), [], version.pointer_moves
    )
    with pytest.raises(ConditionFailed) as lost:
        registry.move("fraud", "stage", "production", version)
    assert lost.value.failed == {"version"}


def test_a_pointer_moved_since_it_was_read_fails_the_status_change(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    one = registry.ready_version("fraud")
    two = registry.ready_version("fraud")
    stale = registry.move("fraud", "alias", "champion", one, action="set")
    registry.move("fraud", "alias", "champion", two, action="set", current=stale)
    version = backend.versions.get_version("fraud", 1, consistent=True)
    assert version is not None
    with pytest.raises(ConditionFailed) as lost:
        backend.versions.set_version_status(
            "fraud", 1, "deprecated", "old", ["ready"], registry.event("fraud"), [stale], version.pointer_moves
        )
    assert lost.value.failed == {"pointer"}
    stored = backend.versions.get_version("fraud", 1)
    assert stored is not None
    assert stored.status == "ready"


def test_restoring_returns_an_archived_version(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    version = registry.ready_version("fraud")
    backend.versions.set_version_status("fraud", 1, "archived", "x", ARCHIVABLE, registry.event("fraud"), [], 0)
    backend.versions.set_version_status(
        "fraud", 1, "ready", "back", ["archived", "deprecated"], registry.event("fraud"), [], version.pointer_moves
    )
    stored = backend.versions.get_version("fraud", 1)
    assert stored is not None
    assert stored.status == "ready"
    registry.move("fraud", "stage", "staging", stored)
