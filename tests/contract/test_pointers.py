"""Stages and aliases move only on their revision, only onto ready versions, each move with its history
and event; the version counts every move onto it."""

from __future__ import annotations

import threading

import pytest

from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed
from tests.contract.registry_driver import Driver, event_types


def test_a_promotion_moves_the_stage_and_is_remembered(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    one = registry.ready_version("fraud")
    two = registry.ready_version("fraud")
    registry.move("fraud", "stage", "production", one)
    registry.move("fraud", "stage", "production", two)

    pointer = backend.pointers.get_pointer("fraud", "stage", "production", consistent=True)
    assert pointer is not None
    assert (pointer.version, pointer.previous_version, pointer.revision) == (2, 1, 2)
    assert pointer.target is not None
    assert pointer.target.sha256 == two.artifact.sha256
    history = backend.pointers.pointer_history("fraud", "stage", "production", 10)
    assert [(h.version, h.previous_version) for h in history] == [(2, 1), (1, None)]
    assert [h.version for h in backend.pointers.pointer_history("fraud", "stage", "production", 1)] == [2]
    stored = backend.versions.get_version("fraud", 2)
    assert stored is not None
    assert stored.stages_reached == ["production"]
    assert stored.pointer_moves == 1
    assert event_types(backend, "fraud")[-2:] == ["model.pointer.promote", "model.pointer.promote"]


def test_the_model_is_loaded_with_its_pointers(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    one = registry.ready_version("fraud")
    registry.move("fraud", "stage", "staging", one)
    registry.move("fraud", "alias", "champion", one, action="set")
    registry.move("fraud", "alias", "old", one, action="set")
    registry.move("fraud", "alias", "old", None, action="delete")

    loaded = backend.models.load_model("fraud")
    assert loaded is not None
    assert set(loaded.pointers) == {("stage", "staging"), ("alias", "champion"), ("alias", "old")}
    assert {name: state.version for name, state in loaded.model.stages.items()} == {"staging": 1}
    assert {name: state.version for name, state in loaded.model.aliases.items()} == {"champion": 1}
    assert loaded.policy_override is None
    assert loaded.policy_revision == 0
    assert backend.models.load_model("ghost") is None


def test_an_alias_does_not_add_a_stage_reached(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    one = registry.ready_version("fraud")
    registry.move("fraud", "alias", "champion", one, action="set")
    registry.move("fraud", "stage", "staging", one, action="rollback")
    stored = backend.versions.get_version("fraud", 1)
    assert stored is not None
    assert stored.stages_reached == []
    assert stored.pointer_moves == 2


def test_a_new_pointer_is_created_once(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    one = registry.ready_version("fraud")
    registry.move("fraud", "alias", "champion", one, action="set")
    with pytest.raises(ConditionFailed) as lost:
        registry.move("fraud", "alias", "champion", one, action="set", read_current=False)
    assert lost.value.failed == {"pointer"}


def test_two_movers_from_the_same_revision_one_wins(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    base, left, right = (registry.ready_version("fraud") for _ in range(3))
    registry.move("fraud", "stage", "production", base)
    current = backend.pointers.get_pointer("fraud", "stage", "production", consistent=True)
    outcomes: dict[int, str] = {}
    start = threading.Barrier(2)

    def mover(target_number: int) -> None:
        target = left if target_number == left.version else right
        start.wait()
        try:
            registry.move("fraud", "stage", "production", target, current=current)
            outcomes[target_number] = "won"
        except ConditionFailed as lost:
            outcomes[target_number] = ",".join(sorted(lost.failed))

    threads = [threading.Thread(target=mover, args=(n,)) for n in (left.version, right.version)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["pointer", "won"]
    winner = next(n for n, outcome in outcomes.items() if outcome == "won")
    pointer = backend.pointers.get_pointer("fraud", "stage", "production", consistent=True)
    assert pointer is not None
    assert (pointer.version, pointer.revision) == (winner, 2)
    assert len(backend.pointers.pointer_history("fraud", "stage", "production", 10)) == 2
    assert event_types(backend, "fraud").count("model.pointer.promote") == 2
    loser = left if winner == right.version else right
    stored = backend.versions.get_version("fraud", loser.version)
    assert stored is not None
    assert (stored.pointer_moves, stored.stages_reached) == (0, [])


def test_a_pointer_never_moves_onto_a_version_that_is_not_ready(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    pending = registry.register("fraud")
    with pytest.raises(ConditionFailed) as lost:
        registry.move("fraud", "stage", "production", pending)
    assert lost.value.failed == {"version"}
    assert backend.pointers.get_pointer("fraud", "stage", "production") is None
    assert backend.pointers.pointer_history("fraud", "stage", "production", 10) == []
    assert "model.pointer.promote" not in event_types(backend, "fraud")


def test_both_failed_guards_are_named(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    ready = registry.ready_version("fraud")
    pending = registry.register("fraud")
    registry.move("fraud", "stage", "production", ready)
    with pytest.raises(ConditionFailed) as lost:
        registry.move("fraud", "stage", "production", pending, read_current=False)
    assert lost.value.failed == {"pointer", "version"}
