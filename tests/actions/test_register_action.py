"""actions/register, run step by step under bash against the local stack."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from modelyard.errors import RegistryError
from modelyard_local.stack import LocalStack
from tests.actions.conftest import OWNER, put_in_production, sdk
from tests.support.actions_runner import Job, Runner, TokenEndpoint


def write(workspace: Path, name: str, data: str | bytes) -> Path:
    path = workspace / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def training_outputs(workspace: Path, auc: float = 0.91) -> bytes:
    model = b"onnx-bytes-" + str(auc).encode() + b"-" * 4096
    write(workspace, "out/model.onnx", model)
    write(workspace, "out/metrics.json", json.dumps({"auc": auc, "f1": 0.8}))
    write(workspace, "out/params.json", json.dumps({"max_depth": 6, "lr": 0.1}))
    write(workspace, "MODEL_CARD.md", "# Fraud detector\n\nTrained on November's card data.\n")
    return model


def versions(client: Any, model: str) -> list[dict[str, Any]]:
    try:
        return list(client.list_versions(model))
    except RegistryError as exc:
        if exc.status != 404:
            raise
        return []


def test_register_writes_outputs_summary_and_a_ready_version(
    runner: Runner, workspace: Path, client: Any, tokens: TokenEndpoint, model_name: str
) -> None:
    model_bytes = training_outputs(workspace)
    job = Job(repository=OWNER)
    result = runner.run(
        "register",
        {
            "api-url": runner.api_url,
            "model": model_name,
            "artifact": "out/model.onnx",
            "framework": "sklearn",
            "metrics-file": "out/metrics.json",
            "params-file": "out/params.json",
            "params": '{"lr": 0.05}',
            "tags": "team=risk\ntier = gold",
            "model-card": "MODEL_CARD.md",
            "data-uri": "s3://data/fraud/2026-11",
            "data-version": "2026-11",
            "description": "nightly retrain | <b>bold</b>",
        },
        job,
    )
    assert result.ok, str(result)
    digest = "sha256:" + hashlib.sha256(model_bytes).hexdigest()
    assert result.outputs == {
        "version": "1",
        "model-uri": f"models:/{model_name}/1",
        "digest": digest,
        "artifact-uri": f"{runner.api_url}/v1/models/{model_name}/versions/1/download",
    }
    assert result.errors == []

    stored = client.get_version(model_name, 1)
    assert stored["status"] == "ready"
    assert stored["artifact"]["sha256"] == digest.removeprefix("sha256:")
    assert stored["metrics"] == {"auc": 0.91, "f1": 0.8}
    assert stored["params"] == {"max_depth": 6, "lr": 0.05}
    assert stored["tags"] == {"team": "risk", "tier": "gold"}
    assert stored["framework"] == "sklearn"
    assert stored["model_card"].startswith("# Fraud detector")
    lineage = stored["lineage"]
    assert lineage["repository"] == OWNER
    assert lineage["commit"] == job.sha
    assert lineage["ref"] == "refs/heads/main"
    assert lineage["run_url"] == f"https://github.com/{OWNER}/actions/runs/{job.run_id}/attempts/1"
    assert lineage["data_uri"] == "s3://data/fraud/2026-11"
    assert lineage["data_version"] == "2026-11"

    summary = result.summary
    assert f"registered `{model_name}` v1" in summary
    assert digest in summary
    assert f"[{job.sha[:12]}](https://github.com/{OWNER}/commit/{job.sha})" in summary
    assert f"(https://github.com/{OWNER}/actions/runs/{job.run_id}/attempts/1)" in summary
    assert "`s3://data/fraud/2026-11`" in summary
    assert "| `auc` | 0.91 | - | - |" in summary  # nothing in production yet
    page = runner.api_url.rstrip("/") + f"/ui/models/{model_name}/versions/1"
    assert f"| registry page | [v1]({page}) |" in summary
    assert "production: (empty)" in summary
    assert "nightly retrain \\| &lt;b&gt;bold&lt;/b&gt;" in summary  # user text cannot break the table or inject HTML

    # the token came from the runner's endpoint for the registry's audience, and was masked first
    asked = [r for r in tokens.requests if r["authorized"]]
    assert asked and asked[-1]["query"]["audience"] == ["modelyard"]
    masked = [
        line.removeprefix("::add-mask::") for line in result.stdout.splitlines() if line.startswith("::add-mask::")
    ]
    assert masked, result.stdout
    for token in masked:
        assert result.stdout.count(token) == 1  # only in its own mask command
    assert "Bearer" not in result.stdout + result.stderr


def test_summary_compares_metrics_with_the_production_holder(
    runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    owner = sdk(stack)
    first = write(workspace, "v1.onnx", b"first model")
    owner.register(model_name, first, metrics={"auc": 0.88, "latency_ms": 12.0}, create_model=True)
    put_in_production(stack, model_name, 1)
    training_outputs(workspace, auc=0.93)

    result = runner.run(
        "register",
        {
            "api-url": runner.api_url,
            "model": model_name,
            "artifact": "out/model.onnx",
            "metrics-file": "out/metrics.json",
        },
    )
    assert result.ok, str(result)
    assert result.outputs["version"] == "2"
    assert "against production: v1" in result.summary
    assert "| `auc` | 0.93 | 0.88 | +0.05 |" in result.summary
    assert "| `latency_ms` | - | 12 | - |" in result.summary


def test_a_retried_step_in_the_same_attempt_registers_once(runner: Runner, workspace: Path, model_name: str) -> None:
    training_outputs(workspace)
    job = Job()
    inputs = {"api-url": runner.api_url, "model": model_name, "artifact": "out/model.onnx"}
    first = runner.run("register", inputs, job)
    again = runner.run("register", inputs, job)
    rerun = runner.run("register", inputs, Job(run_id=job.run_id, run_attempt="2", sha=job.sha))
    assert [first.outputs["version"], again.outputs["version"], rerun.outputs["version"]] == ["1", "1", "2"]


def test_a_directory_is_registered_as_a_reproducible_tarball(runner: Runner, workspace: Path, model_name: str) -> None:
    write(workspace, "model/config.json", "{}")
    write(workspace, "model/weights.bin", b"\x00" * 1000)
    result = runner.run("register", {"api-url": runner.api_url, "model": model_name, "artifact": "model"})
    assert result.ok, str(result)
    assert result.outputs["digest"].startswith("sha256:")
    assert "tarball" in result.summary


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


BAD_INPUTS = {
    "missing artifact": ({"artifact": "out/nope.onnx"}, {}, "invalid input artifact", "out/nope.onnx does not exist"),
    "unreadable metrics JSON": (
        {"metrics-file": "out/broken.json"},
        {},
        "invalid input metrics-file",
        "is not valid JSON",
    ),
    "metrics file missing": ({"metrics-file": "out/none.json"}, {}, "invalid input metrics-file", "does not exist"),
    "metric that is not a number": (
        {"metrics": '{"auc": "high"}'},
        {},
        "invalid input metrics",
        "metric 'auc' must be a finite number",
    ),
    "unknown model": (
        {"create-model": "false"},
        {},
        "Model not found (HTTP 404)",
        "check the `model`",
    ),
    "hostile model name": ({"model": '"; touch pwned; "'}, {}, "invalid input model", "`model`"),
    "missing id-token permission": ({}, {"id_token": False}, "modelyard register failed", "id-token: write"),
    "registry unreachable": ({"api-url": "CLOSED"}, {}, "modelyard register failed", "registry unreachable"),
    "foreign audience": ({"audience": "someone-else"}, {}, "(HTTP 401)", "audience"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_gives_one_clear_error_and_registers_nothing(
    case: str, runner: Runner, workspace: Path, client: Any, model_name: str
) -> None:
    overrides, job_fields, title, message = BAD_INPUTS[case]
    training_outputs(workspace)
    write(workspace, "out/broken.json", '{"auc": 0.9,')
    inputs = {"api-url": runner.api_url, "model": model_name, "artifact": "out/model.onnx", **overrides}
    if inputs["api-url"] == "CLOSED":
        inputs["api-url"] = closed_port_url()
    result = runner.run("register", inputs, Job(**job_fields))

    assert result.returncode == 1, str(result)
    errors = result.errors
    assert len(errors) == 1, str(result)
    assert title in errors[0].properties["title"]
    assert message in errors[0].message, errors[0].message
    assert result.outputs["version"] == ""
    assert versions(client, model_name) == []
    assert not (workspace / "pwned").exists()
    if case == "registry unreachable":
        assert "after 2 attempts" in errors[0].message
