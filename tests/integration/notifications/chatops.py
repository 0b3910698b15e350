"""The chat-ops harness: a registry under the functions' IAM roles, loopback Slack, Teams and webhook receivers
with their secrets in SSM, a dead-letter queue, and the events pipeline read as the local stack reads it (the
`chatops` fixture in conftest.py sets it up). Everything AWS is moto in-process; the receivers are real HTTP
servers on 127.0.0.1 and the stream is read with the same code the local stack runs (the consumer is the Lambda's).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from modelyard_local.github import LocalGitHub
from modelyard_local.pipeline import LocalPipeline, Printer, StreamReader
from modelyard_local.receivers import Receiver
from modelyard_server.domain.event_record import EventRecord
from tests.integration.conftest import TABLE, Registry

ADMIN = "acme/platform"
PREFIX = "/modelyard/notifications/"
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
POLICY = {"stages": {"production": {"min_approvals": 1, "prevent_self_approval": True, "from_stages": []}}}


@dataclass
class ChatOps:
    registry: Registry
    slack: Receiver
    teams: Receiver
    hook: Receiver
    ssm: Any
    sqs: Any
    queue_url: str
    pipeline: LocalPipeline
    printed: list[str]
    github: LocalGitHub

    def admin(self) -> str:
        return self.registry.token(repository=ADMIN)

    def configure(self, **overrides: Any) -> Any:
        body = {
            "channels": [
                {"type": "slack", "name": "ml-slack", "url_parameter": PREFIX + "slack"},
                {"type": "teams", "name": "ml-teams", "url_parameter": PREFIX + "teams"},
                {"type": "webhook", "name": "deployer", "url": self.hook.url, "secret_parameter": PREFIX + "hook"},
            ],
            "routes": [
                {"channel": "ml-slack", "models": ["fraud*"]},
                {"channel": "ml-teams", "stages": ["production"]},
                {"channel": "deployer", "events": ["model.version.promoted", "model.version.rolled_back"]},
            ],
            **overrides,
        }
        return self.registry.call("PUT", "/v1/notifications", body=body, token=self.admin())

    def dead_letters(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        return [json.loads(message["Body"]) for message in answer.get("Messages", [])]


class PipelineUnderFunctionRoles(LocalPipeline):
    """The local pipeline with each part under the credentials it has on AWS.

    Lambda reads the stream for the events function with that function's role; the stream's ARN
    comes from the template (here: the harness looks it up). The bus's deliveries run the notifier
    under the notifier function's role.
    """

    def __init__(self, registry: Registry, printer: Printer) -> None:
        super().__init__(TABLE, printer)
        events_role = registry.principals.credentials["EventsFunction"].session()
        self._reader = StreamReader(registry.dynamodb, events_role.client("dynamodbstreams"), TABLE)
        self._principals = registry.principals

    def publish(self, event: EventRecord) -> None:
        with self._principals.acting_as("NotifierFunction"):
            super().publish(event)


def _two_versions_with_v1_in_production(ops: ChatOps) -> None:
    registry = ops.registry
    registry.create_model("fraud")
    registry.register("fraud", b"one", metrics={"auc": 0.91, "f1": 0.8})
    registry.register("fraud", b"two", metrics={"auc": 0.93, "latency_ms": 12.0})
    ops.github.approve("acme/fraud", "1001", "alice", "production", comment="ship it")
    for number in (1, 2):
        promoted = _promote(ops, number, comment=f"release {number}")
        assert promoted.status == 200, promoted


def _promote(ops: ChatOps, number: int, **body: Any) -> Any:
    token = ops.registry.token(environment="production", actor="bob", run_id="1001", ref="refs/heads/main")
    path = "/v1/models/fraud/stages/production/promote"
    return ops.registry.call("POST", path, body={"version": number, **body}, token=token)
