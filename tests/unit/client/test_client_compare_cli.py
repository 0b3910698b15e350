"""`modelyard compare` and `modelyard lineage`: the URIs the arguments become, and what is printed.

The registry is a loopback server answering fixed JSON shaped as docs/api.md plans for
``GET /v1/compare`` and ``GET /v1/lineage``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelyard.cli import main
from modelyard.commands.compare import version_uri_of
from modelyard.render_compare import comparison_view, lineage_view, metric_changes

V6 = {"model": "fraud", "version": 6, "uri": "models:/fraud/6", "status": "ready", "semver": "1.3.0"}
V7 = {"model": "fraud", "version": 7, "uri": "models:/fraud/7", "status": "ready", "semver": "1.4.0"}
COMPARISON = {
    "base": V6,
    "head": V7,
    "metrics": [
        {"name": "auc", "base": 0.9, "head": 0.93, "change": 0.03, "relative_change": 0.0333},
        {"name": "latency_ms", "base": 20, "head": 15, "change": -5, "relative_change": -0.25},
        {"name": "recall", "base": None, "head": 0.8, "change": None, "relative_change": None},
    ],
    "params": [{"name": "C", "base": 1.0, "head": 2.0}, {"name": "kernel", "base": None, "head": "rbf"}],
    "lineage": [{"field": "data_version", "base": "2026-10", "head": "2026-11"}],
    "signature": {"inputs_added": ["amount_log"], "inputs_removed": ["amount"]},
    "validations": {
        "base": {"passed": True, "checks": [{"name": "auc", "passed": True}], "created_at": "2026-10-02T09:00:00Z"},
        "head": None,
    },
}
LINEAGE = {
    "version": {"uri": "models:/fraud/7", "model": "fraud", "version": 7, "status": "ready"},
    "ancestors": [
        {
            "uri": "models:/fraud/6",
            "model": "fraud",
            "version": 6,
            "status": "ready",
            "parents": [{"uri": "models:/base/2", "model": "base", "version": 2, "status": "archived", "parents": []}],
        },
        {"uri": "models:/embed/1", "model": "embed", "version": 1, "status": "ready", "parents": []},
    ],
    "descendants": [
        {"uri": "models:/fraud-lite/1", "model": "fraud-lite", "version": 1, "status": "ready", "children": []}
    ],
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("typed", "uri"),
    [
        ("6", "models:/fraud/6"),
        ("1.4.0", "models:/fraud/1.4.0"),
        ("production", "models:/fraud/stage/production"),
        ("Production", "models:/fraud/stage/production"),
        ("@champion", "models:/fraud@champion"),
        ("latest", "models:/fraud/latest"),
        ("models:/other/3", "models:/other/3"),
    ],
)
def test_what_follows_the_model_name_becomes_a_model_uri(typed: str, uri: str) -> None:
    assert version_uri_of("fraud", typed) == uri


def test_compare_sends_both_uris_and_prints_each_difference(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering(COMPARISON)
    code, out, err = run(capsys, "compare", "fraud", "production", "7")
    assert (code, err) == (0, "")
    assert seen[0].path == "/v1/compare"
    assert seen[0].query == {"base": ["models:/fraud/stage/production"], "head": ["models:/fraud/7"]}
    sections = out.split("\n\n")
    assert sections[0].splitlines() == [
        "base  models:/fraud/6 (v6, 1.3.0, ready)",
        "head  models:/fraud/7 (v7, 1.4.0, ready)",
    ]
    assert [line.split() for line in sections[1].splitlines()] == [
        ["METRIC", "BASE", "HEAD", "CHANGE", "RELATIVE"],
        ["auc", "0.9", "0.93", "+0.03", "+3.33%"],
        ["latency_ms", "20", "15", "-5", "-25.00%"],
        ["recall", "-", "0.8", "-", "-"],
    ]
    assert [line.split() for line in sections[2].splitlines()] == [
        ["PARAM", "BASE", "HEAD"],
        ["C", "1", "2"],
        ["kernel", "-", "rbf"],
    ]
    assert [line.split() for line in sections[3].splitlines()] == [
        ["LINEAGE", "BASE", "HEAD"],
        ["data_version", "2026-10", "2026-11"],
    ]
    assert sections[4] == "signature: inputs added: amount_log; inputs removed: amount"
    assert sections[5].splitlines()[1].split() == ["latest", "passed,", "2026-10-02T09:00:00Z", "never", "validated"]

    code, out, _ = run(capsys, "compare", "fraud", "@champion", "latest", "--json")
    assert json.loads(out) == COMPARISON
    assert seen[1].query == {"base": ["models:/fraud@champion"], "head": ["models:/fraud/latest"]}


def test_compare_refuses_a_version_it_cannot_name(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering(COMPARISON)
    code, _, err = run(capsys, "compare", "fraud", "6", "@No Such")
    assert code == 1 and "invalid alias name" in err and seen == []


def test_comparison_without_differences_says_so() -> None:
    same = {"base": V6, "head": V6, "metrics": [], "params": [], "lineage": [], "signature": {}, "validations": {}}
    text = comparison_view(same)
    assert "(no metrics recorded)" in text
    assert "(params: no differences)" in text
    assert "(lineage: no differences)" in text
    assert "signature: no differences" in text


@pytest.mark.parametrize(
    ("base", "head", "shown"),
    [(0.9, 0.93, ("+0.03", "+3.33%")), (2, 2, ("0", "0%")), (0, 1, ("+1", "-")), (-4, -2, ("+2", "+50.00%"))],
)
def test_metric_changes_are_absolute_and_relative_to_the_base(base: float, head: float, shown: tuple[str, str]) -> None:
    assert metric_changes(base, head) == shown


def test_lineage_prints_ancestors_and_descendants_as_trees(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering(LINEAGE)
    code, out, _ = run(capsys, "lineage", "models:/fraud/7", "--depth", "2")
    assert code == 0
    assert seen[0].path == "/v1/lineage"
    assert seen[0].query == {"uri": ["models:/fraud/7"], "depth": ["2"]}
    assert out.splitlines() == [
        "models:/fraud/7  ready",
        "ancestors:",
        "├── models:/fraud/6  ready",
        "│   └── models:/base/2  archived",
        "└── models:/embed/1  ready",
        "descendants:",
        "└── models:/fraud-lite/1  ready",
    ]


def test_lineage_of_a_version_without_family(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    answering({"version": LINEAGE["version"], "ancestors": [], "descendants": []})
    code, out, _ = run(capsys, "lineage", "models:/fraud/latest")
    assert code == 0 and out.splitlines()[1:] == ["ancestors:", "(none)", "descendants:", "(none)"]
    assert lineage_view({}, "models:/x/1").splitlines()[0] == "models:/x/1"


def test_lineage_wants_a_uri(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering(LINEAGE)
    code, _, err = run(capsys, "lineage", "fraud")
    assert code == 2 and "models:/ URI" in err and seen == []
