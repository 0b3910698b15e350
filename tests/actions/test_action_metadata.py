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
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "actions/", ".github/workflows/", "docs/examples/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr


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


def test_release_workflow_promotes_each_stage_from_its_environment() -> None:
    spec = yaml.safe_load((REPO / ".github" / "workflows" / "model-release.yml").read_text(encoding="utf-8"))
    on = spec.get("on", spec.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert "workflow_call" in on
    jobs = spec["jobs"]
    assert [jobs["staging"].get("environment"), jobs["production"].get("environment")] == ["staging", "production"]
    assert "staging" in jobs["production"]["needs"] and "validate" in jobs["staging"]["needs"]
    for name, job in jobs.items():
        assert job["permissions"] == {"id-token": "write", "contents": "read"}, name
    validate = next(s for s in jobs["validate"]["steps"] if "actions/validate" in s.get("uses", ""))
    assert validate["with"]["stage"] == "production"
