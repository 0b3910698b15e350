"""A small stand-in for the GitHub Actions runner: executes a composite action's steps under bash.

What it does, after the runner's documented behaviour:

* reads ``action.yml`` (pyyaml), fills input defaults, and evaluates the few ``${{ }}``
  expressions composite actions use in ``env:`` and ``outputs:`` (``inputs.*``,
  ``steps.<id>.outputs.*``, ``github.action_path``, ``env.*``); any other expression is an
  error, so an action cannot silently rely on something this harness does not model;
* runs each ``run:`` step as a script file with ``bash --noprofile --norc -eo pipefail`` (the
  ``shell: bash`` template), in the workspace, with ``GITHUB_ACTIONS=true``, the job's
  ``GITHUB_*`` variables, ``GITHUB_ACTION_PATH``, fresh ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY``
  files per step and a job-wide ``GITHUB_ENV``;
* gives the job ``ACTIONS_ID_TOKEN_REQUEST_URL`` / ``_TOKEN`` only when it has ``id-token: write``,
  pointing at :class:`TokenEndpoint`, which answers like GitHub's (``GET …&audience=X`` with
  ``Authorization: bearer <request token>`` → ``{"value": <jwt>}``), minted by the local stack's
  issuer with the job's claims (``environment`` for a job that declares one);
* stops at the first failing step, like a composite action, and parses the workflow commands
  (``::error …::``) the steps printed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]
ACTIONS = REPO / "actions"
STEP_TIMEOUT = 60
_HOST_PREFIXES = ("GITHUB_", "ACTIONS_", "RUNNER_", "MODELYARD_")
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


# -- the OIDC token endpoint --------------------------------------------------------------


class TokenEndpoint:
    """Answers ``GET /_apis/token?api-version=2.0&audience=X`` like the Actions runtime does."""

    def __init__(self, mint: Callable[..., str]) -> None:
        self._mint = mint
        self._jobs: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                auth = self.headers.get("Authorization", "")
                scheme, _, presented = auth.partition(" ")
                claims = endpoint._jobs.get(presented) if scheme.lower() == "bearer" else None
                query = parse_qs(parts.query)
                endpoint.requests.append({"path": parts.path, "query": query, "authorized": claims is not None})
                if parts.path != "/_apis/token" or query.get("api-version") != ["2.0"]:
                    self._answer(404, {"message": "Not Found"})
                elif claims is None:
                    self._answer(401, {"message": "Bad credentials"})
                else:
                    audience = query.get("audience", [None])[0]
                    self._answer(200, {"count": 2, "value": endpoint._mint(audience=audience, **claims)})

            def _answer(self, status: int, body: Mapping[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TokenEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/_apis/token?api-version=2.0"

    def job(self, claims: Mapping[str, Any]) -> str:
        """A request token for one job; tokens minted with it carry ``claims``."""
        request_token = secrets.token_urlsafe(24)
        self._jobs[request_token] = dict(claims)
        return request_token


# -- jobs and results -------------------------------------------------------------------


@dataclass
class Job:
    """What the runner knows about the job an action runs in."""

    repository: str = "acme/models"
    environment: str | None = None
    id_token: bool = True  # permissions: id-token: write
    ref: str = "refs/heads/main"
    sha: str = field(default_factory=lambda: secrets.token_hex(20))
    run_id: str = field(default_factory=lambda: str(1_000_000 + secrets.randbelow(9_000_000)))
    run_attempt: str = "1"
    name: str = "release"
    actor: str = "octocat"
    env: dict[str, str] = field(default_factory=dict)

    def claims(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "environment": self.environment,
            "ref": self.ref,
            "sha": self.sha,
            "run_id": self.run_id,
            "run_attempt": self.run_attempt,
            "actor": self.actor,
        }


@dataclass
class Annotation:
    level: str
    properties: dict[str, str]
    message: str


@dataclass
class StepResult:
    id: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    seconds: float


@dataclass
class ActionResult:
    action: str
    steps: list[StepResult]
    outputs: dict[str, str]

    @property
    def returncode(self) -> int:
        return self.steps[-1].returncode if self.steps else 0

    @property
    def ok(self) -> bool:
        return all(step.returncode == 0 for step in self.steps)

    @property
    def stdout(self) -> str:
        return "".join(step.stdout for step in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(step.stderr for step in self.steps)

    @property
    def summary(self) -> str:
        return "".join(step.summary for step in self.steps)

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def annotations(self, level: str | None = None) -> list[Annotation]:
        found = parse_annotations(self.stdout)
        return [a for a in found if level is None or a.level == level]

    @property
    def errors(self) -> list[Annotation]:
        return self.annotations("error")

    def __str__(self) -> str:
        lines = [f"{self.action}: exit {self.returncode}, outputs {self.outputs}"]
        for step in self.steps:
            lines += [f"--- step {step.id} (exit {step.returncode}) stdout", step.stdout, "--- stderr", step.stderr]
        return "\n".join(lines)


def _unescape(text: str, *, prop: bool) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse_annotations(stdout: str) -> list[Annotation]:
    """``::error title=T::message`` lines, unescaped the way the runner does."""
    found = []
    for line in stdout.splitlines():
        match = re.match(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$", line)
        if not match:
            continue
        props: dict[str, str] = {}
        for item in filter(None, (match.group(2) or "").split(",")):
            key, _, value = item.partition("=")
            props[key] = _unescape(value, prop=True)
        found.append(Annotation(match.group(1), props, _unescape(match.group(3), prop=False)))
    return found


def parse_env_file(text: str) -> dict[str, str]:
    """``name=value`` and ``name<<DELIMITER`` … ``DELIMITER`` records (``$GITHUB_OUTPUT``, ``$GITHUB_ENV``)."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(body)
        else:
            name, sep, value = line.partition("=")
            assert sep, f"malformed record {line!r}"
            values[name] = value
    return values


# -- the runner -------------------------------------------------------------------------


def load_action(action: str | Path) -> dict[str, Any]:
    """An action's metadata: ``actions/<verb>`` by name, or the ``action.yml`` in a directory."""
    directory = action if isinstance(action, Path) else ACTIONS / action
    data: dict[str, Any] = yaml.safe_load((directory / "action.yml").read_text(encoding="utf-8"))
    return data


def evaluate(template: str, context: Mapping[str, Any]) -> str:
    """Substitute ``${{ a.b.c }}`` property paths from ``context``; anything else is refused."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if not re.fullmatch(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+", expression):
            raise ValueError(f"expression not supported by the test runner: {expression!r}")
        node: Any = context
        head, *rest = expression.split(".")
        if head not in ("inputs", "steps", "github", "env"):
            raise ValueError(f"context {head!r} is not available in a composite action here: {expression!r}")
        for part in [head, *rest]:
            node = node.get(part, "") if isinstance(node, Mapping) else ""
        return "" if node is None else str(node)

    return _EXPRESSION.sub(value, template)


def python_dir(tmp: Path) -> Path:
    """A bin directory whose ``python3`` is the base interpreter: no venv, no installed packages."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    target = base if base.exists() else Path(sys.executable)
    bindir = tmp / "bin"
    bindir.mkdir(exist_ok=True)
    link = bindir / "python3"
    if not link.exists():
        link.symlink_to(target)
    return bindir


@dataclass
class Runner:
    """Runs actions for jobs against a registry at ``api_url`` with tokens from ``tokens``."""

    tokens: TokenEndpoint
    workspace: Path
    temp: Path
    api_url: str
    base_env: dict[str, str] = field(default_factory=dict)

    def job_env(self, job: Job) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_HOST_PREFIXES)}
        env.pop("PYTHONPATH", None)
        env["PATH"] = f"{python_dir(self.temp)}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_REPOSITORY": job.repository,
                "GITHUB_REPOSITORY_OWNER": job.repository.split("/")[0],
                "GITHUB_SHA": job.sha,
                "GITHUB_REF": job.ref,
                "GITHUB_RUN_ID": job.run_id,
                "GITHUB_RUN_ATTEMPT": job.run_attempt,
                "GITHUB_JOB": job.name,
                "GITHUB_ACTOR": job.actor,
                "GITHUB_SERVER_URL": "https://github.com",
                "GITHUB_API_URL": "https://api.github.com",
                "GITHUB_WORKSPACE": str(self.workspace),
                "RUNNER_TEMP": str(self.temp),
                "RUNNER_OS": "Linux",
                "PYTHONUNBUFFERED": "1",
                "MODELYARD_MAX_ATTEMPTS": "2",
                "MODELYARD_TIMEOUT": "20",
            }
        )
        if job.id_token:
            env["ACTIONS_ID_TOKEN_REQUEST_URL"] = self.tokens.url
            env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = self.tokens.job(job.claims())
        env.update(self.base_env)
        env.update(job.env)
        return env

    def run_script(
        self, job: Job, step_id: str, script: str, env: Mapping[str, str], env_file: Path | None = None
    ) -> StepResult:
        """One ``run:`` step under ``bash --noprofile --norc -eo pipefail`` (``shell: bash``), in the workspace.

        ``env`` is the step's whole environment (see :meth:`job_env`); the step gets fresh
        ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY`` files and the job's ``GITHUB_ENV``.
        """
        tag = f"{step_id}-{secrets.token_hex(4)}"
        output, summary, script_file = (self.temp / f"{kind}-{tag}" for kind in ("output", "summary", "step"))
        output.touch()
        summary.touch()
        script_file.write_text(script, encoding="utf-8")
        if env_file is None:
            env_file = self.temp / f"env-{tag}"
            env_file.touch()
        step_env = {
            **env,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ENV": str(env_file),
        }
        started = time.perf_counter()
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=self.workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        seconds = time.perf_counter() - started
        outputs = parse_env_file(output.read_text(encoding="utf-8"))
        return StepResult(
            step_id, done.returncode, done.stdout, done.stderr, outputs, summary.read_text("utf-8"), seconds
        )

    def run(self, action: str | Path, inputs: Mapping[str, str], job: Job | None = None) -> ActionResult:
        """Run a composite action: one of ``actions/<verb>`` by name, or the action in a directory."""
        job = job or Job()
        action_path = action if isinstance(action, Path) else ACTIONS / action
        spec = load_action(action_path)
        label = action if isinstance(action, str) else action_path.name
        assert spec["runs"]["using"] == "composite"
        declared: dict[str, Any] = spec.get("inputs") or {}
        unknown = set(inputs) - set(declared)
        assert not unknown, f"{label} has no inputs {sorted(unknown)}"
        values = {name: str(inputs.get(name, (decl or {}).get("default", ""))) for name, decl in declared.items()}
        env = self.job_env(job)
        env_file = self.temp / f"env-{secrets.token_hex(4)}"
        env_file.touch()
        steps_ctx: dict[str, Any] = {}
        results: list[StepResult] = []
        for index, step in enumerate(spec["runs"]["steps"]):
            assert step.get("shell") == "bash", f"{label} step {index} must say shell: bash"
            assert "${{" not in step["run"], f"{label} step {index} templates an expression into run:"
            step_id = step.get("id") or f"__step{index}"
            context = {
                "inputs": values,
                "steps": steps_ctx,
                "github": {"action_path": str(action_path)},
                "env": env,
            }
            step_env = dict(env)
            step_env.update(parse_env_file(env_file.read_text(encoding="utf-8")))
            step_env.update({k: evaluate(str(v), context) for k, v in (step.get("env") or {}).items()})
            step_env.update({"GITHUB_ACTION_PATH": str(action_path), "GITHUB_ACTION": step_id})
            result = self.run_script(job, step_id, step["run"], step_env, env_file)
            steps_ctx[step_id] = {"outputs": result.outputs}
            results.append(result)
            if result.returncode != 0:
                break
        context = {"inputs": values, "steps": steps_ctx, "github": {"action_path": str(action_path)}, "env": env}
        action_outputs = {
            name: evaluate(str(decl.get("value", "")), context) for name, decl in (spec.get("outputs") or {}).items()
        }
        return ActionResult(label, results, action_outputs)


@contextmanager
def token_endpoint(mint: Callable[..., str]) -> Iterator[TokenEndpoint]:
    with TokenEndpoint(mint) as endpoint:
        yield endpoint
