"""What the composite actions (``actions/<verb>/action.yml``) run: one function per step.

The step itself is ``python3 "$GITHUB_ACTION_PATH/../run_step.py" <step>``. Each step here

1. checks every input (:mod:`modelyard.action_inputs`) before it touches the registry, so bad
   input changes nothing;
2. runs the command (:mod:`modelyard.commands`) the CLI runs too, with the job's OIDC token
   (fetched and masked by :mod:`modelyard.oidc`);
3. writes its outputs to ``$GITHUB_OUTPUT`` and a reviewer's summary
   (:mod:`modelyard.action_summary`) to ``$GITHUB_STEP_SUMMARY``;
4. fails with exactly one ``::error`` annotation that says what to do (a failed validation
   gets one per failed check instead) and a non-zero exit status.

Trust model of ``eval-command`` (the validate action): it is the workflow author's own input,
run with ``bash -c`` exactly like a ``run:`` step they could have written themselves. It reaches
the shell through an environment variable, never through ``${{ }}`` templating, so values
from events (branch names, PR titles) cannot be spliced into it by the action.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from modelyard import action_summary as summary
from modelyard.action_inputs import DEFAULT_POLICY_FILE, InputError, Inputs, env_name
from modelyard.commands import pointers, versions
from modelyard.errors import ClientError, ModelyardError, RegistryError
from modelyard.github import Runner
from modelyard.queries import ARTIFACT_FORMATS
from modelyard.uris import is_semver

__all__ = ["STEPS", "InputError", "Inputs", "StepFailed", "default_idempotency_key", "env_name", "main", "run"]

FORMATS = ARTIFACT_FORMATS
DEFAULT_COMPARE_STAGE = "production"
MAX_IDEMPOTENCY_KEY = 128


class StepFailed(Exception):
    """The step failed and has already said why (e.g. one annotation per failed gate)."""


def step_register(runner: Runner, inputs: Inputs) -> int:
    env = runner.env
    model = inputs.model()
    artifact = inputs.required("artifact", "the path of the model file or directory to register")
    if not Path(artifact).exists():
        raise InputError("artifact", f"`artifact`: {artifact} does not exist (paths are relative to {Path.cwd()})")
    fmt = inputs.get("format") or None
    if fmt is not None and fmt not in FORMATS:
        raise InputError("format", f"`format` must be one of {', '.join(FORMATS)}, got {fmt!r}")
    semver = inputs.get("semver") or None
    if semver is not None and not is_semver(semver):
        raise InputError("semver", f"`semver` must look like MAJOR.MINOR.PATCH (e.g. 1.4.0), got {semver!r}")
    params = inputs.json_object("params-file", "params", "params")
    metrics = inputs.metrics()
    tags = inputs.pairs("tags")
    card = inputs.text_file("model-card", "model card")
    create = inputs.boolean("create-model", True)
    compare = inputs.stage("compare-stage", required=False) or DEFAULT_COMPARE_STAGE
    key = inputs.get("idempotency-key") or default_idempotency_key(env, model)
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InputError("idempotency-key", f"`idempotency-key` is {len(key)} characters long; at most 128")

    client = inputs.client(env)
    result = versions.register(
        client,
        model,
        artifact,
        lineage={"data_uri": inputs.get("data-uri"), "data_version": inputs.get("data-version")},
        compare_stage=compare,
        format=fmt,
        framework=inputs.get("framework") or None,
        semver=semver,
        params=params,
        metrics=metrics,
        tags=tags,
        model_card=card,
        description=inputs.get("description") or None,
        idempotency_key=key,
        create_model=create,
    )
    outputs = {"version": result.number, "model-uri": result.uri, "digest": result.digest}
    runner.set_outputs({**outputs, "artifact-uri": result.artifact_uri})
    runner.summary(summary.registration_summary(model, result, env, registry_url=client.url))
    runner.notice(f"{result.uri} registered ({result.digest})", title=f"modelyard registered {model} v{result.number}")
    return 0


def default_idempotency_key(env: Mapping[str, str], model: str) -> str:
    """``<run id>-<attempt>-<job>-<model>``: stable when a step is retried within one run attempt."""
    run_id = env.get("GITHUB_RUN_ID", "")
    if not run_id:
        return ""  # outside Actions: the client picks a random key
    attempt = env.get("GITHUB_RUN_ATTEMPT") or "1"
    key = f"{run_id}-{attempt}-{env.get('GITHUB_JOB', 'job')}-{model}"
    if len(key) <= MAX_IDEMPOTENCY_KEY:
        return key
    tail = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return f"{run_id}-{attempt}-{tail}"


def step_eval(runner: Runner, inputs: Inputs) -> int:
    """Run the workflow author's evaluation command (``bash -c``), if there is one."""
    command = inputs.get("eval-command")
    if not command:
        print("modelyard: no eval-command given; validating the metrics as they are")
        return 0
    workdir = inputs.get("working-directory") or "."
    if not Path(workdir).is_dir():
        raise InputError("working-directory", f"`working-directory`: {workdir} is not a directory")
    print(f"modelyard: running the evaluation command in {workdir}", flush=True)
    sys.stderr.flush()
    shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command]
    done = subprocess.run(shell, cwd=workdir, check=False)
    if done.returncode != 0:
        runner.error(
            f"the evaluation command exited with status {done.returncode}; its output is above. "
            "Nothing was submitted to the registry.",
            title="modelyard validate: eval-command failed",
        )
        raise StepFailed
    return 0


def step_validate(runner: Runner, inputs: Inputs) -> int:
    model = inputs.model()
    ref = inputs.version("version", model)
    assert ref is not None
    metrics = inputs.metrics()
    policy = inputs.repository_policy()
    stage = inputs.stage(required=False)
    compare = stage or inputs.stage("compare-stage", required=False) or DEFAULT_COMPARE_STAGE

    client = inputs.client(runner.env)
    try:
        result = versions.validate(
            client, model, ref, metrics=metrics, repository_policy=policy, stage=stage, compare_stage=compare
        )
    except RegistryError as exc:
        if versions.is_policy_loosened(exc):
            items = "; ".join(exc.violations) or exc.detail
            where = inputs.get("policy-file") or DEFAULT_POLICY_FILE
            raise InputError(
                "policy-file", f"{where} would loosen the registry's policy (a repository may only tighten it): {items}"
            ) from None
        raise
    runner.set_outputs({"passed": "true" if result.passed else "false", "report-id": result.data.get("id", "")})
    shown = summary.validation_summary(
        model, result, stage=stage, policy_applied=policy is not None, registry_url=client.url
    )
    runner.summary(shown)
    if not result.passed:
        for check in result.failed:
            detail = f" ({check.get('detail')})" if check.get("detail") else ""
            runner.error(
                f"{check.get('name')}: expected {check.get('expected')}, actual {check.get('actual')}{detail}",
                title=f"modelyard gate failed: {model} v{result.number}",
            )
        raise StepFailed
    runner.notice(f"{len(result.checks)} check(s) passed", title=f"modelyard validated {model} v{result.number}")
    return 0


def step_promote(runner: Runner, inputs: Inputs) -> int:
    model = inputs.model()
    ref = inputs.version("version", model)
    assert ref is not None
    stage = inputs.stage()
    assert stage is not None
    comment = inputs.get("comment") or None

    client = inputs.client(runner.env)
    moved = pointers.promote(client, model, ref, stage=stage, comment=comment, read_before=True)
    if moved.already_held:
        version = moved.version
        runner.set_outputs({"version": version, "previous-version": version, "changed": "false"})
        runner.summary(summary.already_held_summary(model, stage, moved))
        runner.notice(f"{stage} already holds v{version}; nothing changed", title=f"modelyard promote {model}")
        return 0
    previous = moved.previous_version
    runner.set_outputs(
        {"version": moved.version, "previous-version": "" if previous is None else previous, "changed": "true"}
    )
    runner.summary(summary.promotion_summary(model, stage, moved, runner.env, registry_url=client.url))
    runner.notice(
        f"{stage} now holds v{moved.version} (was {f'v{previous}' if previous is not None else 'empty'})",
        title=f"modelyard promoted {model}",
    )
    return 0


def step_rollback(runner: Runner, inputs: Inputs) -> int:
    model = inputs.model()
    stage = inputs.stage()
    assert stage is not None
    target = inputs.version("to-version", model, required=False)
    comment = inputs.get("comment") or None

    client = inputs.client(runner.env)
    moved = pointers.rollback(client, model, stage=stage, to_version=target, comment=comment, read_before=True)
    previous = moved.previous_version
    runner.set_outputs({"version": moved.version, "previous-version": "" if previous is None else previous})
    runner.summary(summary.rollback_summary(model, stage, moved, comment, runner.env, registry_url=client.url))
    runner.notice(
        f"{stage} now holds v{moved.version} (rolled back from v{previous})", title=f"modelyard rolled {model}"
    )
    return 0


STEPS: dict[str, Callable[[Runner, Inputs], int]] = {
    "register": step_register,
    "eval": step_eval,
    "validate": step_validate,
    "promote": step_promote,
    "rollback": step_rollback,
}

_HINTS = {
    401: "check that the `audience` input matches the registry's MODELYARD_AUDIENCE and that its issuer is trusted",
    404: "check the `model` and version inputs (actions/register creates models and versions)",
}


def _registry_message(exc: RegistryError) -> str:
    lines = [exc.detail or exc.title]
    lines.extend(str(err) for err in exc.errors)
    lines.extend(exc.violations)
    hint = _HINTS.get(exc.status)
    if hint:
        lines.append(hint)
    return "\n".join(lines)


def run(step: str, env: Mapping[str, str] | None = None, out: Any = None) -> int:
    """Run one step; report any failure as exactly one annotation; return the exit status."""
    runner = Runner(env, out)
    inputs = Inputs(runner.env)
    verb = "validate" if step == "eval" else step
    try:
        return STEPS[step](runner, inputs)
    except StepFailed:
        return 1
    except InputError as exc:
        runner.error(exc.message, title=f"modelyard {verb}: invalid input {exc.name}")
    except RegistryError as exc:
        runner.error(_registry_message(exc), title=f"modelyard {verb}: {exc.title} (HTTP {exc.status})")
    except ClientError as exc:
        runner.error(str(exc), title=f"modelyard {verb} failed")
    except ModelyardError as exc:  # pragma: no cover - every error above is a subclass
        runner.error(str(exc), title=f"modelyard {verb} failed")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in STEPS:
        print(f"usage: run_step.py {{{','.join(STEPS)}}}", file=sys.stderr)
        return 2
    return run(args[0])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
