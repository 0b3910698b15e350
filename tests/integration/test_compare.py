"""GET /v1/compare: two versions side by side, named any way a URI can name them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Registry
from tests.support.api_events import ApiResponse


def _compare(registry: Registry, base: str, head: str) -> ApiResponse:
    return registry.call("GET", "/v1/compare", query={"base": base, "head": head})


@pytest.fixture
def two_versions(registry: Registry) -> Registry:
    registry.create_model("fraud")
    registry.register(
        "fraud",
        b"v1",
        metrics={"auc": 0.8, "latency_ms": 20.0},
        params={"depth": 3, "lr": 0.1},
        lineage={"data_version": "2026-10"},
        signature={"inputs": [{"name": "amount", "type": "float"}, {"name": "country", "type": "string"}]},
    )
    registry.register(
        "fraud",
        b"v2",
        metrics={"auc": 0.9, "recall": 0.7},
        params={"depth": 4, "lr": 0.1, "seed": 7},
        lineage={"data_version": "2026-11", "parents": ["models:/fraud/1"]},
        signature={"inputs": [{"name": "amount", "type": "double"}, {"name": "merchant", "type": "string"}]},
    )
    return registry


def test_two_versions_compared_with_hand_computed_differences(two_versions: Registry) -> None:
    answer = _compare(two_versions, "models:/fraud/1", "models:/fraud/2")
    assert answer.status == 200, answer
    body = answer.body
    assert (body["base"]["uri"], body["head"]["uri"], body["same_version"]) == (
        "models:/fraud/1",
        "models:/fraud/2",
        False,
    )
    assert body["head"]["status"] == "ready" and body["head"]["created_at"]
    metrics = {row["name"]: row for row in body["metrics"]}
    assert list(metrics) == ["auc", "latency_ms", "recall"]
    assert metrics["auc"]["change"] == pytest.approx(0.1)
    assert metrics["auc"]["relative_change"] == pytest.approx(0.125)
    assert metrics["latency_ms"] == {
        "name": "latency_ms",
        "base": 20.0,
        "head": None,
        "change": None,
        "relative_change": None,
    }
    assert metrics["recall"]["base"] is None and metrics["recall"]["head"] == 0.7
    assert body["params"] == [
        {"name": "depth", "change": "changed", "base": 3, "head": 4},
        {"name": "seed", "change": "added", "base": None, "head": 7},
    ]
    # the commit comes from each registering job's token: two jobs, two commits
    assert [row["field"] for row in body["lineage"]["changed"]] == ["data_version", "commit"]
    assert body["lineage"]["changed"][0] == {"field": "data_version", "base": "2026-10", "head": "2026-11"}
    assert body["lineage"]["parents_added"] == ["models:/fraud/1"]
    assert [(f["name"], f["change"]) for f in body["signature"]["inputs"]] == [
        ("amount", "type_changed"),
        ("country", "removed"),
        ("merchant", "added"),
    ]
    assert body["base_validation"] is None and body["head_validation"] is None


def test_a_version_against_a_stage_holder_and_an_alias_holder(two_versions: Registry) -> None:
    assert two_versions.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1}).status == 200
    assert two_versions.call("PUT", "/v1/models/fraud/aliases/challenger", body={"version": 2}).status == 200
    for base, head in (
        ("models:/fraud/Staging", "models:/fraud@challenger"),
        ("models:/fraud/stage/staging", "models:/fraud/latest"),
    ):
        answer = _compare(two_versions, base, head)
        assert answer.status == 200, answer
        assert (answer.body["base"]["version"], answer.body["head"]["version"]) == (1, 2)
        assert answer.body["params"][0]["name"] == "depth"


def test_versions_of_two_models(two_versions: Registry) -> None:
    two_versions.create_model("fraud-v2")
    two_versions.register("fraud-v2", b"other", metrics={"auc": 0.95})
    answer = _compare(two_versions, "models:/fraud/2", "models:/fraud-v2/1")
    assert answer.status == 200, answer
    auc = next(row for row in answer.body["metrics"] if row["name"] == "auc")
    assert auc["change"] == pytest.approx(0.05)
    assert answer.body["lineage"]["parents_removed"] == ["models:/fraud/1"]


def test_a_version_against_itself_differs_in_nothing(two_versions: Registry) -> None:
    answer = _compare(two_versions, "models:/fraud/2", "models:/fraud/latest")
    assert answer.status == 200, answer
    body = answer.body
    assert body["same_version"] is True
    assert all(row["change"] == 0.0 for row in body["metrics"])
    assert body["params"] == [] and body["lineage"]["changed"] == [] and body["signature"]["inputs"] == []


def test_the_latest_validation_of_each_with_its_failed_checks(two_versions: Registry) -> None:
    def validate(number: int) -> dict[str, Any]:
        policy = {"gates": {"thresholds": [{"metric": "auc", "min": 0.85}]}}
        answer = two_versions.call(
            "POST", f"/v1/models/fraud/versions/{number}/validations", body={"repository_policy": policy}
        )
        assert answer.status == 201, answer
        return dict(answer.body)

    failed, passed = validate(1), validate(2)
    body = _compare(two_versions, "models:/fraud/1", "models:/fraud/2").body
    assert body["base_validation"]["status"] == "failed"
    assert body["base_validation"]["report_id"] == failed["id"]
    assert body["base_validation"]["failed_checks"] == 1
    assert body["base_validation"]["failed"] == [c["name"] for c in failed["checks"] if not c["passed"]]
    assert body["head_validation"]["status"] == "passed" and body["head_validation"]["failed"] == []
    assert body["head_validation"]["report_id"] == passed["id"]


@pytest.mark.parametrize(
    ("base", "head", "status", "says"),
    [
        ("models:/fraud/1", "models:/fraud/9", 404, "model 'fraud' has no version 9"),
        ("models:/nobody/1", "models:/fraud/1", 404, "there is no model 'nobody'"),
        ("models:/fraud/1", "models:/fraud/Production", 404, "no version of model 'fraud' is in stage 'production'"),
        ("models:/fraud/1", "models:/fraud/Canary", 404, "'canary' is not a stage of this registry"),
        ("models:/fraud/1", "fraud/2", 422, "head"),
    ],
)
def test_what_cannot_be_compared_says_why(two_versions: Registry, base: str, head: str, status: int, says: str) -> None:
    answer = _compare(two_versions, base, head)
    assert answer.status == status
    assert says in answer.problem["detail"]


def test_both_uris_are_required(two_versions: Registry) -> None:
    answer = two_versions.call("GET", "/v1/compare", query={"base": "models:/fraud/1"})
    assert answer.status == 422
    assert "head" in answer.problem["detail"]
