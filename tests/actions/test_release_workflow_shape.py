"""What GitHub does with the reusable workflows that a local run cannot show: pins, queues, environments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.actions_runner import REPO
from tests.support.workflow_runner import load_workflow

WORKFLOWS = REPO / ".github" / "workflows"
RELEASE = load_workflow(WORKFLOWS / "model-release.yml")
ROLLBACK = load_workflow(WORKFLOWS / "model-rollback.yml")
EVERY_WORKFLOW = sorted(WORKFLOWS.glob("*.yml")) + sorted((REPO / "docs" / "examples").glob("*.yml"))
PINNED = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}")


def steps_of(job: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = job.get("steps") or []
    return steps


def action_step(job: dict[str, Any], verb: str) -> dict[str, Any]:
    return next(step for step in steps_of(job) if step.get("uses") == f"$/actions/{verb}")


def needs_of(jobs: dict[str, Any], name: str) -> set[str]:
    """Every job ``name`` waits for, directly or not."""
    direct = jobs[name].get("needs") or []
    found = {direct} if isinstance(direct, str) else set(direct)
    for needed in list(found):
        found |= needs_of(jobs, needed)
    return found


@pytest.mark.parametrize("path", EVERY_WORKFLOW, ids=lambda path: path.name)
def test_every_uses_is_this_commit_or_a_commit_sha(path: Path) -> None:
    workflow = load_workflow(path)
    for name, job in workflow["jobs"].items():
        for uses in [job.get("uses"), *(step.get("uses") for step in steps_of(job))]:
            if uses is None:
                continue
            assert uses.startswith("$/") or PINNED.fullmatch(uses), f"{path.name} job {name}: {uses} can move"


def test_zizmor_configuration_suppresses_nothing() -> None:
    config = yaml.safe_load((REPO / ".github" / "zizmor.yml").read_text(encoding="utf-8"))
    for audit, rule in config["rules"].items():
        assert not rule.get("disable") and not rule.get("ignore"), f"zizmor audit {audit} is suppressed"
    assert set(config["rules"]["unpinned-uses"]["config"]["policies"].values()) == {"hash-pin"}
    for path in [*EVERY_WORKFLOW, *(REPO / "actions").glob("*/action.yml")]:
        assert "zizmor: ignore" not in path.read_text(encoding="utf-8"), f"{path} suppresses a zizmor finding"


def test_each_promotion_follows_a_validation_for_its_stage_in_the_same_run() -> None:
    jobs = RELEASE["jobs"]
    promotions = {name: job for name, job in jobs.items() if "environment" in job}
    assert [action_step(job, "promote")["with"]["stage"] for job in promotions.values()] == ["staging", "production"]
    for name, job in promotions.items():
        stage = action_step(job, "promote")["with"]["stage"]
        validations = [
            needed
            for needed in needs_of(jobs, name)
            if any(step.get("uses") == "$/actions/validate" for step in steps_of(jobs[needed]))
            and action_step(jobs[needed], "validate")["with"]["stage"] == stage
        ]
        assert len(validations) == 1, f"{name} is not preceded by one validation for {stage}"
        # The protection rule approves only the run's latest validation, and a stage's gates compare
        # with its current holder: each validation comes after every earlier promotion.
        earlier = {other for other in promotions if other in needs_of(jobs, name)}
        assert earlier <= needs_of(jobs, validations[0]), f"the validation for {stage} runs before {earlier}"


def test_promotions_and_rollbacks_queue_per_model_and_stage_without_cancelling() -> None:
    moving = [(name, job) for name, job in RELEASE["jobs"].items() if "environment" in job]
    moving += [(name, job) for name, job in ROLLBACK["jobs"].items()]
    for name, job in moving:
        concurrency = job.get("concurrency") or {}
        step = action_step(job, "promote" if "promote" in str(job["steps"]) else "rollback")
        stage = step["with"]["stage"]
        assert concurrency.get("group") == f"modelyard-${{{{ inputs.model }}}}-{stage}", name
        assert concurrency.get("cancel-in-progress") is False, f"{name} would cancel a run waiting for approval"
        assert concurrency.get("queue") == "max", f"{name}: a newer run would cancel a waiting one"


def test_environments_are_inputs_that_default_to_the_stage_names() -> None:
    inputs = RELEASE["on"]["workflow_call"]["inputs"]
    for name, job in RELEASE["jobs"].items():
        if "environment" not in job:
            continue
        stage = action_step(job, "promote")["with"]["stage"]
        assert job["environment"] == {"name": f"${{{{ inputs.{stage}-environment }}}}"}, name
        assert inputs[f"{stage}-environment"]["default"] == stage
    assert ROLLBACK["jobs"]["rollback"]["environment"] == {"name": "${{ inputs.environment || inputs.stage }}"}


def test_the_evaluation_gets_a_python_it_can_install_into() -> None:
    steps = steps_of(RELEASE["jobs"]["validate-staging"])
    uses = [str(step.get("uses", "")) for step in steps]
    setup = next(i for i, u in enumerate(uses) if u.startswith("actions/setup-python@"))
    install = next(i for i, step in enumerate(steps) if "pip install" in str(step.get("run", "")))
    validate = uses.index("$/actions/validate")
    assert setup < install < validate
    assert steps[setup]["with"]["python-version"] == "${{ inputs.python-version }}"
    assert steps[install]["env"] == {"REQUIREMENTS": "${{ inputs.eval-requirements }}"}
    assert steps[install]["if"] == "inputs.eval-requirements != ''"


@pytest.mark.parametrize("workflow", [RELEASE, ROLLBACK], ids=["release", "rollback"])
def test_jobs_hold_least_permissions(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert job["permissions"] == {"id-token": "write", "contents": "read"}, name
