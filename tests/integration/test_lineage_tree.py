"""Lineage both ways: ancestors through stored parents (across models), descendants through the search port.

The family used throughout (registered in this order):

    base/1 ─┬─> fraud/1 ──> fraud/2 ──> fraud/3
            └────────────────^
"""

from __future__ import annotations

from typing import Any

import pytest

from modelyard_server.domain import lineage_tree
from modelyard_server.domain.resolution import resolve_record
from tests.integration.conftest import Registry


def _shape(nodes: list[Any], relatives: str) -> list[Any]:
    """Nodes as (uri, repeated, their relatives' shape), from models or JSON alike."""
    shaped = []
    for node in nodes:
        item = node if isinstance(node, dict) else node.model_dump()
        shaped.append((item["uri"], item["repeated"], _shape(item[relatives], relatives)))
    return shaped


@pytest.fixture
def family(registry: Registry) -> Registry:
    registry.create_model("base")
    registry.create_model("fraud")
    registry.register("base", b"base-1")
    registry.register("fraud", b"fraud-1", lineage={"parents": ["models:/base/1"]})
    registry.register("fraud", b"fraud-2", lineage={"parents": ["models:/fraud/1", "models:/base/1"]})
    registry.register("fraud", b"fraud-3", lineage={"parents": ["models:/fraud/2"]})
    return registry


def test_ancestors_follow_parents_across_models_and_list_a_shared_one_once(family: Registry) -> None:
    tree, truncated = lineage_tree.ancestors(resolve_record("models:/fraud/3"), depth=3)
    assert truncated is False
    assert _shape(tree, "parents") == [
        (
            "models:/fraud/2",
            False,
            [
                ("models:/fraud/1", False, [("models:/base/1", True, [])]),  # met again, one generation further
                ("models:/base/1", False, []),
            ],
        )
    ]
    assert tree[0].status == "ready" and tree[0].model == "fraud" and tree[0].version == 2


def test_ancestors_stop_at_the_depth_asked_for(family: Registry) -> None:
    one, _ = lineage_tree.ancestors(resolve_record("models:/fraud/3"), depth=1)
    assert _shape(one, "parents") == [("models:/fraud/2", False, [])]
    two, _ = lineage_tree.ancestors(resolve_record("models:/fraud/3"), depth=2)
    assert _shape(two, "parents") == [
        ("models:/fraud/2", False, [("models:/fraud/1", False, []), ("models:/base/1", False, [])])
    ]


def test_a_version_without_parents_has_no_ancestors(family: Registry) -> None:
    assert lineage_tree.ancestors(resolve_record("models:/base/1"), depth=10) == ([], False)


def test_the_node_bound_cuts_the_farthest_generation_and_says_so(
    family: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lineage_tree, "MAX_NODES", 2)
    tree, truncated = lineage_tree.ancestors(resolve_record("models:/fraud/3"), depth=3)
    assert truncated is True
    assert _shape(tree, "parents") == [("models:/fraud/2", False, [("models:/fraud/1", False, [])])]


# ---- descendants need the search port (backend().search): run these after the search-api branch is merged


def test_lineage_both_ways_over_http(family: Registry) -> None:
    answer = family.call("GET", "/v1/lineage", query={"uri": "models:/fraud/Latest", "depth": "3"})
    assert answer.status == 200, answer
    body = answer.body
    assert body["version"]["uri"] == "models:/fraud/3"
    assert body["depth"] == 3 and body["truncated"] is False
    assert _shape(body["ancestors"], "parents")[0][0] == "models:/fraud/2"
    assert body["descendants"] == []


def test_descendants_are_the_versions_naming_it_as_a_parent(family: Registry) -> None:
    answer = family.call("GET", "/v1/lineage", query={"uri": "models:/base/1"})
    assert answer.status == 200, answer
    body = answer.body
    assert body["ancestors"] == [] and body["truncated"] is False
    # newest first; fraud/2 is a child of base/1 and a grandchild through fraud/1: listed again, repeated
    assert _shape(body["descendants"], "children") == [
        ("models:/fraud/2", False, [("models:/fraud/3", False, [])]),
        ("models:/fraud/1", False, [("models:/fraud/2", True, [])]),
    ]
    assert body["descendants"][0]["status"] == "ready"


def test_descendants_stop_at_the_depth_and_the_node_bound(family: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    shallow = family.call("GET", "/v1/lineage", query={"uri": "models:/base/1", "depth": "1"}).body
    assert _shape(shallow["descendants"], "children") == [
        ("models:/fraud/2", False, []),
        ("models:/fraud/1", False, []),
    ]
    monkeypatch.setattr(lineage_tree, "MAX_NODES", 1)
    cut = family.call("GET", "/v1/lineage", query={"uri": "models:/base/1"}).body
    assert cut["truncated"] is True
    assert _shape(cut["descendants"], "children") == [("models:/fraud/2", False, [])]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"uri": "models:/fraud/1", "depth": "0"}, 422),
        ({"uri": "models:/fraud/1", "depth": "11"}, 422),
        ({"uri": "fraud/1"}, 422),
        ({"uri": "models:/fraud/9"}, 404),
        ({"uri": "models:/fraud/Production"}, 404),
    ],
)
def test_bad_lineage_requests(family: Registry, query: dict[str, str], status: int) -> None:
    assert family.call("GET", "/v1/lineage", query=query).status == status
