"""`modelyard validate`: the gate table, then exit 1 when the verdict fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modelyard_local.stack import LocalStack
from tests.actions.conftest import OWNER, sdk
from tests.support.actions_runner import ACTIONS


def cli(stack: LocalStack, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ACTIONS_", "MODELYARD_"))}
    env.update(PYTHONPATH=str(ACTIONS), MODELYARD_URL=stack.api_url, MODELYARD_TOKEN=stack.mint(repository=OWNER))
    return subprocess.run(
        [sys.executable, "-m", "modelyard", "validate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_validate_prints_the_gates_and_exits_1_on_failure(
    stack: LocalStack, tmp_path: Path, model_name: str
) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"cli validate")
    sdk(stack).register(model_name, model, metrics={"auc": 0.8}, create_model=True)
    (tmp_path / "policy.json").write_text(json.dumps({"gates": {"thresholds": [{"metric": "auc", "min": 0.85}]}}))

    failed = cli(stack, tmp_path, model_name, "1", "--policy-file", "policy.json", "--stage", "production")
    assert failed.returncode == 1, failed.stderr
    assert "FAILED (1 of 1 checks)" in failed.stdout
    assert "FAIL  auc >= 0.85" in failed.stdout

    passed = cli(stack, tmp_path, model_name, "1", "--policy-file", "policy.json", "--metric", "auc=0.9", "--json")
    assert passed.returncode == 0, passed.stderr
    assert json.loads(passed.stdout)["passed"] is True
