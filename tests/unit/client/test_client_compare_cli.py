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
from modelyard.comparison import percent, signed
from modelyard.render_compare import comparison_view, lineage_view

V6 = {"uri": "models:/fraud/6", "model": "fraud", "version": 6, "semver": "1.3.0", "status": "ready"}
V7 = {"uri": "models:/fraud/7", "model": "fraud", "version": 7, "semver": "1.4.0", "status": "ready"}
FLOAT = {"type": "float", "shape": None}
COMPARISON = {
    "base": {**V6, "created_at": "2026-10-01T09:00:00Z"},
    "head": {**V7, "created_at": "2026-11-01T09:00:00Z"},
    "same_version": False,
    "metrics": [
        {"name": "auc", "base": 0.9, "head": 0.93, "change": 0.03, "relative_change": 0.0333},
        {"name": "latency_ms", "base": 20, "head": 15, "change": -5, "relative_change": -0.25},
        {"name": "recall", "base": None, "head": 0.8, "change": None, "relative_change": None},
        {"name": "drift", "base": 0, "head": 0.1, "change": 0.1, "relative_change": None},
    ],
    "params": [
        {"name": "C", "change": "changed", "base": 1.0, "head": 2.0},
        {"name": "kernel", "change": "added", "base": None, "head": "rbf"},
    ],
    "lineage": {
        "changed": [{"field": "data_version", "base": "2026-10", "head": "2026-11"}],
        "parents_added": ["models:/embed/2"],
        "parents_removed": ["models:/embed/1"],
    },
    "signature": {
        "inputs": [
            {"name": "amount", "change": "removed", "base": {"name": "amount", **FLOAT}, "head": None},
            {
                "name": "country",
                "change": "type_changed",
                "base": {"name": "country", "type": "str", "shape": None},
                "head": {"name": "country", "type": "int", "shape": None},
            },
            {"name": "amount_log", "change": "added", "base": None, "head": {"name": "amount_log", **FLOAT}},
        ],
        "outputs": [
            {
                "name": "score",
                "change": "shape_changed",
                "base": {"name": "score", "type": "float", "shape": [1]},
                "head": {"name": "score", "type": "float", "shape": [2]},
            }
        ],
    },
    "base_validation": {
        "status": "passed",
        "report_id": "r1",
        "at": "2026-10-02T09:00:00Z",
        "failed_checks": 0,
        "failed": [],
    },
    "head_validation": None,
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
        {"uri": "models:/embed/1", "model": "embed", "version": 1, "status": None, "parents": []},
    ],
    "descendants": [
        {
            "uri": "models:/fraud-lite/1",
            "model": "fraud-lite",
            "version": 1,
            "status": "ready",
            "children": [
                {"uri": "models:/fraud-lite/2", "model": "fraud-lite", "version": 2, "status": "ready", "children": []}
            ],
        },
        {"uri": "models:/fraud-lite/2", "model": "fraud-lite", "version": 2, "status": "ready", "repeated": True},
    ],
    "depth": 2,
    "truncated": True,
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


def table_rows(section: str) -> list[list[str]]:
    return [line.split() for line in section.splitlines()]


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
    assert table_rows(sections[1]) == [
        ["METRIC", "BASE", "HEAD", "CHANGE", "RELATIVE"],
        ["auc", "0.9", "0.93", "+0.03", "+3.33%"],
        ["latency_ms", "20", "15", "-5", "-25.00%"],
        ["recall", "-", "0.8", "-", "-"],
        ["drift", "0", "0.1", "+0.1", "-"],  # no relative change from 0: the registry leaves it out
    ]
    assert table_rows(sections[2]) == [
        ["PARAM", "CHANGE", "BASE", "HEAD"],
        ["C", "changed", "1", "2"],
        ["kernel", "added", "-", "rbf"],
    ]
    assert table_rows(sections[3]) == [
        ["LINEAGE", "BASE", "HEAD"],
        ["data_version", "2026-10", "2026-11"],
        ["parents", "models:/embed/1", "models:/embed/2"],
    ]
    assert table_rows(sections[4]) == [
        ["SIGNATURE", "FEATURE", "CHANGE", "BASE", "HEAD"],
        ["input", "amount", "removed", "float", "-"],
        ["input", "country", "type_changed", "str", "int"],
        ["input", "amount_log", "added", "-", "float"],
        ["output", "score", "shape_changed", "float[1]", "float[2]"],
    ]
    assert table_rows(sections[5])[1] == ["latest", "passed,", "2026-10-02T09:00:00Z", "never", "validated"]
    assert len(sections) == 6

    code, out, _ = run(capsys, "compare", "fraud", "@champion", "latest", "--json")
    assert json.loads(out) == COMPARISON
    assert seen[1].query == {"base": ["models:/fraud@champion"], "head": ["models:/fraud/latest"]}


def test_a_failed_validation_names_its_failed_checks() -> None:
    failed = {"status": "failed", "report_id": "r2", "at": "2026-11-02T09:00:00Z", "failed_checks": 2}
    answer = {**COMPARISON, "head_validation": {**failed, "failed": ["auc", "latency"]}}
    last = comparison_view(answer).split("\n\n")[-1].splitlines()[1]
    assert last.endswith("FAILED (2: auc, latency), 2026-11-02T09:00:00Z")


def test_compare_refuses_a_version_it_cannot_name(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering(COMPARISON)
    code, _, err = run(capsys, "compare", "fraud", "6", "@No Such")
    assert code == 2 and "invalid alias name" in err and seen == []


def test_comparison_of_a_version_with_itself_says_nothing_differs() -> None:
    same = {
        "base": V6,
        "head": V6,
        "same_version": True,
        "metrics": [],
        "params": [],
        "lineage": {"changed": [], "parents_added": [], "parents_removed": []},
        "signature": {"inputs": [], "outputs": []},
        "base_validation": None,
        "head_validation": None,
    }
    text = comparison_view(same)
    for said in (
        "the same version: nothing differs",
        "(no metrics recorded)",
        "(params: no differences)",
        "(lineage: no differences)",
        "(signature: no differences)",
    ):
        assert said in text


@pytest.mark.parametrize(
    ("change", "relative", "shown"),
    [
        (0.03, 0.0333, ("+0.03", "+3.33%")),
        (0, 0, ("0", "0%")),
        (None, None, ("-", "-")),
        (-5, -0.25, ("-5", "-25.00%")),
    ],
)
def test_changes_are_shown_signed(change: float | None, relative: float | None, shown: tuple[str, str]) -> None:
    assert (signed(change), percent(relative)) == shown


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
        "└── models:/embed/1  unreadable",
        "descendants:",
        "├── models:/fraud-lite/1  ready",
        "│   └── models:/fraud-lite/2  ready",
        "└── models:/fraud-lite/2  ready  (listed above)",
        "(some relatives were left out: the registry bounds each tree; ask with a smaller --depth)",
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
