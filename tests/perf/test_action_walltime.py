"""Benchmark: wall time of the register action's steps for a small model against the local stack.

Target: under 2 s for the whole step (python3 start-up, OIDC token request, hashing, register,
presigned PUT, complete, summary), with nothing installed: the step runs the base interpreter on
the action's own copy of the client. Prints figures; asserts only that the action worked.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard_local.stack import LocalStack
from tests.support.actions_runner import Job, Runner, TokenEndpoint

RUNS = 5


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0, issuer_port=0, moto_port=0) as running:
        yield running


def test_register_action_walltime(stack: LocalStack, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    temp = tmp_path / "temp"
    workspace.mkdir()
    temp.mkdir()
    (workspace / "metrics.json").write_text(json.dumps({"auc": 0.9}), encoding="utf-8")
    times = []
    with TokenEndpoint(stack.mint) as tokens:
        runner = Runner(tokens=tokens, workspace=workspace, temp=temp, api_url=stack.api_url)
        for attempt in range(RUNS):
            (workspace / "model.onnx").write_bytes(bytes([attempt]) * 256 * 1024)  # a small model, 256 KiB
            result = runner.run(
                "register",
                {
                    "api-url": stack.api_url,
                    "model": "bench-walltime",
                    "artifact": "model.onnx",
                    "metrics-file": "metrics.json",
                },
                Job(),
            )
            assert result.ok, str(result)
            assert result.outputs["version"] == str(attempt + 1)
            times.append(result.seconds)
    print(
        f"\nregister action, 256 KiB model, local stack: first {times[0]:.2f} s, "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {RUNS} runs (target < 2 s)"
    )
