"""How the CLI fails: exit status 1, a message on stderr that says what is wrong, nothing changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import OWNER, Cli, closed_port_url, write_bytes


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_unknown_model_and_version_print_the_problem_detail(cli: Cli, model_name: str, tmp_path: Path) -> None:
    missing = cli.run("show", model_name, expect=1)
    assert missing.stdout == ""
    line = _error_line(missing.stderr)
    assert line.startswith("error: Model not found: ")
    assert f"'{model_name}'" in line

    cli.run("register", model_name, str(write_bytes(tmp_path / "m.onnx", b"onnx")), "--create-model")
    version = cli.run("show", f"models:/{model_name}/7", expect=1)
    line = _error_line(version.stderr)
    assert "not found" in line.lower()
    assert f"'{model_name}'" in line
    assert "7" in line


def test_missing_file_says_what_to_fix_and_registers_nothing(
    cli: Cli, client: Any, model_name: str, tmp_path: Path
) -> None:
    client.create_model(model_name)
    gone = tmp_path / "does-not-exist" / "model.onnx"
    result = cli.run("register", model_name, str(gone), expect=1)
    line = _error_line(result.stderr)
    assert str(gone) in line
    assert "not found" in line
    assert "pass the path of a model file or directory" in line
    assert list(client.list_versions(model_name)) == []
    assert client.get_model(model_name)["latest_version"] == 0

    # the same without --create-model for a model that does not exist: it is not created either
    other = f"{model_name}-x"
    cli.run("register", other, str(gone), "--create-model", expect=1)
    assert cli.run("show", other, expect=1).returncode == 1


def test_register_into_a_model_without_create_model_names_the_flag(cli: Cli, model_name: str, tmp_path: Path) -> None:
    result = cli.run("register", model_name, str(write_bytes(tmp_path / "m.onnx", b"x")), expect=1)
    assert f"there is no model '{model_name}'" in _error_line(result.stderr)
    assert f"modelyard create-model {model_name}" in result.stderr and "--create-model" in result.stderr
    assert cli.run("show", model_name, expect=1).returncode == 1


def test_token_of_another_repository_is_refused_with_the_reason(
    cli: Cli, client: Any, stack: LocalStack, model_name: str, tmp_path: Path
) -> None:
    client.create_model(model_name)
    outsider = stack.mint(repository="someone/else")
    result = cli.run(
        "register", model_name, str(write_bytes(tmp_path / "m.onnx", b"weights")), token=outsider, expect=1
    )
    assert _error_line(result.stderr) == (
        f"error: Not allowed: repository 'someone/else' does not own model '{model_name}' (owners: {OWNER})"
    )
    assert list(client.list_versions(model_name)) == []

    alias = cli.run("alias", "set", model_name, "champion", "1", token=outsider, expect=1)
    assert _error_line(alias.stderr).startswith("error: Not allowed: repository 'someone/else'")


def test_missing_and_rejected_tokens(cli: Cli, stack: LocalStack, model_name: str) -> None:
    none = cli.run("show", model_name, token=None, expect=1)
    line = _error_line(none.stderr)
    assert "no token for the registry" in line
    assert "MODELYARD_TOKEN" in line

    # the registry's 401 answers, as the user reads them
    expired = stack.mint(repository=OWNER, environment="staging", ttl=-600)
    refused = cli.run("show", model_name, token=expired, expect=1)
    assert _error_line(refused.stderr) == "error: Invalid bearer token: the bearer token has expired"
    assert f"export MODELYARD_TOKEN=$(modelyard dev-token --repository {OWNER} --environment staging)" in refused.stderr

    garbage = cli.run("list", token="not-a-jwt", expect=1)
    assert _error_line(garbage.stderr).startswith("error: Invalid bearer token: ")
    assert "not-a-jwt" not in garbage.stderr


def test_unreachable_registry_fails_clearly_after_retries(cli: Cli) -> None:
    url = closed_port_url()
    result = cli.run("list", url=url, env={"MODELYARD_MAX_ATTEMPTS": "2"}, expect=1)
    line = _error_line(result.stderr)
    assert line.startswith(f"error: registry unreachable at {url}/v1/models after 2 attempts")
    assert "refused" in line.lower()


def test_github_actions_errors_are_annotations_too(cli: Cli, model_name: str) -> None:
    result = cli.run("show", model_name, env={"GITHUB_ACTIONS": "true"}, expect=1)
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1, result.stdout
    assert annotations[0].startswith("::error title=modelyard show::Model not found: "), annotations
    assert model_name in annotations[0]
    assert _error_line(result.stderr).startswith("error: Model not found")

    usage = cli.run("promote", model_name, env={"GITHUB_ACTIONS": "true"}, expect=2)
    assert any(line.startswith("::error title=modelyard promote::") for line in usage.stdout.splitlines())
