"""A stand-in for GitHub running a reusable workflow: its jobs, step by step, against a local registry.

What is real and what is simulated, job by job:

* **Real**: the workflow file is read as written; jobs run in ``needs`` order, each on a fresh
  workspace (as on a fresh runner), so files do not leak between jobs and values travel only through
  job outputs; ``${{ }}`` in ``with:``, ``env:``, ``if:``, ``environment:``, ``concurrency:`` and
  ``outputs:`` are evaluated by :mod:`tests.support.expressions`, which refuses anything it does not
  understand; ``run:`` steps run under bash (see :meth:`Runner.run_script`); ``uses: $/<path>`` (the
  self-repository syntax: this workflow's repository at the workflow's own commit) runs the
  composite action at ``<path>`` in this working tree, which is where the workflow under test comes
  from; each job's OIDC token is minted for the job's ``environment:`` and the run's
  ``run_id``/``run_attempt``, and only when the job has ``permissions: id-token: write``.
* **Simulated**, explicitly: third-party ``uses: owner/repo@<sha>`` steps (``actions/checkout``,
  ``actions/setup-python``, ``actions/download-artifact``) are run by the stand-ins a test passes in,
  which do the local equivalent (copy a directory, make a virtual environment); a step whose action has
  no stand-in is an error. GitHub's side of an environment (required reviewers, custom protection
  rules) is the ``environment_gate`` a test passes in, asked before a job with an ``environment:``
  starts. Concurrency groups are evaluated and recorded, not enforced.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support.actions_runner import REPO, ActionResult, Annotation, Job, Runner, StepResult, TokenEndpoint
from tests.support.expressions import Outputs, as_text, condition, render

SELF_REPOSITORY = "$/"
_PINNED = re.compile(r"(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40})")
_JOB_KEYS = {
    "name",
    "runs-on",
    "timeout-minutes",
    "permissions",
    "needs",
    "outputs",
    "environment",
    "concurrency",
    "steps",
}
_STEP_KEYS = {"id", "name", "uses", "with", "run", "shell", "env", "if"}


@dataclass
class JobContext:
    """What a stand-in for a third-party action may touch: the job's workspace, temp dir and PATH."""

    name: str
    workspace: Path
    temp: Path
    path: list[str] = field(default_factory=list)  # prepended to PATH for later steps, like $GITHUB_PATH


StandIn = Callable[[JobContext, Mapping[str, str]], dict[str, str]]
EnvironmentGate = Callable[["WorkflowRun", str, str], str | None]


@dataclass
class JobResult:
    name: str
    attempt: int
    environment: str | None
    concurrency: dict[str, Any] | None
    steps: list[tuple[str, ActionResult | StepResult | None]] = field(default_factory=list)  # None: skipped
    outputs: dict[str, str] = field(default_factory=dict)
    refused: str | None = None  # why GitHub's side of the environment did not let the job start

    @property
    def ok(self) -> bool:
        return self.refused is None and all(result is None or result.returncode == 0 for _, result in self.steps)

    @property
    def stdout(self) -> str:
        return "".join(result.stdout for _, result in self.steps if result is not None)

    @property
    def errors(self) -> list[Annotation]:
        from tests.support.actions_runner import parse_annotations

        return [a for a in parse_annotations(self.stdout) if a.level == "error"]

    def __str__(self) -> str:
        lines = [f"job {self.name} (attempt {self.attempt}, environment {self.environment}): ok={self.ok}"]
        if self.refused:
            lines.append(f"refused: {self.refused}")
        for label, result in self.steps:
            lines.append(f"--- {label}: {'skipped' if result is None else str(result)}")
        return "\n".join(lines)


def _text(value: Any, contexts: Mapping[str, Any]) -> str:
    """A YAML value as GitHub passes it on: strings rendered, other scalars as text (``false``, ``3``)."""
    return render(value, contexts) if isinstance(value, str) else as_text(value)


def load_workflow(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["on"] = spec.pop(True, spec.get("on"))  # YAML 1.1 reads a bare `on` key as True
    return spec


@dataclass
class WorkflowRun:
    """One run of a reusable workflow (``on: workflow_call``) called with ``inputs`` by ``repository``."""

    path: Path
    inputs: Mapping[str, str]
    tokens: TokenEndpoint
    api_url: str
    root: Path
    stand_ins: Mapping[str, StandIn]
    environment_gate: EnvironmentGate | None = None
    repository: str = "acme/models"
    actor: str = "octocat"
    ref: str = "refs/heads/main"
    sha: str = field(default_factory=lambda: secrets.token_hex(20))
    run_id: str = field(default_factory=lambda: str(1_000_000 + secrets.randbelow(9_000_000)))
    attempt: int = 1
    results: dict[str, JobResult] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.spec = load_workflow(self.path)
        call = (self.spec["on"] or {}).get("workflow_call")
        assert isinstance(call, dict), f"{self.path.name} is not a reusable workflow (on: workflow_call)"
        declared: dict[str, Any] = call.get("inputs") or {}
        unknown = set(self.inputs) - set(declared)
        assert not unknown, f"{self.path.name} has no inputs {sorted(unknown)}"
        values: dict[str, str] = {}
        for name, decl in declared.items():
            assert decl.get("type") == "string", f"input {name}: only string inputs are modelled"
            if name in self.inputs:
                values[name] = str(self.inputs[name])
            else:
                assert not decl.get("required"), f"{self.path.name} needs input {name}"
                values[name] = str(decl.get("default", ""))
        self.values = values
        self.jobs: dict[str, dict[str, Any]] = self.spec["jobs"]

    # -- order ----------------------------------------------------------------------------

    @staticmethod
    def _needs(job: Mapping[str, Any]) -> list[str]:
        needs = job.get("needs") or []
        return [needs] if isinstance(needs, str) else list(needs)

    def order(self) -> list[str]:
        """Jobs in an order that respects ``needs`` (declaration order among independent jobs)."""
        done: list[str] = []
        pending = list(self.jobs)
        while pending:
            ready = next((name for name in pending if set(self._needs(self.jobs[name])) <= set(done)), None)
            assert ready is not None, f"jobs {pending} need each other or a missing job"
            done.append(ready)
            pending.remove(ready)
        return done

    def run_all(self) -> list[JobResult]:
        """Run every job that has not succeeded yet, in order, stopping at the first that fails."""
        ran = []
        for name in self.order():
            if name in self.results and self.results[name].ok:
                continue
            ran.append(self.job(name))
            if not ran[-1].ok:
                break
        return ran

    def rerun_failed(self) -> list[JobResult]:
        """GitHub's "Re-run failed jobs": a new attempt of the same run (same run_id) for what has not succeeded."""
        self.attempt += 1
        return self.run_all()

    def outputs(self) -> dict[str, str]:
        call = self.spec["on"]["workflow_call"]
        contexts = {"jobs": {name: {"outputs": result.outputs} for name, result in self.results.items()}}
        return {name: render(str(decl["value"]), contexts) for name, decl in (call.get("outputs") or {}).items()}

    # -- one job --------------------------------------------------------------------------

    def job(self, name: str) -> JobResult:
        spec = self.jobs[name]
        strange = set(spec) - _JOB_KEYS
        assert not strange, f"job {name}: keys {sorted(strange)} are not modelled by the test harness"
        needs = {}
        for needed in self._needs(spec):
            result = self.results.get(needed)
            assert result is not None and result.ok, f"job {name} needs {needed}, which has not succeeded"
            needs[needed] = {"outputs": dict(result.outputs), "result": "success"}
        contexts: dict[str, Any] = {"inputs": self.values, "needs": needs}
        environment = spec.get("environment")
        if isinstance(environment, dict):
            environment = environment["name"]
        environment = render(environment, contexts) if environment is not None else None
        concurrency = spec.get("concurrency")
        if concurrency is not None:
            concurrency = {key: _text(value, contexts) for key, value in concurrency.items()}
        result = JobResult(name, self.attempt, environment, concurrency)
        self.results[name] = result
        if environment and self.environment_gate is not None:
            result.refused = self.environment_gate(self, name, environment)
            if result.refused:
                return result
        permissions = spec.get("permissions", self.spec.get("permissions")) or {}
        base = self.root / f"{name}-attempt{self.attempt}"
        context = JobContext(name, base / "workspace", base / "temp")
        context.workspace.mkdir(parents=True)
        context.temp.mkdir()
        runner = Runner(tokens=self.tokens, workspace=context.workspace, temp=context.temp, api_url=self.api_url)
        job = Job(
            repository=self.repository,
            environment=environment or None,
            id_token=permissions.get("id-token") == "write",
            ref=self.ref,
            sha=self.sha,
            run_id=self.run_id,
            run_attempt=str(self.attempt),
            name=name,
            actor=self.actor,
        )
        host_path = runner.job_env(job)["PATH"]
        steps: dict[str, Any] = {}
        for index, step in enumerate(spec["steps"]):
            strange = set(step) - _STEP_KEYS
            assert not strange, f"job {name} step {index}: keys {sorted(strange)} are not modelled"
            label = step.get("id") or step.get("name") or step.get("uses") or f"step {index}"
            step_contexts = {**contexts, "steps": steps}
            job.env = {"PATH": os.pathsep.join([*context.path, host_path])}
            if "if" in step and not condition(str(step["if"]), step_contexts):
                result.steps.append((label, None))
                if "id" in step:
                    steps[step["id"]] = {"outputs": Outputs(), "outcome": "skipped"}
                continue
            ran = self._step(name, step, step_contexts, context, runner, job)
            result.steps.append((label, ran))
            if "id" in step:
                steps[step["id"]] = {"outputs": Outputs(ran.outputs), "outcome": "success"}
            if ran.returncode != 0:
                return result
        outputs = spec.get("outputs") or {}
        result.outputs = {key: _text(value, {**contexts, "steps": steps}) for key, value in outputs.items()}
        return result

    def _step(
        self,
        name: str,
        step: Mapping[str, Any],
        contexts: Mapping[str, Any],
        context: JobContext,
        runner: Runner,
        job: Job,
    ) -> ActionResult | StepResult:
        values = {key: _text(value, contexts) for key, value in (step.get("with") or {}).items()}
        if "run" in step:
            assert step.get("shell") == "bash", f"job {name}: a run: step must say shell: bash"
            assert "${{" not in step["run"], f"job {name}: a run: step templates an expression into its script"
            assert not values, f"job {name}: a run: step takes no with:"
            env = {**runner.job_env(job), **{k: _text(v, contexts) for k, v in (step.get("env") or {}).items()}}
            return runner.run_script(job, str(step.get("id") or "run"), step["run"], env)
        uses = str(step["uses"])
        assert "env" not in step, f"job {name}: env: on a uses: step is not modelled"
        if uses.startswith(SELF_REPOSITORY):
            action = REPO / uses.removeprefix(SELF_REPOSITORY)
            assert (action / "action.yml").is_file(), f"job {name}: {uses} names no action in this repository"
            return runner.run(action, values, job)
        pinned = _PINNED.fullmatch(uses)
        assert pinned, f"job {name}: {uses} is neither $/<path> nor owner/repo@<40-hex sha>"
        stand_in = self.stand_ins.get(pinned.group("action"))
        assert stand_in is not None, f"job {name}: no local stand-in for {pinned.group('action')}"
        outputs = stand_in(context, values)
        return StepResult(uses, 0, "", "", outputs, "", 0.0)
