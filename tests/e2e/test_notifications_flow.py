"""End to end: a promotion over HTTP reaches loopback Slack, Teams and webhook receivers through the local pipeline.

The stack runs what ``modelyard dev --notifications FILE`` runs: the table's stream polled into
the events consumer, an in-process bus and the notifier, with the channels' secrets in moto's SSM.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard_local.github import APP_ID, LocalGitHub
from modelyard_local.issuer import local_user_id
from modelyard_local.receivers import Receiver, start_receiver, stop_receivers
from modelyard_local.stack import LocalStack
from modelyard_server.adapters.channels import webhook
from tests.e2e.conftest import OWNER, http, sdk, write_bytes

ADMIN = "acme/platform"
PREFIX = "/modelyard/notifications/"
SECRET = "whsec_" + base64.b64encode(b"e2e-signing-key-of-32-bytes-long").decode()


@pytest.fixture(scope="module")
def receivers() -> Iterator[dict[str, Receiver]]:
    started = {
        "slack": start_receiver(body=b"ok"),
        "teams": start_receiver(status=202, body=b""),
        "hook": start_receiver(),
    }
    yield started
    stop_receivers(*started.values())


@pytest.fixture(scope="module")
def github() -> Iterator[LocalGitHub]:
    fake = LocalGitHub()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def printed() -> list[str]:
    return []


@pytest.fixture(scope="module")
def notifying_stack(receivers: dict[str, Receiver], github: LocalGitHub, printed: list[str]) -> Iterator[LocalStack]:
    notifications = {
        "parameters": {
            PREFIX + "slack": receivers["slack"].url,
            PREFIX + "teams": receivers["teams"].url,
            PREFIX + "hook": SECRET,
        },
        "channels": [
            {"type": "slack", "name": "ml", "url_parameter": PREFIX + "slack"},
            {"type": "teams", "name": "ops", "url_parameter": PREFIX + "teams"},
            {"type": "webhook", "name": "deployer", "url": receivers["hook"].url, "secret_parameter": PREFIX + "hook"},
        ],
        "routes": [
            {"channel": "ml", "stages": ["production"]},
            {"channel": "ops", "events": ["model.version.promoted"], "stages": ["production"]},
            {"channel": "deployer", "events": ["model.version.promoted"], "stages": ["production"]},
        ],
    }
    env = {
        "MODELYARD_ADMIN_REPOSITORIES": ADMIN,
        "MODELYARD_GITHUB_APP_ID": APP_ID,
        "MODELYARD_GITHUB_APP_PRIVATE_KEY": github.private_key_pem,
        "MODELYARD_GITHUB_API_URL": github.url,
        "MODELYARD_NOTIFY_BACKOFF_SECONDS": "0.01",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    with LocalStack(
        port=0, issuer_port=0, moto_port=0, extra_env=env, notifications=notifications, notify_printer=printed.append
    ) as running:
        yield running


def _wait_for(receiver: Receiver, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_promotion_sends_exactly_one_message_per_channel(
    notifying_stack: LocalStack, receivers: dict[str, Receiver], github: LocalGitHub, printed: list[str], tmp_path: Path
) -> None:
    stack = notifying_stack
    policy = {"document": {"stages": {"production": {"min_approvals": 1, "from_stages": []}}}}
    answer = http(
        "PUT",
        f"{stack.api_url}/v1/policy",
        token=stack.mint(repository=ADMIN),
        body=json.dumps(policy).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 200, answer.body
    owner = sdk(stack, stack.mint(repository=OWNER))
    owner.register(
        "churn", write_bytes(tmp_path / "v1.bin", b"one"), metrics={"auc": 0.81, "recall": 0.7}, create_model=True
    )
    owner.register(
        "churn", write_bytes(tmp_path / "v2.bin", b"two"), metrics={"auc": 0.84, "recall": 0.69}, create_model=True
    )
    github.approve(OWNER, "2002", "carol", "production", comment="numbers look right")
    deployer = sdk(stack, stack.mint(repository=OWNER, environment="production", actor="dave", run_id="2002"))
    deployer.promote("churn", 1, stage="production")
    deployer.promote("churn", 2, stage="production", comment="weekly retrain")

    for receiver in receivers.values():
        _wait_for(receiver, 2)
    time.sleep(0.5)  # nothing more should arrive
    assert [len(r.received) for r in receivers.values()] == [2, 2, 2]

    slack = receivers["slack"].received[1].json()
    fields = [field["text"] for field in slack["blocks"][1]["fields"]]
    assert fields == [
        "*Model*\nchurn",
        "*Stage*\nproduction",
        "*Version*\nv1 → v2",
        "*By*\ndave via acme/models",
        "*Approved by*\ncarol",
    ]
    assert slack["blocks"][2]["text"]["text"] == (
        "*Metrics vs previous holder*\n```auc     0.81 → 0.84 (+0.03)\nrecall  0.7 → 0.69 (-0.01)```"
    )
    card = receivers["teams"].received[1].json()["attachments"][0]["content"]
    assert {f["title"]: f["value"] for f in card["body"][1]["facts"]}["Approved by"] == "carol"
    # both link to the registry's comparison of the new holder with the previous one, on its public URL
    compare = f"{stack.public_url}/ui/compare?base=models%3A%2Fchurn%2F1&head=models%3A%2Fchurn%2F2"
    assert f"<{compare}|Compare v1 with v2>" in json.dumps(slack)
    assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "Compare v1 with v2", "url": compare}

    hook = receivers["hook"].received[1]
    assert webhook.verify(SECRET, hook.headers, hook.body, now=int(time.time()))
    data = hook.json()["data"]
    assert (data["type"], data["before"], data["after"]) == ("model.version.promoted", {"version": 1}, {"version": 2})
    assert data["detail"]["approvers"] == [
        {"login": "carol", "id": local_user_id("carol"), "comment": "numbers look right"}
    ]
    assert data["detail"]["metrics_before"] == {"auc": 0.81, "recall": 0.7}

    shown = [line.splitlines()[0] for line in printed]
    assert "[notify → slack:ml] churn v2 promoted to production by dave via acme/models" in shown
    assert "[notify → webhook:deployer] churn v2 promoted to production by dave via acme/models" in shown
