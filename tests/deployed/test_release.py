"""A release driven end to end through the emulated API Gateway with the CLI, on the template as written."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from modelyard_local.bundle import build_bundle, bundle_problems
from modelyard_local.bundle_lock import host_target
from tests.deployed.checks import (
    HTTP_TIMEOUT,
    OWNER,
    Target,
    check_api_answers,
    check_every_event_type_crosses_the_bus_rule,
    check_outbox_reaches_receivers,
    http,
)
from tests.deployed.conftest import MULTIPART_THRESHOLD
from tests.e2e.conftest import HttpAnswer

pytestmark = pytest.mark.deployed

POLICY = {
    "gates": {"thresholds": [{"metric": "accuracy", "min": 0.8}]},
    "stages": {
        "staging": {},
        "production": {"from_stages": ["staging"], "min_approvals": 1, "require_validation": True},
    },
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_deployed_bundle_holds_no_dev_tooling_and_builds_reproducibly(target: Target, tmp_path: Path) -> None:
    bundle = target.aws.bundle
    assert bundle is not None
    assert bundle_problems(bundle.path) == []
    again = build_bundle(host_target(), tmp_path)
    assert again.sha256 == bundle.sha256
    print(f"\n{bundle.summary()}")


def test_every_handler_imports_from_the_bundle_alone(target: Target, tmp_path: Path) -> None:
    """MiniStack's workers also see its own site-packages (pydantic, boto3, yaml...), which would hide a
    dependency missing from the bundle: each handler is imported here with nothing but the bundle."""
    bundle = target.aws.bundle
    assert bundle is not None
    with zipfile.ZipFile(bundle.path) as archive:
        archive.extractall(tmp_path)
    handlers = {
        resource["Properties"]["Handler"].rsplit(".", 1)[0]
        for resource in target.deployment.template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert len(handlers) == 5
    env = {
        "PATH": os.environ["PATH"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "MODELYARD_TABLE": "t",
        "MODELYARD_BUCKET": "b",
    }
    for module in sorted(handlers):
        imported = subprocess.run(
            [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import {module}"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert imported.returncode == 0, f"{module}: {imported.stderr[-1500:]}"


def test_the_api_route_reaches_the_api_function(target: Target) -> None:
    check_api_answers(target)


def test_a_release_through_the_emulated_api(target: Target, tmp_path: Path) -> None:
    model = f"churn-{uuid.uuid4().hex[:8]}"
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(POLICY))
    target.cli("policy", "set", str(policy_file), token=target.admin())
    owner = target.owner()

    small = os.urandom(200_000)
    (tmp_path / "v1.bin").write_bytes(small)
    first = target.cli(
        "register", model, str(tmp_path / "v1.bin"), "--create-model", "--metric", "accuracy=0.9", "--json", token=owner
    ).json()
    assert (first["version"], first["status"], first["artifact"]["sha256"]) == (1, "ready", _sha(small))

    large = os.urandom(MULTIPART_THRESHOLD + 1024 * 1024)  # over the lowered threshold: a multipart upload
    (tmp_path / "v2.bin").write_bytes(large)
    second = target.cli("register", model, str(tmp_path / "v2.bin"), "--metric", "accuracy=0.93", "--json", token=owner)
    assert (second.json()["version"], second.json()["status"]) == (2, "ready")
    assert second.json()["artifact"]["size"] == len(large)

    # downloads read the object by version id: the API role's s3:GetObjectVersion on AWS
    out = tmp_path / "out"
    out.mkdir()
    downloaded = target.cli("download", f"models:/{model}/2", "-o", str(out), "--json", token=owner).json()
    assert (out / "v2.bin").read_bytes() == large
    assert downloaded["sha256"] == _sha(large)

    staging = target.owner(environment="staging")
    target.cli("promote", model, "1", "--stage", "staging", token=staging)
    target.cli("promote", model, "2", "--stage", "staging", token=staging)

    run_id = str(uuid.uuid4().int % 10**9)
    validator = target.owner(run_id=run_id)
    validated = target.cli("validate", model, "2", "--stage", "production", "--json", token=validator).json()
    assert validated["passed"] is True, validated

    # production needs one approval of this run, read from GitHub through the App (stand-in on loopback)
    assert target.aws.github is not None
    target.aws.github.approve(OWNER, run_id, "carol", "production", comment="numbers look right")
    production = target.owner(environment="production", run_id=run_id, actor="dave")
    promoted = target.cli("promote", model, "2", "--stage", "production", "--json", token=production).json()
    assert promoted["version"] == 2

    # what the stage's rules forbid is refused (and recorded: model.promotion.denied)
    unapproved = target.owner(environment="production", run_id="404404", actor="dave")
    refused = target.cli("promote", model, "1", "--stage", "production", token=unapproved, expect=1)
    assert "refused by the stage's policy" in refused.stderr.lower()

    back = target.cli("rollback", model, "--stage", "staging", "--json", token=staging).json()
    assert (back["version"], back["previous_version"]) == (1, 2)

    # the protection rule: GitHub asks the gate function's own route about this run; it answers via the App
    secret = target.aws.client("secretsmanager").get_secret_value(
        SecretId=target.deployment.outputs["GitHubWebhookSecretArn"]
    )["SecretString"]
    payload = {
        "action": "requested",
        "environment": "production",
        "event": "push",
        "ref": "refs/heads/main",
        "sha": "a" * 40,
        "deployment_callback_url": f"https://api.github.com/repos/{OWNER}/actions/runs/{run_id}"
        "/deployment_protection_rule",
        "repository": {"id": 1, "full_name": OWNER, "name": "models", "owner": {"login": "acme"}},
        "installation": {"id": 4242},
        "sender": {"login": "bob", "id": 2},
    }
    body = json.dumps(payload).encode()
    answer = _deliver_webhook(target, body, "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())
    assert answer.status == 200, answer.body
    assert answer.json()["state"] == "approved", answer.json()
    assert target.aws.github.protection_answers[-1]["run_id"] == run_id
    assert target.aws.github.protection_answers[-1]["state"] == "approved"
    assert _deliver_webhook(target, body, "sha256=" + "0" * 64).status == 401  # a forged signature

    check_outbox_reaches_receivers(
        target,
        model,
        {
            "model.created",
            "model.version.registered",
            "model.version.ready",
            "model.version.validated",
            "model.version.promoted",
            "model.promotion.denied",
            "model.version.rolled_back",
            "model.protection_rule.answered",
        },
    )
    deliveries = [received.json()["data"] for received in target.receivers["all"].delivered()]
    to_production = [
        data
        for data in deliveries
        if (data["model"], data["type"], data["detail"].get("stage")) == (model, "model.version.promoted", "production")
    ]
    assert [approver["login"] for approver in to_production[0]["detail"]["approvers"]] == ["carol"]


def _deliver_webhook(target: Target, body: bytes, signature: str) -> HttpAnswer:
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "deployment_protection_rule",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": signature,
    }
    return http("POST", f"{target.api_url}/v1/github/webhook", body=body, headers=headers, timeout=HTTP_TIMEOUT)


def test_every_event_type_a_route_accepts_crosses_the_bus_rule(target: Target) -> None:
    check_every_event_type_crosses_the_bus_rule(target)


def test_the_web_pages_answer_through_the_emulated_api_gateway(target: Target) -> None:
    """A page read with a person's session cookie (API Gateway hands cookies to the function apart from the
    headers), the stylesheet from the bundle, and a browser without a session sent to sign in."""
    from modelyard_server.adapters.session_tokens import SessionTokens
    from modelyard_server.ports.identity import GitHubIdentity

    secret_name = f"{target.deployment.stack_name}/session-signing-key"
    key = target.aws.client("secretsmanager").get_secret_value(SecretId=secret_name)["SecretString"].encode()
    tokens = SessionTokens(key, "urn:modelyard:sessions", "modelyard-session", 600)  # no public URL configured
    session, _ = tokens.issue(GitHubIdentity(583231, "octocat", ("acme/ml",), ()))

    signed_in = http("GET", f"{target.api_url}/ui/", headers={"Cookie": f"__Host-modelyard-session={session}"})
    stylesheet = http("GET", f"{target.api_url}/ui/static/modelyard.css")
    sign_in = http("GET", f"{target.api_url}/ui/sign-in")

    assert signed_in.status == 200, (signed_in.status, signed_in.headers, signed_in.body[:500])
    assert b"Signed in as <strong>octocat</strong>" in signed_in.body
    assert signed_in.headers["content-security-policy"].startswith("default-src 'none'")
    assert stylesheet.status == 200 and stylesheet.headers["content-type"] == "text/css; charset=utf-8"
    assert sign_in.status == 200 and b"<h1>Sign in</h1>" in sign_in.body
