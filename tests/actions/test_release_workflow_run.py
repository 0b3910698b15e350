"""model-release.yml and model-rollback.yml, run job by job against the local stack (tests/support/workflow_runner.py).

The registry is set up the way the README recommends: its own deployment protection rule on
both environments, validation required for staging and production, and production taking only
versions that were in staging, approved by someone other than the run's actor, from a GitHub
environment the policy renames (``production-models``), so the workflow's environment inputs matter.

Simulated here, on purpose and only here: GitHub delivering the ``deployment_protection_rule``
webhook before a job with an ``environment:`` starts (we post it, signed, to the registry and read
its answer from the GitHub stand-in), a reviewer pressing "Approve and deploy" (an approval recorded
in the GitHub stand-in), "Re-run failed jobs", and the third-party actions (see workflow_stand_ins.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard.errors import RegistryError
from modelyard_local.stack import LocalStack
from tests.actions.conftest import OWNER, sdk
from tests.actions.workflow_stand_ins import stand_ins, wheel
from tests.support.actions_runner import REPO, TokenEndpoint
from tests.support.workflow_runner import EnvironmentGate, JobResult, WorkflowRun

ADMIN = "acme/platform"
REVIEWER = "alice"
WEBHOOK_SECRET = "whsec-release-workflow"
PRODUCTION_ENVIRONMENT = "production-models"
RELEASE = REPO / ".github" / "workflows" / "model-release.yml"
ROLLBACK = REPO / ".github" / "workflows" / "model-rollback.yml"
POLICY = {
    "gates": {"thresholds": [{"metric": "auc", "min": 0.8}]},
    "stages": {
        "staging": {"require_validation": True},
        "production": {
            "environment": PRODUCTION_ENVIRONMENT,
            "from_stages": ["staging"],
            "min_approvals": 1,
            "prevent_self_approval": True,
            "require_validation": True,
        },
    },
}
REGISTERED_AUC = 0.85  # what training measured
EVALUATED_AUC = 0.93  # what the evaluation (with its installed dependency) measures
REPOSITORY_POLICY = {"gates": {"thresholds": [{"metric": "auc", "min": 0.9}]}}  # passes only on the evaluated AUC


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    extra_env = {"MODELYARD_ADMIN_REPOSITORIES": ADMIN, "MODELYARD_GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET}
    with LocalStack(port=0, issuer_port=0, moto_port=0, github=True, extra_env=extra_env) as running:
        sdk(running, repository=ADMIN).set_policy(POLICY)
        yield running


def protection_rule(stack: LocalStack) -> EnvironmentGate:
    """GitHub asking the registry's custom deployment protection rule before an environment job starts."""

    def gate(run: WorkflowRun, job: str, environment: str) -> str | None:
        payload = {
            "action": "requested",
            "environment": environment,
            "event": "push",
            "ref": run.ref,
            "sha": run.sha,
            "deployment_callback_url": f"https://api.github.com/repos/{run.repository}/actions/runs/{run.run_id}"
            "/deployment_protection_rule",
            "repository": {"full_name": run.repository, "name": run.repository.split("/")[1]},
            "installation": {"id": 4242},
            "sender": {"login": run.actor, "id": 2},
        }
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            f"{stack.api_url}/v1/github/webhook",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-GitHub-Event": "deployment_protection_rule",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": signature,
            },
        )
        with urllib.request.urlopen(request, timeout=20) as answer:
            assert answer.status < 300, answer.read()
        answers = [
            a
            for a in stack.github.protection_answers
            if a["run_id"] == run.run_id and a["environment_name"] == environment
        ]
        assert answers, f"the registry did not answer the protection rule for {environment}"
        last = answers[-1]
        return None if last["state"] == "approved" else f"{environment} rejected: {last['comment']}"

    return gate


def caller_repository(path: Path) -> Path:
    """The training repository the workflow checks out: its evaluation script, requirements and policy."""
    wheel(path / "wheels", "evalhelper", "1.0", f"AUC = {EVALUATED_AUC}\n")
    (path / "requirements-eval.txt").write_text(
        "--no-index\n./wheels/evalhelper-1.0-py3-none-any.whl\n", encoding="utf-8"
    )
    (path / "evaluate.py").write_text(
        "import argparse, json\n"
        "import evalhelper  # installed from requirements-eval.txt\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument('--out', required=True)\n"
        "with open(parser.parse_args().out, 'w', encoding='utf-8') as out:\n"
        "    json.dump({'auc': evalhelper.AUC}, out)\n",
        encoding="utf-8",
    )
    (path / ".modelyard").mkdir()
    (path / ".modelyard" / "policy.json").write_text(json.dumps(REPOSITORY_POLICY), encoding="utf-8")
    return path


def trained_model(path: Path, content: bytes) -> Path:
    """What the caller's training job uploaded as the artifact ``model``."""
    path.mkdir(parents=True)
    (path / "model.onnx").write_bytes(content)
    (path / "metrics.json").write_text(json.dumps({"auc": REGISTERED_AUC}), encoding="utf-8")
    return path


def stage_version(client: Any, model: str, stage: str) -> int | None:
    try:
        version: int = client.get_stage(model, stage)["version"]
    except RegistryError as exc:
        if exc.status != 404:
            raise
        return None
    return version


def test_release_runs_job_by_job_to_production_with_an_approval_and_rolls_back(
    stack: LocalStack, tokens: TokenEndpoint, tmp_path: Path, model_name: str
) -> None:
    caller = caller_repository(tmp_path / "caller")
    artifacts = {"model": trained_model(tmp_path / "artifact-1", b"first model " + model_name.encode())}
    release_inputs = {
        "api-url": stack.api_url,
        "model": model_name,
        "artifact-name": "model",
        "artifact-path": "model.onnx",
        "metrics-file": "metrics.json",
        "eval-command": "python evaluate.py --out .model-release/metrics.json",
        "eval-requirements": "requirements-eval.txt",
        "production-environment": PRODUCTION_ENVIRONMENT,
    }

    def run(workflow: Path, inputs: dict[str, str], name: str, gate: EnvironmentGate | None) -> WorkflowRun:
        return WorkflowRun(workflow, inputs, tokens, stack.api_url, tmp_path / name, stand_ins(caller, artifacts), gate)

    client = sdk(stack)
    first = run(RELEASE, release_inputs, "release-1", protection_rule(stack))
    ran = first.run_all()
    assert [job.name for job in ran] == ["register", "validate-staging", "staging", "validate-production", "production"]
    assert all(job.ok for job in ran[:-1]), "\n\n".join(map(str, ran))
    assert first.results["staging"].environment == "staging"

    # Production's environment has no required reviewers yet: the job runs, the registry refuses.
    production = first.results["production"]
    assert production.environment == PRODUCTION_ENVIRONMENT
    assert production.refused is None and not production.ok, str(production)
    assert len(production.errors) == 1, str(production)
    assert "no approvals" in production.errors[0].message
    assert stage_version(client, model_name, "production") is None
    assert stage_version(client, model_name, "staging") == 1

    # A reviewer other than the run's actor approves; "Re-run failed jobs" runs production again.
    stack.github.approve(OWNER, first.run_id, REVIEWER, PRODUCTION_ENVIRONMENT)
    rerun = first.rerun_failed()
    assert [(job.name, job.attempt, job.ok) for job in rerun] == [("production", 2, True)], str(rerun[0])
    assert first.outputs() == {"version": "1", "model-uri": f"models:/{model_name}/1"}
    assert stage_version(client, model_name, "production") == 1
    report = client.latest_validation(model_name, 1)
    assert (report["stage"], report["passed"], report["metrics"]["auc"]) == ("production", True, EVALUATED_AUC)

    # The next release goes all the way; its reviewer approves while the production job waits.
    artifacts["model"] = trained_model(tmp_path / "artifact-2", b"second model " + model_name.encode())
    second = run(RELEASE, release_inputs, "release-2", protection_rule(stack))
    stack.github.approve(OWNER, second.run_id, REVIEWER, PRODUCTION_ENVIRONMENT)
    ran = second.run_all()
    assert all(job.ok for job in ran) and len(ran) == 5, "\n\n".join(map(str, ran))
    assert second.outputs()["version"] == "2"
    assert stage_version(client, model_name, "production") == 2

    # Production misbehaves: the rollback workflow moves it back, from the same environment. The
    # registry's protection rule approves only deployments a run validated, so it would reject a
    # rollback (a known gap, reported): this run models an environment gated by its reviewers alone.
    rollback_inputs = {
        "api-url": stack.api_url,
        "model": model_name,
        "stage": "production",
        "environment": PRODUCTION_ENVIRONMENT,
        "comment": "v2 drifts",
    }
    back = run(ROLLBACK, rollback_inputs, "rollback", None)
    ran = back.run_all()
    assert all(job.ok for job in ran), "\n\n".join(map(str, ran))
    assert back.outputs() == {"version": "1", "previous-version": "2"}
    assert stage_version(client, model_name, "production") == 1

    # Every job that moves production queues in one group per model and stage; staging has its own.
    def group(job: JobResult) -> str:
        assert job.concurrency is not None, f"job {job.name} has no concurrency group"
        return str(job.concurrency["group"])

    production_groups = {group(first.results["production"]), group(second.results["production"])}
    assert production_groups == {group(back.results["rollback"])}
    assert model_name in group(back.results["rollback"])
    assert group(first.results["staging"]) != group(first.results["production"])
