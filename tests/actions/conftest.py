"""Composite actions executed step by step under bash, against the local stack (see tests/support/actions_runner.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard_local.stack import LocalStack
from tests.support.actions_runner import Runner, TokenEndpoint

OWNER = "acme/models"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0, issuer_port=0, moto_port=0, github=True) as running:
        yield running


@pytest.fixture(scope="module")
def tokens(stack: LocalStack) -> Iterator[TokenEndpoint]:
    with TokenEndpoint(stack.mint) as endpoint:
        yield endpoint


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


@pytest.fixture
def runner(stack: LocalStack, tokens: TokenEndpoint, workspace: Path, tmp_path: Path) -> Runner:
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return Runner(tokens=tokens, workspace=workspace, temp=temp, api_url=stack.api_url)


@pytest.fixture
def model_name(request: pytest.FixtureRequest) -> str:
    stem = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower().removeprefix("test_"))[:40].strip("-")
    return f"{stem or 'm'}-{uuid.uuid4().hex[:8]}"


def sdk(stack: LocalStack, **claims: Any) -> Any:
    """The SDK in this process, as a job of the owner repository (``environment=`` for promotions)."""
    from modelyard.client import Client
    from modelyard.transport import RetryPolicy

    token = stack.mint(repository=claims.pop("repository", OWNER), **claims)
    return Client(url=stack.api_url, token=token, retry=RetryPolicy(attempts=2, base_delay=0.05), env={})


@pytest.fixture
def client(stack: LocalStack) -> Any:
    return sdk(stack)


def put_in_production(stack: LocalStack, model: str, version: int) -> None:
    """The way the registry's built-in rules allow: through staging, then a run approved by someone else."""
    sdk(stack, environment="staging").promote(model, version, stage="staging")
    run_id = str(uuid.uuid4().int % 10**9)
    stack.github.approve(OWNER, run_id, "alice", "production")
    sdk(stack, environment="production", actor="bob", run_id=run_id).promote(model, version, stage="production")
