"""The checks the deployed-shape tier makes, as functions of a :class:`Target` (one deployed stack).

They are functions rather than tests so the harness test can run the same check against a stack
deployed from a deliberately broken template and see it fail.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelyard_local.aws_deploy import Deployment
from modelyard_local.aws_local import ADMIN_REPOSITORY, AwsLocal
from modelyard_local.receivers import Receiver
from modelyard_server.domain.notification_config import EVENT_TYPES
from tests.e2e.conftest import CliResult, HttpAnswer, base_env, http, run_cli

OWNER = "acme/models"
PREFIX = "/modelyard/notifications/"
SECRET = "whsec_" + base64.b64encode(b"deployed-tier-signing-key-32byte").decode()
# A cold function in the emulator takes seconds, and tens of seconds on a loaded 2-core machine.
CLI_TIMEOUT = 180
HTTP_TIMEOUT = 120


@dataclass
class Target:
    """One stack on the emulator, with the loopback edges its checks talk to."""

    aws: AwsLocal
    deployment: Deployment
    receivers: dict[str, Receiver]
    workdir: Path
    notes: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.deployment.api_url

    def cli(self, *args: str, token: str, expect: int | None = 0, env: dict[str, str] | None = None) -> CliResult:
        environ = base_env()
        environ.update(
            {"MODELYARD_URL": self.api_url, "MODELYARD_TOKEN": token, "MODELYARD_TIMEOUT": str(HTTP_TIMEOUT)}
        )
        environ.update(env or {})
        return run_cli(args, environ, self.workdir, expect=expect, timeout=CLI_TIMEOUT)

    def call(self, method: str, path: str, token: str | None, body: Any = None) -> HttpAnswer:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        return http(method, f"{self.api_url}{path}", token=token, body=data, headers=headers, timeout=HTTP_TIMEOUT)

    def admin(self) -> str:
        return self.aws.mint(repository=ADMIN_REPOSITORY)

    def owner(self, **claims: Any) -> str:
        return self.aws.mint(repository=OWNER, **claims)


# ------------------------------------------------------------------ notifications setup


def configure_notifications(target: Target) -> None:
    """A webhook channel for every event type, and a flaky one for alias changes (the DLQ check)."""
    ssm = target.aws.client("ssm")
    ssm.put_parameter(Name=PREFIX + "hook", Value=SECRET, Type="SecureString", Overwrite=True)
    config = {
        "channels": [
            {"type": "webhook", "name": "all", "url": target.receivers["all"].url, "secret_parameter": PREFIX + "hook"},
            {
                "type": "webhook",
                "name": "flaky",
                "url": target.receivers["flaky"].url,
                "secret_parameter": PREFIX + "hook",
            },
        ],
        "routes": [
            {"channel": "all", "events": ["*"], "validations": "all"},
            {"channel": "flaky", "events": ["model.alias.set"]},
        ],
    }
    answer = target.call("PUT", "/v1/notifications", target.admin(), config)
    assert answer.status == 200, answer.body


def delivered_types(receiver: Receiver, model: str) -> set[str]:
    return {r.json()["data"]["type"] for r in receiver.delivered() if r.json()["data"]["model"] == model}


def wait_for_types(receiver: Receiver, model: str, wanted: set[str], timeout: float) -> set[str]:
    """The event types about ``model`` delivered to ``receiver``, once all of ``wanted`` are or time is up."""
    deadline = time.monotonic() + timeout
    while not wanted <= (seen := delivered_types(receiver, model)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return seen


# ------------------------------------------------------------------ checks


def check_api_answers(target: Target) -> None:
    """The API route reaches the API function: an anonymous call is a 401 problem, a token's call a 200."""
    anonymous = target.call("GET", "/v1/models", None)
    assert anonymous.status == 401, (anonymous.status, anonymous.body[:300])
    assert anonymous.headers["content-type"] == "application/problem+json"
    listed = target.call("GET", "/v1/models", target.owner())
    assert listed.status == 200, (listed.status, listed.body[:300])


def check_every_event_type_crosses_the_bus_rule(target: Target, timeout: float = 180.0) -> None:
    """Each type a notification route accepts, put on the bus as the events function would, reaches a receiver."""
    model = f"bus-{uuid.uuid4().hex[:8]}"
    entries = []
    for event_type in EVENT_TYPES:
        record = {
            "id": f"evt-{uuid.uuid4().hex}",
            "type": event_type,
            "model": model,
            "version": 1,
            "at": datetime.now(UTC).isoformat(),
            "actor": "deployed-tier",
            "repository": OWNER,
            "detail": {},
        }
        entries.append(
            {
                "Source": "modelyard",
                "DetailType": event_type,
                "Detail": json.dumps(record),
                "EventBusName": target.deployment.outputs["EventBusName"],
            }
        )
    events = target.aws.client("events")
    for start in range(0, len(entries), 10):  # PutEvents takes at most 10 entries
        answer = events.put_events(Entries=entries[start : start + 10])
        assert answer["FailedEntryCount"] == 0, answer
    seen = wait_for_types(target.receivers["all"], model, set(EVENT_TYPES), timeout)
    missing = sorted(set(EVENT_TYPES) - seen)
    assert not missing, f"never delivered through the bus rule: {missing}"


def check_outbox_reaches_receivers(target: Target, model: str, wanted: set[str], timeout: float = 180.0) -> None:
    """Events the registry recorded travel table stream -> events function -> bus -> notifier -> receiver."""
    seen = wait_for_types(target.receivers["all"], model, wanted, timeout)
    assert wanted <= seen, f"recorded but never delivered: {sorted(wanted - seen)} (delivered: {sorted(seen)})"


def queue_depth(target: Target, queue_url: str) -> int:
    attributes = target.aws.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def wait_for_queue_depth(target: Target, queue_url: str, at_least: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (depth := queue_depth(target, queue_url)) < at_least and time.monotonic() < deadline:
        time.sleep(0.3)
    return depth


def run_redrive(target: Target) -> subprocess.CompletedProcess[str]:
    """The operator's replay command, with the stack's settings and the emulator's endpoint."""
    outputs = target.deployment.outputs
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")},
        "AWS_ENDPOINT_URL": target.aws.endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MODELYARD_TABLE": outputs["TableName"],
        "MODELYARD_BUCKET": outputs["BucketName"],
        "MODELYARD_NOTIFY_DLQ_URL": outputs["NotificationDeadLetterQueueUrl"],
        "MODELYARD_NOTIFY_PARAMETER_PREFIX": PREFIX,
        "MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP": "true",
        "MODELYARD_NOTIFY_BACKOFF_SECONDS": "0.01",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "modelyard",
    }
    return subprocess.run(
        [sys.executable, "-m", "modelyard_server.handlers.redrive"],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
