"""The validate and promote step summaries show the registry's comparison with the stage's holder.

Summaries are rendered from command results built on fixed answers (``GET /v1/compare`` as the
registry builds it); which comparison a step asks for is checked against a loopback registry.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_client_compare_cli import COMPARISON

from conftest import Answer, Seen
from modelyard.action_summary import promotion_summary, rollback_summary, validation_summary
from modelyard.client import Client
from modelyard.commands.compare import compare_with_holder
from modelyard.commands.pointers import PointerMove, StageHolder
from modelyard.commands.versions import Validation
from modelyard.errors import RegistryError

HOLDER = StageHolder("production", {"version": 6, "target": {"version": 6, "metrics": {"auc": 0.9}}})
REPORT = {"id": "r7", "model": "fraud", "version": 7, "passed": True, "checks": [], "metrics": {"auc": 0.93}}


def test_validation_summary_shows_changes_and_what_else_differs() -> None:
    text = validation_summary("fraud", Validation(REPORT, HOLDER, COMPARISON), stage=None, policy_applied=False)
    assert "#### Metrics: v7 against production: v6" in text
    assert "| metric | v7 (candidate) | production: v6 | change | relative |" in text
    assert "| `auc` | 0.93 | 0.9 | +0.03 | +3.33% |" in text
    assert "| `recall` | 0.8 | - | - | - |" in text
    assert "| `C` | changed | 2 | 1 |" in text
    assert "| data_version | 2026-11 | 2026-10 |" in text
    assert "| parents | models:/embed/2 | models:/embed/1 |" in text
    assert "| input | `country` | type_changed | int | str |" in text
    assert "| latest validation | never validated | passed, 2026-10-02T09:00:00Z |" in text


def test_validation_summary_shows_the_evaluated_metrics_the_gates_judged() -> None:
    evaluated = {**REPORT, "metrics": {"auc": 0.95, "latency_ms": 15, "recall": 0.8, "drift": 0.1, "f1": 0.7}}
    text = validation_summary("fraud", Validation(evaluated, HOLDER, COMPARISON), stage=None, policy_applied=False)
    assert "| `auc` | 0.95 | 0.9 | +0.05 | +5.56% |" in text  # registered: 0.93; evaluated: 0.95
    assert "| `f1` | 0.7 | - | - | - |" in text  # only evaluated
    assert "| `drift` | 0.1 | 0 | +0.1 | - |" in text  # no relative change from 0


def test_without_a_comparison_the_summary_sets_the_metrics_side_by_side() -> None:
    text = validation_summary("fraud", Validation(REPORT, HOLDER), stage=None, policy_applied=False)
    assert "| `auc` | 0.93 | 0.9 | +0.03 |" in text
    assert "relative" not in text


def test_stage_move_summaries_compare_with_the_holder_before() -> None:
    pointer = {"version": 7, "previous_version": 6, "target": {"version": 7, "sha256": "ab", "metrics": {"auc": 0.93}}}
    text = promotion_summary("fraud", "production", PointerMove(pointer, HOLDER, COMPARISON), {})
    assert "#### Metrics: v7 against previous: v6" in text
    assert "| `auc` | 0.93 | 0.9 | +0.03 | +3.33% |" in text
    text = rollback_summary("fraud", "production", PointerMove(pointer, HOLDER, COMPARISON), "bad data", {})
    assert "#### Metrics: v7 against rolled back: v6" in text
    assert "| metric | v7 (restored) | rolled back: v6 | change | relative |" in text


def _client(answering: Any, *pages: Any) -> tuple[Client, list[Seen]]:
    seen = answering(*pages)
    return Client(), seen


def test_the_comparison_asked_for_is_the_holder_against_the_candidate(answering: Any) -> None:
    client, seen = _client(answering, COMPARISON)
    assert compare_with_holder(client, "fraud", 7, HOLDER) == COMPARISON
    assert seen[0].query == {"base": ["models:/fraud/6"], "head": ["models:/fraud/7"]}


@pytest.mark.parametrize(
    "holder", [None, StageHolder("production", None), HOLDER], ids=["not asked", "empty stage", "same version"]
)
def test_nothing_to_compare_with_asks_nothing(answering: Any, holder: StageHolder | None) -> None:
    client, seen = _client(answering, COMPARISON)
    assert compare_with_holder(client, "fraud", 6, holder) is None
    assert seen == []


def test_a_registry_without_comparisons_leaves_the_summary_to_compare(loopback: Any, clean_env: None) -> None:
    server = loopback(lambda seen: Answer(404, {"title": "Not Found", "status": 404}))
    assert compare_with_holder(Client(url=server.url, token="t"), "fraud", 7, HOLDER) is None
    refusing = loopback(lambda seen: Answer(403, {"title": "Forbidden", "status": 403}))
    with pytest.raises(RegistryError):
        compare_with_holder(Client(url=refusing.url, token="t"), "fraud", 7, HOLDER)


def test_summaries_link_to_the_version_and_the_comparison_on_the_registry() -> None:
    registry = "https://models.acme.example/"
    pointer = {"version": 7, "previous_version": 6, "target": {"version": 7, "sha256": "ab", "metrics": {}}}
    moved = PointerMove(pointer, HOLDER, COMPARISON)
    version = "https://models.acme.example/ui/models/fraud/versions/7"
    compared = "https://models.acme.example/ui/compare?base=models%3A%2Ffraud%2F6&head=models%3A%2Ffraud%2F7"
    promoted = promotion_summary("fraud", "production", moved, {}, registry_url=registry)
    assert f"| registry page | [v7]({version}) |" in promoted
    assert f"| compared | [v6 → v7]({compared}) |" in promoted
    rolled = rollback_summary("fraud", "production", moved, "bad", {}, registry_url=registry)
    assert f"| registry page | [v7]({version}) |" in rolled
    validated = validation_summary(
        "fraud", Validation(REPORT, HOLDER), stage=None, policy_applied=False, registry_url=registry
    )
    assert f"| registry page | [v7]({version}) |" in validated


def test_without_a_registry_url_a_summary_has_no_page_links() -> None:
    pointer = {"version": 7, "previous_version": 6, "target": {"version": 7, "sha256": "ab", "metrics": {}}}
    text = promotion_summary("fraud", "production", PointerMove(pointer, HOLDER, COMPARISON), {})
    assert "registry page" not in text and "/ui/" not in text
