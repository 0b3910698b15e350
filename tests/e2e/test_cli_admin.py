"""Admin commands of the CLI: the security log, the governance trail and restoring an archived version."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import Cli, deployer_token, http, write_bytes

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


def test_policy_and_notification_changes_show_in_modelyard_audit(stack: LocalStack, cli: Cli, tmp_path: Path) -> None:
    admin = stack.mint(repository=ADMIN, actor="alice")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"gates": {"thresholds": [{"metric": "auc", "min": 0.9}]}}))
    cli.run("policy", "set", str(policy), token=admin)
    secret = "/modelyard/notifications/audit-hook"
    stack.set_parameter(secret, "whsec_" + base64.b64encode(b"k" * 32).decode())
    routes = {
        "channels": [
            {"type": "webhook", "name": "audit-hook", "url": "http://127.0.0.1:9/h", "secret_parameter": secret}
        ],
        "routes": [{"channel": "audit-hook"}],
    }
    headers = {"Content-Type": "application/json"}
    answer = http(
        "PUT", f"{stack.api_url}/v1/notifications", token=admin, body=json.dumps(routes).encode(), headers=headers
    )
    assert answer.status == 200, answer.body

    kinds = ("--kind", "policy.registry.set", "--kind", "notifications.set")
    trail = cli.run("audit", *kinds, "--json", token=admin).json()
    assert [event["type"] for event in trail] == ["notifications.set", "policy.registry.set"]
    assert trail[1]["after"]["document"]["gates"]["thresholds"][0]["metric"] == "auc"
    assert all(event["repository"] == ADMIN for event in trail)
    shown = cli.run("audit", *kinds, "--oldest-first", token=admin).stdout.splitlines()
    assert "policy.registry.set" in shown[1] and f"workflow {ADMIN}" in shown[1]
    assert "notifications.set" in shown[2] and "channels: audit-hook; 1 routes" in shown[2]
    history = cli.run("policy", "history", "--json").json()  # any token reads the policy's revisions
    assert [(item["revision"], item["digest"]) for item in history] == [(1, trail[1]["after"]["digest"])]
    assert "admins" in cli.run("audit", expect=1).stderr  # the models' owner is no admin
