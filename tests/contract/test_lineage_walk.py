"""The lineage walk on every backend: ancestors through stored parents, descendants through the search port.

Family (registered in this order):  base/1 ─┬─> fraud/1 ──> fraud/2 ──> fraud/3
                                            └────────────────^
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from modelyard_server import ports
from modelyard_server.domain import lineage_tree
from modelyard_server.domain.version_records import Lineage, VersionRecord
from modelyard_server.ports import Backend
from tests.contract.registry_driver import Driver


def _ready_with_parents(registry: Driver, name: str, parents: list[str]) -> VersionRecord:
    model = registry.backend.models.get_model(name, consistent=True)
    assert model is not None
    number = model.latest_version + 1
    version = registry.version_record(name, number).model_copy(update={"lineage": Lineage(parents=parents)})
    event = registry.event(name, "model.version.registered", number)
    registry.backend.versions.insert_version_claiming_number(version, model.latest_version, event, None)
    registry.seal(version)
    stored = registry.backend.versions.get_version(name, number, consistent=True)
    assert stored is not None
    return stored


@pytest.fixture
def family(registry: Driver, backend: Backend) -> Iterator[dict[str, VersionRecord]]:
    ports.set_builder(lambda: backend)  # the domain reads the backend under test
    try:
        registry.create_model("base")
        registry.create_model("fraud")
        versions = {"base/1": _ready_with_parents(registry, "base", [])}
        versions["fraud/1"] = _ready_with_parents(registry, "fraud", ["models:/base/1"])
        versions["fraud/2"] = _ready_with_parents(registry, "fraud", ["models:/fraud/1", "models:/base/1"])
        versions["fraud/3"] = _ready_with_parents(registry, "fraud", ["models:/fraud/2"])
        yield versions
    finally:
        ports.set_builder(None)


def _shape(nodes: list[Any], relatives: str) -> list[Any]:
    return [(node.uri, node.repeated, _shape(getattr(node, relatives), relatives)) for node in nodes]


def test_ancestors(family: dict[str, VersionRecord]) -> None:
    tree, truncated = lineage_tree.ancestors(family["fraud/3"], depth=3)
    assert truncated is False
    assert _shape(tree, "parents") == [
        (
            "models:/fraud/2",
            False,
            [("models:/fraud/1", False, [("models:/base/1", True, [])]), ("models:/base/1", False, [])],
        )
    ]


def test_a_parent_that_cannot_be_read_is_listed_as_named(registry: Driver, family: dict[str, VersionRecord]) -> None:
    orphan = _ready_with_parents(registry, "fraud", ["models:/ghost/1", "models:/fraud/1"])
    tree, _ = lineage_tree.ancestors(orphan, depth=1)
    assert [(node.uri, node.model, node.version, node.status) for node in tree] == [
        ("models:/ghost/1", "ghost", 1, None),
        ("models:/fraud/1", "fraud", 1, "ready"),
    ]


def test_a_cycle_in_stored_parents_ends_at_the_first_repeat(registry: Driver, family: dict[str, VersionRecord]) -> None:
    # registration refuses parents that do not exist yet; imported or hand-edited data might not
    itself = _ready_with_parents(registry, "fraud", ["models:/fraud/4", "models:/fraud/3"])  # it is version 4
    assert itself.uri == "models:/fraud/4"
    tree, truncated = lineage_tree.ancestors(itself, depth=10)
    assert truncated is False
    assert [(node.uri, node.repeated) for node in tree] == [("models:/fraud/4", True), ("models:/fraud/3", False)]


# ---- these need the backend's search port (backend().search): run them once the search branches are merged


def test_descendants(family: dict[str, VersionRecord]) -> None:
    tree, truncated = lineage_tree.descendants(family["base/1"], depth=3)
    assert truncated is False
    assert _shape(tree, "children") == [
        ("models:/fraud/2", False, [("models:/fraud/3", False, [])]),
        ("models:/fraud/1", False, [("models:/fraud/2", True, [])]),
    ]
    assert lineage_tree.descendants(family["fraud/3"], depth=3) == ([], False)


def test_descendants_within_the_node_bound(family: dict[str, VersionRecord], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lineage_tree, "MAX_NODES", 3)
    tree, truncated = lineage_tree.descendants(family["base/1"], depth=3)
    assert truncated is True
    assert _shape(tree, "children") == [
        ("models:/fraud/2", False, [("models:/fraud/3", False, [])]),
        ("models:/fraud/1", False, []),
    ]
