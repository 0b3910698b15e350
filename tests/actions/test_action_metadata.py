"""The actions and workflows as GitHub reads them: published schemas, zizmor, and our own conventions."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.actions_runner import ACTIONS, REPO

VERBS = ["register", "validate", "promote", "rollback"]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml")) + sorted((REPO / "docs" / "examples").glob("*.yml"))


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run `make .venv/.installed` (it is in the dev extra)")
    return found


def test_actions_match_the_published_action_schema() -> None:
    files = [str(ACTIONS / verb / "action.yml") for verb in VERBS]
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflows_match_the_published_workflow_schema() -> None:
    assert any(path.name == "model-release.yml" for path in WORKFLOWS)
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_reports_nothing() -> None:
    # zizmor collects only workflows and actions from a directory, so the examples are named one by one;
    # the "completed" lines prove each file was audited, not silently skipped.
    examples = sorted(str(path.relative_to(REPO)) for path in (REPO / "docs" / "examples").glob("*.yml"))
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "actions/", ".github/workflows/", *examples],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "No findings to report" in output
    audited = set(re.findall(r"completed (\S+)", output))
    expected = {str(path.relative_to(REPO)) for path in WORKFLOWS} | {f"actions/{verb}/action.yml" for verb in VERBS}
    assert expected <= audited, f"zizmor did not audit {sorted(expected - audited)}"


@pytest.mark.parametrize("verb", VERBS)
def test_action_is_a_declaration_layer(verb: str) -> None:
    spec = yaml.safe_load((ACTIONS / verb / "action.yml").read_text(encoding="utf-8"))
    for name, declared in spec["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), f"{verb}: input {name} is not kebab-case"
        assert declared.get("description"), f"{verb}: input {name} has no description"
    step_ids = {step.get("id") for step in spec["runs"]["steps"]}
    for name, declared in spec["outputs"].items():
        assert declared.get("description")
        match = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", declared["value"])
        assert match and match.group(1) in step_ids, f"{verb}: output {name} is not wired from a step"
    passed = set()
    for step in spec["runs"]["steps"]:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs reach scripts through env:, never templated into run:"
        assert step["run"].startswith('python3 "$GITHUB_ACTION_PATH/../run_step.py" ')
        for key, value in (step.get("env") or {}).items():
            found = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value)
            assert found and key == "MODELYARD_INPUT_" + found.group(1).upper().replace("-", "_")
            passed.add(found.group(1))
    assert passed == set(spec["inputs"]), f"{verb}: inputs never passed to a step: {set(spec['inputs']) - passed}"
