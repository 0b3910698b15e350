"""End to end: the local stack on free loopback ports, the CLI as a subprocess, HTTP with urllib.

Each test module gets its own :class:`LocalStack` (moto + local OIDC issuer + uvicorn) per
xdist worker, on ports the OS picks, so nothing collides and nothing leaks into other
modules' environment. The stack uses a small multipart threshold so a file of a few MiB
already takes the multipart path (5 MiB parts: S3's, and moto's, minimum).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modelyard_local.stack import LocalStack

# Each command gets its own data directory, all of them inside this one, removed when the session ends.
_SCRATCH = tempfile.TemporaryDirectory(prefix="modelyard-test-")

REPO = Path(__file__).resolve().parents[2]
ACTIONS_DIR = REPO / "actions"
MIB = 1024 * 1024
MULTIPART_THRESHOLD = 6 * MIB
PART_SIZE = 5 * MIB
OWNER = "acme/models"
CLI_TIMEOUT = 60

# Variables of the surrounding job that would change what the CLI does (CI detection, OIDC,
# lineage, a registry configured elsewhere): the subprocess gets none of them unless a test asks.
_HOST_PREFIXES = ("GITHUB_", "ACTIONS_", "RUNNER_", "MODELYARD_")


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(
        port=0,
        issuer_port=0,
        moto_port=0,
        extra_env={
            "MODELYARD_MULTIPART_THRESHOLD": str(MULTIPART_THRESHOLD),
            "MODELYARD_PART_SIZE": str(PART_SIZE),
            # one part URL per answer: every multipart upload asks the registry for its further pages
            "MODELYARD_UPLOAD_PARTS_PAGE": "1",
        },
    ) as running:
        yield running


@pytest.fixture
def model_name(request: pytest.FixtureRequest) -> str:
    """A model name no other test (or worker, or earlier run) uses."""
    stem = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower().removeprefix("test_"))[:40].strip("-")
    return f"{stem or 'm'}-{uuid.uuid4().hex[:8]}"


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_HOST_PREFIXES)}
    paths = [str(ACTIONS_DIR), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONUNBUFFERED"] = "1"
    env["MODELYARD_MAX_ATTEMPTS"] = "2"
    env["MODELYARD_TIMEOUT"] = "20"
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="data-", dir=_SCRATCH.name)  # `modelyard dev` keeps its data here
    return env


@dataclass
class Cli:
    """``python -m modelyard`` against the stack, with a token for ``repository``."""

    stack: LocalStack
    token: str | None
    cwd: Path

    def run(
        self,
        *args: str,
        token: str | None = "default",
        url: str | None = None,
        env: Mapping[str, str] | None = None,
        expect: int | None = 0,
    ) -> CliResult:
        environ = base_env()
        environ["MODELYARD_URL"] = url if url is not None else self.stack.api_url
        chosen = self.token if token == "default" else token
        if chosen is not None:
            environ["MODELYARD_TOKEN"] = chosen
        environ.update(env or {})
        return run_cli(args, environ, self.cwd, expect=expect)


def run_cli(
    args: tuple[str, ...],
    environ: Mapping[str, str],
    cwd: Path,
    *,
    expect: int | None = 0,
    timeout: float = CLI_TIMEOUT,
) -> CliResult:
    """``python -m modelyard ARGS`` in ``environ``; its exit status checked unless ``expect`` is None."""
    done = subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        env=dict(environ),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result = CliResult(done.returncode, done.stdout, done.stderr)
    if expect is not None:
        assert result.returncode == expect, str(result)
    return result


@pytest.fixture
def token(stack: LocalStack) -> str:
    return stack.mint(repository=OWNER)


@pytest.fixture
def cli(stack: LocalStack, token: str, tmp_path: Path) -> Cli:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return Cli(stack, token, workdir)


def sdk(stack: LocalStack, token: str) -> Any:
    """The SDK, in this process, against the stack, with ``token``."""
    from modelyard.client import Client
    from modelyard.transport import RetryPolicy

    return Client(
        url=stack.api_url,
        token=token,
        retry=RetryPolicy(attempts=2, base_delay=0.05, timeout=20.0),
        progress=False,
        env={},
    )


@pytest.fixture
def client(stack: LocalStack, token: str) -> Any:
    return sdk(stack, token)


def deployer_token(stack: LocalStack, stage: str) -> str:
    """A token from a job running in the stage's GitHub environment (promotions need one)."""
    return stack.mint(repository=OWNER, environment=stage)


@dataclass
class HttpAnswer:
    """An HTTP answer; header names lower-cased."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> HttpAnswer:
    """One raw request with urllib; error statuses are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpAnswer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpAnswer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
