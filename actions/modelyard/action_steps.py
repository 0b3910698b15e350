"""What the composite actions (``actions/<verb>/action.yml``) run: one function per step.

An ``action.yml`` only declares inputs and passes them through ``env:`` as
``MODELYARD_INPUT_<NAME>`` (``api-url`` → ``MODELYARD_INPUT_API_URL``); the step itself is
``python3 "$GITHUB_ACTION_PATH/../run_step.py" <step>``. Each step here

1. checks every input before it touches the registry, so bad input changes nothing;
2. calls the stdlib :class:`~modelyard.client.Client` (the job's OIDC token, fetched and
   masked by :mod:`modelyard.oidc`);
3. writes its outputs to ``$GITHUB_OUTPUT`` and a reviewer's summary to ``$GITHUB_STEP_SUMMARY``;
4. fails with exactly one ``::error`` annotation that says what to do (a failed validation
   gets one per failed check instead) and a non-zero exit status.

Trust model of ``eval-command`` (the validate action): it is the workflow author's own input,
run with ``bash -c`` exactly like a ``run:`` step they could have written themselves. It reaches
the shell through an environment variable, never through ``${{ }}`` templating, so values
from events (branch names, PR titles) cannot be spliced into it by the action.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.errors import ClientError, ModelyardError, RegistryError
from modelyard.github import Runner, code, link, md, table
from modelyard.lineage import run_url
from modelyard.uris import check_name, check_pointer, is_semver, is_uri, parse_uri, parse_version_ref

if TYPE_CHECKING:
    from modelyard.client import Client

INPUT_PREFIX = "MODELYARD_INPUT_"
FORMATS = ("onnx", "safetensors", "joblib", "pickle", "tarball", "other")
DEFAULT_POLICY_FILE = ".modelyard/policy.json"
DEFAULT_COMPARE_STAGE = "production"
MAX_IDEMPOTENCY_KEY = 128
JSON = dict[str, Any]


class InputError(Exception):
    """An input is wrong; ``name`` is the action input to fix."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class StepFailed(Exception):
    """The step failed and has already said why (e.g. one annotation per failed gate)."""


# -- inputs ------------------------------------------------------------------------------


def env_name(input_name: str) -> str:
    """``api-url`` → ``MODELYARD_INPUT_API_URL``."""
    return INPUT_PREFIX + input_name.upper().replace("-", "_")


@dataclass
class Inputs:
    """The action's inputs, read from the environment the ``action.yml`` set up."""

    env: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.env.get(env_name(name), "").strip()

    def required(self, name: str, what: str) -> str:
        value = self.get(name)
        if not value:
            raise InputError(name, f"the `{name}` input is required: {what}")
        return value

    def model(self) -> str:
        value = self.required("model", "the model's name, e.g. fraud-detector")
        try:
            return check_name(value)
        except ValueError as exc:
            raise InputError("model", f"`model`: {exc}") from None

    def stage(self, name: str = "stage", *, required: bool = True) -> str | None:
        value = self.required(name, "a stage such as staging or production") if required else self.get(name)
        if not value:
            return None
        try:
            return check_pointer(value, "stage")
        except ValueError as exc:
            raise InputError(name, f"`{name}`: {exc}") from None

    def version(self, name: str, model: str, *, required: bool = True) -> int | str | None:
        """A number, a semver label, or a ``models:/`` URI of ``model`` (an alias or stage URI too)."""
        value = self.required(name, "a version number, semver label or models:/ URI") if required else self.get(name)
        if not value:
            return None
        try:
            if is_uri(value):
                uri = parse_uri(value)
                if uri.name != model:
                    raise ValueError(f"{value} names model {uri.name!r}, not {model!r}")
                return value
            return parse_version_ref(value)
        except ValueError as exc:
            raise InputError(name, f"`{name}`: {exc} (give a number, a semver label or a models:/ URI)") from None

    def boolean(self, name: str, default: bool) -> bool:
        value = self.get(name).lower()
        if not value:
            return default
        if value in ("true", "yes", "1", "on"):
            return True
        if value in ("false", "no", "0", "off"):
            return False
        raise InputError(name, f"`{name}` must be true or false, got {self.get(name)!r}")

    def file(self, name: str, what: str) -> Path | None:
        value = self.get(name)
        if not value:
            return None
        path = Path(value)
        if not path.is_file():
            state = "is a directory, not a file" if path.is_dir() else "does not exist"
            raise InputError(name, f"`{name}`: the {what} {value} {state} (paths are relative to {Path.cwd()})")
        return path

    def text_file(self, name: str, what: str) -> str | None:
        path = self.file(name, what)
        if path is None:
            return None
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError(name, f"`{name}`: the {what} {path} is not UTF-8 text") from None
        except OSError as exc:
            raise InputError(name, f"`{name}`: cannot read the {what} {path}: {exc.strerror or exc}") from None

    def json_object(self, file_input: str, inline_input: str | None, what: str) -> JSON | None:
        """A JSON object from a file input, overlaid by an inline JSON input; None when neither is set."""
        found: JSON | None = None
        text = self.text_file(file_input, f"{what} file")
        if text is not None:
            found = _parse_object(text, file_input, f"the {what} file {self.get(file_input)}")
        if inline_input and self.get(inline_input):
            inline = _parse_object(self.get(inline_input), inline_input, f"the inline {what}")
            found = {**(found or {}), **inline}
        return found

    def metrics(self, file_input: str = "metrics-file", inline_input: str = "metrics") -> dict[str, float] | None:
        raw = self.json_object(file_input, inline_input, "metrics")
        if raw is None:
            return None
        where = inline_input if self.get(inline_input) else file_input
        checked: dict[str, float] = {}
        for key, value in raw.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InputError(where, f"`{where}`: metric {key!r} must be a finite number, got {value!r}")
            checked[key] = value
        return checked

    def pairs(self, name: str) -> dict[str, str] | None:
        """``{"k": "v"}`` JSON, or ``k=v`` items separated by newlines or commas."""
        value = self.get(name)
        if not value:
            return None
        if value.startswith("{"):
            parsed = _parse_object(value, name, f"the `{name}` input")
            if not all(isinstance(v, str) for v in parsed.values()):
                raise InputError(name, f"`{name}`: every value must be a string")
            return {str(k): str(v) for k, v in parsed.items()}
        found: dict[str, str] = {}
        for item in value.replace(",", "\n").splitlines():
            if not item.strip():
                continue
            key, sep, val = item.partition("=")
            if not sep or not key.strip():
                raise InputError(name, f"`{name}`: expected key=value items (or a JSON object), got {item.strip()!r}")
            found[key.strip()] = val.strip()
        return found


def _parse_object(text: str, name: str, what: str) -> JSON:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(name, f"`{name}`: {what} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(name, f"`{name}`: {what} must be a JSON object ({{...}}), got {type(data).__name__}")
    return data


# -- the registry ----------------------------------------------------------------------


def make_client(inputs: Inputs, env: Mapping[str, str]) -> Client:
    from modelyard.client import Client

    url = inputs.get("api-url") or env.get("MODELYARD_URL", "").strip()
    if not url:
        raise InputError("api-url", "the `api-url` input is required: the registry's URL (or set MODELYARD_URL)")
    if not url.startswith(("https://", "http://")):
        raise InputError("api-url", f"`api-url` must start with https:// (or http:// for a local stack), got {url!r}")
    scoped = dict(env)
    audience = inputs.get("audience")
    if audience:
        scoped["MODELYARD_AUDIENCE"] = audience
    return Client(url=url, env=scoped, progress=False)


def _pointer_or_none(client: Client, model: str, stage: str) -> JSON | None:
    """The stage pointer, or None when the stage (or the model) holds nothing yet."""
    try:
        return client.get_stage(model, stage)
    except RegistryError as exc:
        if exc.status == 404:
            return None
        raise


# -- summary pieces --------------------------------------------------------------------


def metrics_table(
    candidate: Mapping[str, Any] | None,
    candidate_label: str,
    holder: Mapping[str, Any] | None,
    holder_label: str,
) -> str:
    """Candidate next to the stage's current holder, with the difference."""
    ours = dict(candidate or {})
    theirs = dict(holder or {})
    names = sorted(set(ours) | set(theirs))
    if not names:
        return "_No metrics recorded._"
    rows = []
    for metric in names:
        mine, other = ours.get(metric), theirs.get(metric)
        change = "-"
        if isinstance(mine, int | float) and isinstance(other, int | float):
            delta = float(mine) - float(other)
            change = "0" if delta == 0 else f"{delta:+.4g}"
        rows.append([code(metric), md(mine), md(other), change])
    return table(["metric", md(candidate_label), md(holder_label), "change"], rows)


def _holder_label(pointer: Mapping[str, Any] | None, stage: str) -> tuple[str, Mapping[str, Any] | None]:
    target = (pointer or {}).get("target")
    if not isinstance(target, Mapping) or (pointer or {}).get("version") is None:
        return f"{stage}: (empty)", None
    return f"{stage}: v{target.get('version')}", target.get("metrics") or {}


def _lineage_rows(version: Mapping[str, Any], env: Mapping[str, str]) -> list[list[str]]:
    lineage = version.get("lineage") or {}
    server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    repo = lineage.get("repository")
    commit = lineage.get("commit")
    rows: list[list[str]] = []
    if repo:
        rows.append(["repository", link(repo, f"{server}/{repo}")])
    if commit:
        target = f"{server}/{repo}/commit/{commit}" if repo else None
        rows.append(["commit", link(str(commit)[:12], target)])
    if lineage.get("ref"):
        rows.append(["ref", code(lineage["ref"])])
    if lineage.get("run_url"):
        rows.append(["workflow run", link("run", lineage["run_url"])])
    if lineage.get("data_uri"):
        rows.append(["training data", code(lineage["data_uri"])])
    if lineage.get("data_version"):
        rows.append(["data version", md(lineage["data_version"])])
    return rows


def _size(value: Any) -> str:
    if not isinstance(value, int):
        return "-"
    from modelyard.progress import human_bytes

    return f"{human_bytes(value)} ({value:,} bytes)"


def _digest(version: Mapping[str, Any]) -> str:
    sha = (version.get("artifact") or {}).get("sha256") or ""
    return f"sha256:{sha}" if sha else ""


# -- steps -----------------------------------------------------------------------------


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
    lineage = {"data_uri": inputs.get("data-uri"), "data_version": inputs.get("data-version")}

    client = make_client(inputs, env)
    version = client.register(
        model,
        artifact,
        format=fmt,
        framework=inputs.get("framework") or None,
        semver=semver,
        params=params,
        metrics=metrics,
        tags=tags,
        model_card=card,
        lineage={k: v for k, v in lineage.items() if v},
        description=inputs.get("description") or None,
        idempotency_key=key,
        create_model=create,
    )
    number = int(version["version"])
    uri = version.get("uri") or f"models:/{model}/{number}"
    digest = _digest(version)
    artifact_uri = f"{client.url}/v1/models/{model}/versions/{number}/download"
    runner.set_outputs({"version": number, "model-uri": uri, "digest": digest, "artifact-uri": artifact_uri})

    holder = _pointer_or_none(client, model, compare)
    holder_label, holder_metrics = _holder_label(holder, compare)
    record = version.get("artifact") or {}
    facts = [
        ["model URI", code(uri)],
        ["version", md(number) + (f" ({md(version.get('semver'))})" if version.get("semver") else "")],
        ["status", md(version.get("status"))],
        ["digest", code(digest)],
        ["artifact", f"{code(record.get('filename', ''))}, {md(record.get('format'))}, {_size(record.get('size'))}"],
        ["framework", md(version.get("framework"))],
        *_lineage_rows(version, env),
    ]
    parts = [
        f"### modelyard: registered {code(model)} v{number}",
        table(["", ""], facts),
        f"#### Metrics: v{number} against {md(holder_label)}",
        metrics_table(version.get("metrics"), f"v{number} (candidate)", holder_metrics, holder_label),
    ]
    if version.get("description"):
        parts.insert(1, f"> {md(version['description'])}")
    runner.summary("\n\n".join(parts) + "\n")
    runner.notice(f"{uri} registered ({digest})", title=f"modelyard registered {model} v{number}")
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
    env = runner.env
    model = inputs.model()
    ref = inputs.version("version", model)
    assert ref is not None
    metrics = inputs.metrics()
    policy = _repository_policy(inputs)
    stage = inputs.stage(required=False)
    compare = stage or inputs.stage("compare-stage", required=False) or DEFAULT_COMPARE_STAGE

    client = make_client(inputs, env)
    try:
        report = client.validate(model, ref, metrics=metrics, repository_policy=policy, stage=stage)
    except RegistryError as exc:
        if exc.type.endswith("/policy-loosened"):
            items = "; ".join(exc.violations) or exc.detail
            where = inputs.get("policy-file") or DEFAULT_POLICY_FILE
            raise InputError(
                "policy-file", f"{where} would loosen the registry's policy (a repository may only tighten it): {items}"
            ) from None
        raise
    number = int(report.get("version") or 0)
    passed = bool(report.get("passed"))
    runner.set_outputs({"passed": "true" if passed else "false", "report-id": report.get("id", "")})

    checks = [c for c in report.get("checks") or [] if isinstance(c, Mapping)]
    failed = [c for c in checks if not c.get("passed")]
    holder = _pointer_or_none(client, model, compare)
    holder_label, holder_metrics = _holder_label(holder, compare)
    verdict = "passed" if passed else f"failed ({len(failed)} of {len(checks)} checks)"
    rows = [
        [
            "pass" if c.get("passed") else "**FAIL**",
            md(c.get("name")),
            md(c.get("expected")),
            md(c.get("actual")),
            md(c.get("detail")),
        ]
        for c in checks
    ]
    parts = [
        f"### modelyard: validation of {code(model)} v{number} {'passed' if passed else 'FAILED'}",
        table(
            ["", ""],
            [
                ["verdict", md(verdict)],
                ["stage", md(stage or "(none)")],
                ["report", code(report.get("id", ""))],
                ["policy", code(report.get("policy_digest", ""))],
                ["repository policy", md("applied" if policy is not None else "none")],
            ],
        ),
        table(["", "check", "expected", "actual", "detail"], rows) if rows else "_No gates apply to this model._",
        f"#### Metrics: v{number} against {md(holder_label)}",
        metrics_table(report.get("metrics"), f"v{number} (candidate)", holder_metrics, holder_label),
    ]
    runner.summary("\n\n".join(parts) + "\n")
    if not passed:
        for check in failed:
            detail = f" ({check.get('detail')})" if check.get("detail") else ""
            runner.error(
                f"{check.get('name')}: expected {check.get('expected')}, actual {check.get('actual')}{detail}",
                title=f"modelyard gate failed: {model} v{number}",
            )
        raise StepFailed
    runner.notice(f"{len(checks)} check(s) passed", title=f"modelyard validated {model} v{number}")
    return 0


def _repository_policy(inputs: Inputs) -> JSON | None:
    """The repository's policy: the ``policy-file`` input, else ``.modelyard/policy.json`` if present."""
    if inputs.get("policy-file"):
        return inputs.json_object("policy-file", None, "repository policy")
    default = Path(DEFAULT_POLICY_FILE)
    if not default.is_file():
        return None
    fallback = Inputs({env_name("policy-file"): DEFAULT_POLICY_FILE})
    return fallback.json_object("policy-file", None, "repository policy")


def step_promote(runner: Runner, inputs: Inputs) -> int:
    env = runner.env
    model = inputs.model()
    ref = inputs.version("version", model)
    assert ref is not None
    stage = inputs.stage()
    assert stage is not None
    comment = inputs.get("comment") or None

    client = make_client(inputs, env)
    number = client.version_number(model, ref)
    before = _pointer_or_none(client, model, stage)
    pointer = client.promote(model, number, stage=stage, comment=comment)
    if pointer.get("already_held"):
        return _report_already_held(runner, model, stage, pointer)
    previous = pointer.get("previous_version")
    runner.set_outputs(
        {"version": pointer.get("version"), "previous-version": "" if previous is None else previous, "changed": "true"}
    )

    candidate = pointer.get("target") or {}
    holder_label, holder_metrics = _holder_label(before, stage)
    holder_label = holder_label.replace(f"{stage}:", "previous:")
    url = run_url(env)
    parts = [
        f"### modelyard: promoted {code(model)} v{pointer.get('version')} to {code(stage)}",
        table(
            ["", ""],
            [
                ["model URI", code(f"models:/{model}/stage/{stage}")],
                ["now", md(f"v{pointer.get('version')}")],
                ["previous", md(f"v{previous}" if previous is not None else "(empty)")],
                ["digest", code(f"sha256:{candidate.get('sha256', '')}")],
                ["by", md(pointer.get("updated_by"))],
                ["workflow run", link("run", url)],
            ],
        ),
        f"#### Metrics: v{pointer.get('version')} against {md(holder_label)}",
        metrics_table(candidate.get("metrics"), f"v{pointer.get('version')} (promoted)", holder_metrics, holder_label),
        f"Roll back with `actions/rollback` (stage `{stage}`) to return to the previous holder.",
    ]
    runner.summary("\n\n".join(parts) + "\n")
    runner.notice(
        f"{stage} now holds v{pointer.get('version')} (was {f'v{previous}' if previous is not None else 'empty'})",
        title=f"modelyard promoted {model}",
    )
    return 0


def _report_already_held(runner: Runner, model: str, stage: str, pointer: JSON) -> int:
    """A re-run promotion: the registry checked it like a move, and the stage already held the version."""
    version = pointer.get("version")
    runner.set_outputs({"version": version, "previous-version": version, "changed": "false"})
    message = f"{code(stage)} of {code(model)} already holds v{version}; nothing changed"
    runner.summary(f"### modelyard: {message}\n")
    runner.notice(f"{stage} already holds v{version}; nothing changed", title=f"modelyard promote {model}")
    return 0


def step_rollback(runner: Runner, inputs: Inputs) -> int:
    env = runner.env
    model = inputs.model()
    stage = inputs.stage()
    assert stage is not None
    target = inputs.version("to-version", model, required=False)
    comment = inputs.get("comment") or None

    client = make_client(inputs, env)
    before = _pointer_or_none(client, model, stage)
    pointer = client.rollback(model, stage=stage, to_version=target, comment=comment)
    previous = pointer.get("previous_version")
    runner.set_outputs({"version": pointer.get("version"), "previous-version": "" if previous is None else previous})

    now = pointer.get("target") or {}
    label, metrics = _holder_label(before, stage)
    label = label.replace(f"{stage}:", "rolled back:")
    parts = [
        f"### modelyard: rolled {code(stage)} of {code(model)} back to v{pointer.get('version')}",
        table(
            ["", ""],
            [
                ["now", md(f"v{pointer.get('version')}")],
                ["rolled back from", md(f"v{previous}" if previous is not None else "(empty)")],
                ["digest", code(f"sha256:{now.get('sha256', '')}")],
                ["by", md(pointer.get("updated_by"))],
                ["comment", md(comment)],
                ["workflow run", link("run", run_url(env))],
            ],
        ),
        f"#### Metrics: v{pointer.get('version')} against {md(label)}",
        metrics_table(now.get("metrics"), f"v{pointer.get('version')} (restored)", metrics, label),
    ]
    runner.summary("\n\n".join(parts) + "\n")
    runner.notice(
        f"{stage} now holds v{pointer.get('version')} (rolled back from v{previous})", title=f"modelyard rolled {model}"
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
