"""Admin commands of the CLI: the security log and restoring an archived version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import Cli, deployer_token, write_bytes

ADMIN = "acme/platform"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0, issuer_port=0, moto_port=0, extra_env={"MODELYARD_ADMIN_REPOSITORIES": ADMIN}) as running:
        yield running


def test_admins_read_outsiders_refusals_and_restore_archived_versions(
    stack: LocalStack, cli: Cli, model_name: str, tmp_path: Path
) -> None:
    cli.run("register", model_name, str(write_bytes(tmp_path / "m.bin", b"weights")), "--create-model")
    outsider = stack.mint(repository="evil/fork", environment="staging")
    refused = cli.run("promote", model_name, "1", "--stage", "staging", token=outsider, expect=1)
    assert "does not own" in refused.stderr
    assert cli.run("security-log", expect=1).returncode == 1  # the owner is no admin
    admin = stack.mint(repository=ADMIN)
    log = cli.run("security-log", "--json", token=admin).json()
    assert [(entry["repository"], entry["model"]) for entry in log] == [("evil/fork", model_name)]
    assert "evil/fork" in cli.run("security-log", token=admin).stdout

    cli.run("archive", model_name, "1", "--reason", "wrong labels")
    assert cli.run("restore", model_name, "1", "--reason", "labels were right", expect=1).returncode == 1
    restored = cli.run("restore", model_name, "1", "--reason", "labels were right", "--json", token=admin).json()
    assert restored["status"] == "ready"
    cli.run("promote", model_name, "1", "--stage", "staging", token=deployer_token(stack, "staging"))
    assert cli.run("show", f"models:/{model_name}/stage/staging", "--json").json()["version"] == 1
