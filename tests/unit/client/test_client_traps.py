"""Traps a new user fell into with the SDK and the CLI (issue 8, item 19), each closed for good."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from client_fakes import FakeRegistry
from test_client_cli import run

from modelyard import Client
from modelyard.errors import ClientError, RegistryError
from modelyard.transport import RetryPolicy


@pytest.fixture
def client(registry: FakeRegistry) -> Client:
    return Client(registry.base_url, "test-token", retry=RetryPolicy(attempts=2, base_delay=0.001), progress=False)


def _model_file(tmp_path: Path, name: str = "model.onnx", data: bytes = b"weights" * 100) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _usual_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def test_register_into_a_missing_model_creates_nothing_unless_asked(client: Client, registry, tmp_path, capsys) -> None:
    with pytest.raises(RegistryError) as info:
        client.register("fruad", _model_file(tmp_path))
    assert info.value.status == 404
    assert "create_model=True" in info.value.hint
    assert "modelyard create-model fruad" in str(info.value)
    assert registry.models == {}

    code, _, err = run(capsys, "register", "fruad", str(_model_file(tmp_path)))
    assert code == 1 and "--create-model" in err and registry.models == {}

    assert client.register("fraud", _model_file(tmp_path), create_model=True)["version"] == 1
    assert list(registry.models) == ["fraud"]


def test_download_takes_the_destination_second(client: Client, tmp_path: Path) -> None:
    data = b"weights" * 100
    client.register("fraud", _model_file(tmp_path, data=data), create_model=True)
    target = tmp_path / "file.onnx"
    assert client.download("models:/fraud/1", str(target)) == target
    assert target.read_bytes() == data
    assert client.download("fraud", tmp_path / "by-name.onnx", version=1).read_bytes() == data
    with pytest.raises(ClientError, match="version="):
        client.download("fraud", 1)  # type: ignore[arg-type]
    with pytest.raises(ClientError, match="version="):
        client.download("fraud", tmp_path / "x.onnx")


def test_download_never_overwrites_without_being_told_and_keeps_the_usual_mode(
    client: Client, tmp_path: Path, capsys
) -> None:
    data = b"weights" * 100
    client.register("fraud", _model_file(tmp_path, data=data), create_model=True)
    target = tmp_path / "out.onnx"
    target.write_bytes(b"my own work")

    with pytest.raises(ClientError, match="overwrite=True"):
        client.download("models:/fraud/1", target)
    code, _, err = run(capsys, "download", "models:/fraud/1", "-o", str(target))
    assert code == 1 and "--force" in err
    assert target.read_bytes() == b"my own work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx", "out.onnx"]  # no leftovers

    code, _, _ = run(capsys, "download", "models:/fraud/1", "-o", str(target), "--force")
    assert code == 0 and target.read_bytes() == data
    assert stat.S_IMODE(target.stat().st_mode) == _usual_mode()
    fresh = client.download("models:/fraud/1", tmp_path / "fresh.onnx")
    assert stat.S_IMODE(fresh.stat().st_mode) == _usual_mode()


def test_one_grammar_name_version_and_help_that_names_real_commands(registry, tmp_path: Path, capsys) -> None:
    assert run(capsys, "register", "--create-model", "fraud", str(_model_file(tmp_path)))[0] == 0
    code, out, err = run(capsys, "archive", "fraud", "1", "--reason", "leaked test data")
    assert (code, err) == (0, "")
    assert registry.versions["fraud"][0]["status"] == "archived"
    code, _, err = run(capsys, "archive", "models:/fraud/1", "--reason", "x")
    assert code == 2 and "NAME VERSION" in err

    code, out, _ = run(capsys, "--help")
    assert code == 0 and "alias show" not in out and "set, show or delete" not in out
    code, out, _ = run(capsys, "alias", "--help")
    assert code == 0 and "set, get or delete" in out and "show ALIAS" not in out


def test_sdk_promote_takes_the_version_before_the_stage_and_the_stage_by_keyword(client: Client, tmp_path) -> None:
    client.register("fraud", _model_file(tmp_path, "a.onnx", b"one"), create_model=True)
    client.register("fraud", _model_file(tmp_path, "b.onnx", b"two"))
    assert client.promote("fraud", 1, stage="production")["version"] == 1
    assert client.promote("fraud", "models:/fraud/2", stage="production")["version"] == 2
    with pytest.raises(TypeError):
        client.promote("fraud", "production", 1)  # type: ignore[misc]
    assert client.rollback("fraud", stage="production")["version"] == 1


def test_json_errors_are_the_problem_json_on_stderr(registry, capsys) -> None:
    code, out, err = run(capsys, "--json", "show", "models:/ghost/9")
    assert (code, out) == (1, "")
    problem = json.loads(err)
    assert problem["status"] == 404
    assert problem["title"] == "Model not found"
    assert problem["type"].endswith("/model-not-found")

    code, out, err = run(capsys, "register", "fraud", "/nonexistent/model.onnx", "--json")
    assert (code, out) == (1, "")
    assert "artifact not found" in json.loads(err)["detail"]


def test_stage_history_and_events_show_comments_and_denial_reasons(registry, client: Client, tmp_path, capsys) -> None:
    client.register("fraud", _model_file(tmp_path), create_model=True)
    client.promote("fraud", 1, stage="production", comment="weekly retrain")
    registry.deny("fraud", "production", 1, "the token's environment is 'staging', not 'production'")

    code, out, _ = run(capsys, "stage", "fraud", "production")
    assert code == 0 and "weekly retrain" in out
    code, out, _ = run(capsys, "events", "fraud")
    assert code == 0
    assert "weekly retrain" in out
    assert "the token's environment is 'staging', not 'production'" in out


def test_local_runs_are_not_shown_as_github_runs(registry, client: Client, tmp_path, capsys) -> None:
    client.register("fraud", _model_file(tmp_path), create_model=True)
    registry.events["fraud"][-1].update(
        run_id="4242",
        run_url="https://github.com/acme/fraud/actions/runs/4242",
        detail={"issuer": "http://127.0.0.1:8643"},
    )
    code, out, _ = run(capsys, "events", "fraud")
    assert code == 0
    assert "github.com/acme/fraud/actions/runs/4242" not in out
    assert "local run 4242" in out
