"""No change without its event and no event without its change; refusals on their own."""

from __future__ import annotations

import pytest

from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed
from tests.contract.registry_driver import Driver, event_types


def test_every_change_has_its_event(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    model = backend.models.get_model("fraud")
    assert model is not None
    backend.models.update_model_with_event(
        model.model_copy(update={"description": "now described"}), registry.event("fraud", "model.updated")
    )
    version = registry.ready_version("fraud")
    registry.move("fraud", "stage", "staging", version)
    backend.governance.put_model_policy(
        "fraud", {"document": {"stages": {}}}, 0, registry.event("fraud", "model.policy.set"), registry.audit()
    )
    backend.events.record_event(registry.event("fraud", "model.promotion.denied"))

    assert event_types(backend, "fraud") == [
        "model.created",
        "model.updated",
        "model.version.registered",
        "model.version.ready",
        "model.pointer.promote",
        "model.policy.set",
        "model.promotion.denied",
    ]
    stored = backend.models.get_model("fraud")
    assert stored is not None
    assert stored.description == "now described"


def test_a_refused_change_writes_no_event(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    with pytest.raises(ConditionFailed) as taken:
        backend.models.create_model_once(registry.model_record("fraud"), registry.event("fraud", "model.created"))
    assert taken.value.failed == {"model"}
    ghost = registry.model_record("ghost")
    with pytest.raises(ConditionFailed) as missing:
        backend.models.update_model_with_event(ghost, registry.event("ghost", "model.updated"))
    assert missing.value.failed == {"model"}
    assert backend.models.get_model("ghost") is None
    assert event_types(backend, "fraud") == ["model.created"]
    assert event_types(backend, "ghost") == []


def test_a_model_keeps_its_counter_when_its_description_changes(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    stale = backend.models.get_model("fraud")
    assert stale is not None
    registry.register("fraud")
    backend.models.update_model_with_event(stale.model_copy(update={"description": "x"}), registry.event("fraud"))
    model = backend.models.get_model("fraud")
    assert model is not None
    assert model.latest_version == 1
