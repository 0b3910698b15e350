"""actions/validate with a repository policy that tries to loosen the admin's registry policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.errors import RegistryError
from modelyard_local.stack import LocalStack
from tests.actions.conftest import sdk
from tests.support.actions_runner import Runner

ADMIN = "acme/platform"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0, issuer_port=0, moto_port=0, extra_env={"MODELYARD_ADMIN_REPOSITORIES": ADMIN}) as running:
        admin = sdk(running, repository=ADMIN)
        admin.set_policy(
            {
                "gates": {"thresholds": [{"metric": "auc", "min": 0.8}]},
                "stages": {"production": {"min_approvals": 1, "require_validation": True}},
            }
        )
        yield running


def test_loosening_repository_policy_fails_the_step_and_validates_nothing(
    runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    client = sdk(stack)
    artifact = workspace / "model.onnx"
    artifact.write_bytes(b"model " + model_name.encode())
    client.register(model_name, artifact, metrics={"auc": 0.6}, create_model=True)
    looser = {
        "gates": {"thresholds": [{"metric": "auc", "min": 0.5}]},
        "stages": {"production": {"min_approvals": 0}},
    }
    (workspace / ".modelyard").mkdir()
    (workspace / ".modelyard" / "policy.json").write_text(json.dumps(looser), encoding="utf-8")
    result = runner.run("validate", {"api-url": runner.api_url, "model": model_name, "version": "1"})
    assert not result.ok
    assert len(result.errors) == 1, result.errors
    message = result.errors[0].message
    assert "min_approvals" in message
    assert "auc" in message
    with pytest.raises(RegistryError) as missing:
        client.latest_validation(model_name, 1)
    assert missing.value.status == 404
    assert client.get_version(model_name, 1)["validation"] is None
