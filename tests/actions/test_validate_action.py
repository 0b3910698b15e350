"""actions/validate: the optional evaluation command, then the server's gate verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelyard.errors import RegistryError
from modelyard_local.stack import LocalStack
from tests.actions.conftest import put_in_production, sdk
from tests.support.actions_runner import Runner

EVALUATE = (
    'python3 -c \'import json, sys; json.dump({"auc": float(sys.argv[1]), "f1": 0.7}, open("metrics.json", "w"))\' '
)


def registered(stack: LocalStack, workspace: Path, model: str, metrics: dict[str, float]) -> Any:
    client = sdk(stack)
    path = workspace / "model.onnx"
    path.write_bytes(b"model " + model.encode())
    client.register(model, path, metrics=metrics, create_model=True)
    return client


def tighten(workspace: Path, document: dict[str, Any]) -> None:
    policy = workspace / ".modelyard" / "policy.json"
    policy.parent.mkdir(exist_ok=True)
    policy.write_text(json.dumps(document), encoding="utf-8")


def test_eval_command_then_passing_verdict(runner: Runner, workspace: Path, stack: LocalStack, model_name: str) -> None:
    client = registered(stack, workspace, model_name, {"auc": 0.5})
    tighten(workspace, {"gates": {"thresholds": [{"metric": "auc", "min": 0.9}]}})
    result = runner.run(
        "validate",
        {
            "api-url": runner.api_url,
            "model": model_name,
            "version": "1",
            "eval-command": EVALUATE + "0.95",
            "metrics-file": "metrics.json",
            "stage": "production",
        },
    )
    assert result.ok, str(result)
    assert [step.id for step in result.steps] == ["eval", "validate"]
    report = client.latest_validation(model_name, 1)
    assert result.outputs == {"passed": "true", "report-id": report["id"]}
    assert report["passed"] is True
    assert report["stage"] == "production"
    assert report["metrics"]["auc"] == 0.95  # the evaluation's metrics overlay the registered ones
    assert client.get_version(model_name, 1)["validation"]["status"] == "passed"
    assert f"validation of `{model_name}` v1 passed" in result.summary
    assert "| pass | auc &gt;= 0.9 | &gt;= 0.9 | 0.95 |" in result.summary
    assert "| `auc` | 0.95 | - | - |" in result.summary
    assert result.errors == []


def test_failed_gates_fail_the_step_with_one_error_per_check(
    runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    client = registered(stack, workspace, model_name, {"auc": 0.91, "f1": 0.9})
    put_in_production(stack, model_name, 1)
    client.register(model_name, workspace / "model.onnx", metrics={"auc": 0.8, "f1": 0.6})  # same bytes, v2
    tighten(
        workspace,
        {
            "gates": {
                "thresholds": [{"metric": "auc", "min": 0.85}, {"metric": "f1", "min": 0.5}],
                "no_regression": [{"metric": "f1", "against": "stage:production", "tolerance": 0.05}],
            }
        },
    )
    result = runner.run(
        "validate", {"api-url": runner.api_url, "model": model_name, "version": f"models:/{model_name}/2"}
    )
    assert result.returncode == 1, str(result)
    assert result.outputs["passed"] == "false"
    errors = result.errors
    assert len(errors) == 2, str(result)
    assert {e.properties["title"] for e in errors} == {f"modelyard gate failed: {model_name} v2"}
    assert any(e.message.startswith("auc >= 0.85: expected >= 0.85, actual 0.8") for e in errors)
    assert any("f1 no worse than stage production" in e.message and "actual 0.6" in e.message for e in errors)
    assert client.get_version(model_name, 2)["validation"]["status"] == "failed"
    assert "validation of" in result.summary and "FAILED" in result.summary
    assert "against production: v1" in result.summary
    assert "| `f1` | 0.6 | 0.9 | -0.3 |" in result.summary


def test_failing_eval_command_stops_before_the_registry(
    runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    client = registered(stack, workspace, model_name, {"auc": 0.9})
    result = runner.run(
        "validate",
        {"api-url": runner.api_url, "model": model_name, "version": "1", "eval-command": "echo evaluating; exit 3"},
    )
    assert result.returncode == 1
    assert [step.id for step in result.steps] == ["eval"]
    assert "evaluating" in result.stdout
    assert len(result.errors) == 1
    assert "exited with status 3" in result.errors[0].message
    with pytest.raises(RegistryError) as missing:
        client.latest_validation(model_name, 1)
    assert missing.value.status == 404


BAD = {
    "unknown model": ({"model": "no-such-model-anywhere"}, "(HTTP 404)", "there is no model"),
    "unreadable metrics JSON": ({"metrics": "{auc: 1}"}, "invalid input metrics", "not valid JSON"),
    "policy file that is not an object": ({"policy-file": "policy.json"}, "invalid input policy-file", "JSON object"),
    "version that is not a version": ({"version": "latest!"}, "invalid input version", "`version`"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_gives_one_error_and_validates_nothing(
    case: str, runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    client = registered(stack, workspace, model_name, {"auc": 0.9})
    (workspace / "policy.json").write_text("[1, 2]", encoding="utf-8")
    overrides, title, message = BAD[case]
    inputs = {"api-url": runner.api_url, "model": model_name, "version": "1", **overrides}
    result = runner.run("validate", inputs)
    assert result.returncode == 1, str(result)
    assert len(result.errors) == 1, str(result)
    assert title in result.errors[0].properties["title"]
    assert message in result.errors[0].message
    assert client.get_version(model_name, 1).get("validation") is None
