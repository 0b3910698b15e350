"""The comparison of two versions, against differences worked out by hand."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from modelyard_server.domain.comparison import compare_metric, compare_versions
from modelyard_server.domain.gates import Check
from modelyard_server.domain.version_records import VersionRecord

DIGEST = "ab" * 32


def version(number: int, model: str = "fraud", **fields: Any) -> VersionRecord:
    return VersionRecord.model_validate(
        {
            "model": model,
            "version": number,
            "uri": f"models:/{model}/{number}",
            "status": "ready",
            "artifact": {
                "sha256": DIGEST,
                "size": 10,
                "format": "onnx",
                "filename": "model.onnx",
                "media_type": "application/octet-stream",
                "key": f"blobs/sha256/{DIGEST}",
            },
            "created_at": datetime(2026, 11, number, tzinfo=UTC),
            "created_by": "acme/fraud",
            **fields,
        }
    )


def test_metrics_side_by_side_with_absolute_and_relative_change() -> None:
    base = version(1, metrics={"auc": 0.8, "loss": 0.5, "dropped": 1.0, "zero": 0.0, "neg": -2.0})
    head = version(2, metrics={"auc": 0.9, "loss": 0.25, "added": 3.0, "zero": 0.5, "neg": -1.0})
    rows = {row.name: row for row in compare_versions(base, head).metrics}
    assert list(rows) == ["added", "auc", "dropped", "loss", "neg", "zero"]  # the union, by name
    assert rows["auc"].base == 0.8 and rows["auc"].head == 0.9
    assert rows["auc"].change == pytest.approx(0.1)
    assert rows["auc"].relative_change == pytest.approx(0.125)  # 0.1 / 0.8
    assert rows["loss"].change == -0.25 and rows["loss"].relative_change == -0.5
    # a rise from a negative base is a positive relative change: (-1 - -2) / |-2|
    assert rows["neg"].change == 1.0 and rows["neg"].relative_change == 0.5
    # base 0: an absolute change, no relative one
    assert rows["zero"].change == 0.5 and rows["zero"].relative_change is None
    # a side without the metric: no change at all
    assert (rows["added"].base, rows["added"].head, rows["added"].change, rows["added"].relative_change) == (
        None,
        3.0,
        None,
        None,
    )
    assert (rows["dropped"].base, rows["dropped"].head, rows["dropped"].change) == (1.0, None, None)


@pytest.mark.parametrize(
    ("base", "head", "change", "relative"),
    [
        (sys.float_info.max, -sys.float_info.max, None, None),  # head - base overflows
        (5e-324, 1.0, 1.0, None),  # 1 / 5e-324 overflows
        (-0.0, 1.0, 1.0, None),  # negative zero is zero
        (1e-300, 2e-300, 1e-300, 1.0),
        (0.1, 0.1, 0.0, 0.0),
    ],
)
def test_float_edges_never_answer_nan_or_infinity(
    base: float, head: float, change: float | None, relative: float | None
) -> None:
    row = compare_metric("m", base, head)
    assert row.change == (pytest.approx(change) if change is not None else None)
    assert row.relative_change == (pytest.approx(relative) if relative is not None else None)
    json.loads(row.model_dump_json())  # strict JSON: no NaN, no Infinity


def test_only_params_that_differ_are_listed_and_types_count() -> None:
    base = version(1, params={"depth": 3, "lr": 0.1, "same": "x", "flag": True, "gone": "y", "one": 1})
    head = version(2, params={"depth": 4, "lr": 0.1, "same": "x", "flag": 1, "new": None, "one": "1"})
    changes = [(c.name, c.change, c.base, c.head) for c in compare_versions(base, head).params]
    assert changes == [
        ("depth", "changed", 3, 4),
        ("flag", "changed", True, 1),  # true and 1 are different values
        ("gone", "removed", "y", None),
        ("new", "added", None, None),
        ("one", "changed", 1, "1"),
    ]


def test_lineage_differences_name_the_fields_and_parents_that_moved() -> None:
    shared = {"repository": "acme/fraud", "data_uri": "s3://data/fraud"}
    base = version(
        1,
        lineage={**shared, "commit": "a" * 40, "data_version": "2026-10", "parents": ["models:/base/1", "models:/x/2"]},
    )
    head = version(
        2,
        lineage={
            **shared,
            "commit": "b" * 40,
            "data_version": "2026-11",
            "data_digest": "sha256:ff",
            "parents": ["models:/x/2", "models:/fraud/1"],
        },
    )
    lineage = compare_versions(base, head).lineage
    assert [(c.field, c.base, c.head) for c in lineage.changed] == [
        ("data_version", "2026-10", "2026-11"),
        ("data_digest", None, "sha256:ff"),
        ("commit", "a" * 40, "b" * 40),
    ]
    assert lineage.parents_added == ["models:/fraud/1"]
    assert lineage.parents_removed == ["models:/base/1"]


def test_signature_features_added_removed_and_retyped() -> None:
    base = version(
        1,
        signature={
            "inputs": [
                {"name": "amount", "type": "float"},
                {"name": "country", "type": "string"},
                {"name": "embedding", "type": "float", "shape": [None, 64]},
                {"name": "age", "type": "int"},
            ],
            "outputs": [{"name": "score", "type": "float"}],
        },
    )
    head = version(
        2,
        signature={
            "inputs": [
                {"name": "amount", "type": "double"},
                {"name": "embedding", "type": "float", "shape": [None, 128]},
                {"name": "age", "type": "int"},
                {"name": "merchant", "type": "string"},
            ],
            "outputs": [{"name": "score", "type": "float"}],
        },
    )
    signature = compare_versions(base, head).signature
    assert [(c.name, c.change) for c in signature.inputs] == [
        ("amount", "type_changed"),
        ("country", "removed"),
        ("embedding", "shape_changed"),
        ("merchant", "added"),
    ]
    retyped = signature.inputs[0]
    assert retyped.base is not None and retyped.head is not None
    assert (retyped.base.type, retyped.head.type) == ("float", "double")
    assert signature.outputs == []


def test_a_version_without_a_signature_has_no_features() -> None:
    head = version(2, signature={"inputs": [{"name": "amount", "type": "float"}]})
    signature = compare_versions(version(1), head).signature
    assert [(c.name, c.change) for c in signature.inputs] == [("amount", "added")]
    assert [(c.name, c.change) for c in compare_versions(head, version(1)).signature.inputs] == [("amount", "removed")]


def test_latest_validation_of_each_side_with_failed_check_names() -> None:
    at = datetime(2026, 11, 20, tzinfo=UTC)
    validated = {"status": "failed", "report_id": "01REPORT", "at": at, "policy_digest": "d", "failed_checks": 1}
    base = version(1)
    head = version(2, validation=validated)
    checks = [
        Check(name="auc-threshold", kind="threshold", expected=">= 0.9", actual="0.85", passed=False),
        Check(name="model-card", kind="required_metadata", expected="present", actual="present", passed=True),
    ]
    comparison = compare_versions(base, head, None, checks)
    assert comparison.base_validation is None
    assert comparison.head_validation is not None
    assert comparison.head_validation.model_dump() == {
        "status": "failed",
        "report_id": "01REPORT",
        "at": at,
        "failed_checks": 1,
        "failed": ["auc-threshold"],
    }
    # the report could not be read: the summary alone
    unread = compare_versions(base, head).head_validation
    assert unread is not None and unread.failed == [] and unread.failed_checks == 1


def test_equal_versions_differ_in_nothing() -> None:
    record = version(
        3,
        metrics={"auc": 0.9},
        params={"depth": 3},
        lineage={"commit": "c" * 40, "parents": ["models:/fraud/1"]},
        signature={"inputs": [{"name": "amount", "type": "float"}]},
    )
    comparison = compare_versions(record, record)
    assert comparison.same_version is True
    assert [(m.name, m.change, m.relative_change) for m in comparison.metrics] == [("auc", 0.0, 0.0)]
    assert comparison.params == []
    assert comparison.lineage.changed == [] and comparison.lineage.parents_added == []
    assert comparison.lineage.parents_removed == []
    assert comparison.signature.inputs == [] and comparison.signature.outputs == []


def test_versions_of_different_models_compare_and_say_which_is_which() -> None:
    comparison = compare_versions(version(7, model="fraud"), version(2, model="fraud-v2"))
    assert (comparison.base.uri, comparison.head.uri) == ("models:/fraud/7", "models:/fraud-v2/2")
    assert comparison.head.model == "fraud-v2" and comparison.same_version is False
