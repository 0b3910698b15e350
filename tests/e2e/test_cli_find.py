"""`modelyard search`, `versions`, `models`, `compare` and `lineage`, run as subprocesses against the local stack.

These need the registry's search, compare and lineage routes (issue 11's server side).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.conftest import Cli, write_bytes


def _register(cli: Cli, name: str, tmp_path: Path, n: int, *extra: str) -> None:
    model = write_bytes(tmp_path / "in" / f"model-{n}.onnx", os.urandom(2000))
    cli.run("register", name, str(model), "--create-model", "--tag", "team=risk", *extra)


def _family(cli: Cli, name: str, tmp_path: Path) -> None:
    """v1 (accuracy 0.8, data 2026-10), v2 (0.93, data 2026-11, C changed, v1 its parent, the champion)."""
    _register(cli, name, tmp_path, 1, "--metric", "accuracy=0.8", "--param", "C=1", "--data-version", "2026-10")
    _register(
        cli,
        name,
        tmp_path,
        2,
        "--metric", "accuracy=0.93",
        "--param", "C=2",
        "--data-version", "2026-11",
        "--parent", f"models:/{name}/1",
    )  # fmt: skip
    cli.run("alias", "set", name, "champion", "2")


def test_search_versions_and_models_find_by_what_versions_hold(cli: Cli, model_name: str, tmp_path: Path) -> None:
    _family(cli, model_name, tmp_path)

    found = cli.run("search", "--model", model_name, "--metric", "accuracy>=0.9", "--json").json()
    assert [(hit["version"], hit["aliases"]) for hit in found] == [(2, ["champion"])]
    found = cli.run("search", "--model-prefix", model_name, "--data-version", "2026-10", "--json").json()
    assert [hit["version"] for hit in found] == [1]
    found = cli.run("search", "--parent", f"models:/{model_name}@champion", "--json").json()
    assert found == []  # nothing derives from v2
    found = cli.run("search", "--parent", f"models:/{model_name}/1", "--json").json()
    assert [hit["uri"] for hit in found] == [f"models:/{model_name}/2"]
    nothing = cli.run("search", "--model", model_name, "--tag", "team=risk", "--tag", "tier=gold")
    assert nothing.stdout.strip() == "(no versions match)"

    table = cli.run("versions", model_name, "--order-by", "metric:accuracy", "--asc").stdout.splitlines()
    assert table[0].split()[:5] == ["VERSION", "SEMVER", "STATUS", "STAGES", "ALIASES"]
    assert [line.split()[:5] for line in table[1:]] == [
        ["1", "-", "ready", "-", "-"],
        ["2", "-", "ready", "-", "champion"],
    ]

    models = cli.run("models", "--name-prefix", model_name, "--owner", "acme/models", "--json").json()
    assert [m["name"] for m in models] == [model_name]


def test_compare_and_lineage_print_what_changed_and_where_it_came_from(
    cli: Cli, model_name: str, tmp_path: Path
) -> None:
    _family(cli, model_name, tmp_path)

    out = cli.run("compare", model_name, "1", "@champion").stdout
    sections = out.split("\n\n")
    assert f"base  models:/{model_name}/1" in sections[0] and f"head  models:/{model_name}/2" in sections[0]
    assert ["accuracy", "0.8", "0.93", "+0.13", "+16.25%"] in [line.split() for line in sections[1].splitlines()]
    assert ["C", "changed", "1", "2"] in [line.split() for line in sections[2].splitlines()]
    assert ["data_version", "2026-10", "2026-11"] in [line.split() for line in sections[3].splitlines()]

    assert cli.run("lineage", f"models:/{model_name}/2").stdout.splitlines()[:3] == [
        f"models:/{model_name}/2  ready",
        "ancestors:",
        f"└── models:/{model_name}/1  ready",
    ]
    below = cli.run("lineage", f"models:/{model_name}/1", "--depth", "1").stdout.splitlines()
    assert below[below.index("descendants:") + 1] == f"└── models:/{model_name}/2  ready"

    refused = cli.run("search", "--model", model_name, "--order-by", "metric:", expect=2)
    assert "metric:NAME" in refused.stderr
