"""Events pipeline and chat-ops: table stream → events consumer → bus → notifier → loopback Slack/Teams/webhook.

Everything AWS is moto in-process; the receivers are real HTTP servers on 127.0.0.1 and the
stream is read with the same code the local stack runs (the consumer is the Lambda's).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from modelyard_local.github import APP_ID, LocalGitHub
from modelyard_local.issuer import local_user_id
from modelyard_local.pipeline import LocalPipeline, Printer, StreamReader
from modelyard_local.receivers import Receiver, start_receiver, stop_receivers
from modelyard_server.adapters.channels import webhook
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.conftest import TABLE, Registry
from tests.integration.function_roles import ADMIN as HARNESS

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


@pytest.fixture
def chatops(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatOps]:
    github = LocalGitHub()
    slack, teams, hook = start_receiver(body=b"ok"), start_receiver(status=202, body=b""), start_receiver()
    sqs, ssm = registry.admin.client("sqs"), registry.admin.client("ssm")
    queue_url = registry.stack.notification_dlq_url
    for name, value in (("slack", slack.url), ("teams", teams.url), ("hook", SECRET)):
        ssm.put_parameter(Name=PREFIX + name, Value=value, Type="SecureString")
    env = {
        "MODELYARD_ADMIN_REPOSITORIES": ADMIN,
        "MODELYARD_NOTIFY_DLQ_URL": queue_url,
        "MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP": "true",
        "MODELYARD_NOTIFY_MAX_ATTEMPTS": "3",
        "MODELYARD_NOTIFY_BACKOFF_SECONDS": "0.01",
        "MODELYARD_NOTIFY_MAX_BACKOFF_SECONDS": "0.5",
        "MODELYARD_NOTIFY_TIMEOUT_SECONDS": "2",
        "MODELYARD_GITHUB_APP_ID": APP_ID,
        "MODELYARD_GITHUB_APP_PRIVATE_KEY": github.private_key_pem,
        "MODELYARD_GITHUB_API_URL": github.url,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    forget_configuration()
    printed: list[str] = []
    pipeline = PipelineUnderFunctionRoles(registry, printed.append)
    ops = ChatOps(registry, slack, teams, hook, ssm, sqs, queue_url, pipeline, printed, github)
    answer = registry.call("PUT", "/v1/policy", body={"document": POLICY}, token=ops.admin())
    assert answer.status == 200, answer
    yield ops
    stop_receivers(slack, teams, hook)
    github.stop()


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


def test_promotion_sends_one_message_per_channel_with_diff_and_approvers(chatops: ChatOps) -> None:
    assert chatops.configure().status == 200
    _two_versions_with_v1_in_production(chatops)
    chatops.pipeline.drain()

    # Slack gets every routed event of fraud* (promotions, no passing validations); Teams production only.
    assert [r.json()["blocks"][0]["text"]["text"] for r in chatops.slack.received] == [
        "fraud v1 promoted to production",
        "fraud v2 promoted to production",
    ]
    assert len(chatops.teams.received) == 2
    assert len(chatops.hook.received) == 2

    slack = chatops.slack.received[1].json()
    assert slack["text"] == "fraud v2 promoted to production by bob via acme/fraud"
    header, facts, metrics, comment, rollback, context = slack["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "fraud v2 promoted to production", "emoji": True},
    }
    assert [field["text"] for field in facts["fields"]] == [
        "*Model*\nfraud",
        "*Stage*\nproduction",
        "*Version*\nv1 → v2",
        "*By*\nbob via acme/fraud",
        "*Approved by*\nalice",
    ]
    assert metrics["text"]["text"] == (
        "*Metrics vs previous holder*\n```auc         0.91 → 0.93 (+0.02)\n"
        "f1          0.8 → — (dropped)\nlatency_ms  — → 12 (new)```"
    )
    assert comment["text"]["text"] == "*Comment*\n>release 2"
    assert rollback["text"]["text"] == '*Roll back*\n`modelyard rollback fraud --stage production --comment "why"`'
    assert context["type"] == "context"
    assert (
        context["elements"][0]["text"]
        == f"<{chatops.registry.issuer.url}/acme/fraud/actions/runs/1001/attempts/1|workflow run 1001>"
    )

    message = chatops.teams.received[1].json()
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0] == {
        "type": "TextBlock",
        "text": "fraud v2 promoted to production",
        "wrap": True,
        "size": "Large",
        "weight": "Bolder",
    }
    facts_by_title = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
    assert facts_by_title["Version"] == "v1 → v2"
    assert facts_by_title["Approved by"] == "alice"
    metric_facts = {fact["title"]: fact["value"] for fact in card["body"][3]["facts"]}
    assert metric_facts == {"auc": "0.91 → 0.93 (+0.02)", "f1": "0.8 → — (dropped)", "latency_ms": "— → 12 (new)"}
    assert {
        "type": "TextBlock",
        "text": 'modelyard rollback fraud --stage production --comment "why"',
        "wrap": True,
        "fontType": "Monospace",
    } in card["body"]
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open workflow run",
            "url": f"{chatops.registry.issuer.url}/acme/fraud/actions/runs/1001/attempts/1",
        }
    ]

    delivery = chatops.hook.received[1]
    assert webhook.verify(SECRET, delivery.headers, delivery.body, now=int(time.time()))
    envelope = delivery.json()
    assert envelope["type"] == "model.version.promoted"
    assert envelope["data"]["id"] == delivery.headers["webhook-id"]
    assert envelope["data"]["detail"]["approvers"] == [
        {"login": "alice", "id": local_user_id("alice"), "comment": "ship it"}
    ]
    assert envelope["data"]["detail"]["metrics_before"] == {"auc": 0.91, "f1": 0.8}


def test_standard_webhooks_signature_matches_the_spec_test_vector() -> None:
    # The example in the Standard Webhooks specification (and its reference libraries' tests).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert webhook.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330"}
    assert webhook.verify(secret, {**headers, "webhook-signature": f"v1,bm90IGl0 {expected}"}, body, now=1614265330)
    assert not webhook.verify(secret, {**headers, "webhook-signature": expected}, body + b" ", now=1614265330)
    assert not webhook.verify(secret, {**headers, "webhook-signature": expected}, body, now=1614265330 + 301)


def test_receiver_down_for_a_while_gets_the_message_once_it_is_back(chatops: ChatOps) -> None:
    assert chatops.configure(routes=[{"channel": "deployer", "events": ["model.version.promoted"]}]).status == 200
    chatops.hook.fail_next(1, status=503)
    chatops.hook.fail_next(1, status=429, headers={"Retry-After": "0"})
    _two_versions_with_v1_in_production(chatops)
    chatops.pipeline.drain()

    assert chatops.hook.answered[:3] == [503, 429, 200]
    ids = [request.headers["webhook-id"] for request in chatops.hook.received]
    assert ids[0] == ids[1] == ids[2]  # one event, retried: the same id each time
    assert len(chatops.hook.delivered()) == 2
    assert chatops.dead_letters() == []


def test_receiver_down_for_good_lands_in_the_dlq_with_its_reason_and_redrive_delivers(chatops: ChatOps) -> None:
    from modelyard_server.handlers.redrive import main as redrive

    assert chatops.configure(routes=[{"channel": "deployer", "events": ["model.version.promoted"]}]).status == 200
    chatops.hook.fail_next(3 * 2, status=500)  # both promotions, every attempt
    _two_versions_with_v1_in_production(chatops)
    chatops.pipeline.drain()

    letters = chatops.dead_letters()
    assert len(letters) == 2
    assert {letter["channel"] for letter in letters} == {"deployer"}
    assert letters[0]["reason"] == "HTTP 500: unavailable (gave up after 3 attempts)"
    assert letters[0]["attempts"] == 3
    failed_ids = {letter["event"]["id"] for letter in letters}

    with chatops.registry.principals.acting_as(HARNESS):  # an operator runs redrive with their own credentials
        assert redrive([]) == 0
    assert chatops.dead_letters() == []
    delivered = chatops.hook.delivered()
    assert {request.headers["webhook-id"] for request in delivered} == failed_ids
    assert all(webhook.verify(SECRET, r.headers, r.body, now=int(time.time())) for r in delivered)


def test_a_4xx_is_not_retried(chatops: ChatOps) -> None:
    assert chatops.configure(routes=[{"channel": "ml-slack", "events": ["model.version.promoted"]}]).status == 200
    chatops.slack.fail_next(1, status=404)
    _two_versions_with_v1_in_production(chatops)
    chatops.pipeline.drain()
    assert chatops.slack.answered == [404, 200]
    [letter] = chatops.dead_letters()
    assert letter["reason"] == "HTTP 404: unavailable (not retried)"


def test_the_same_event_twice_carries_the_same_id_and_is_posted_once(chatops: ChatOps) -> None:
    from modelyard_server.domain import notifier
    from modelyard_server.domain.event_record import EventRecord

    assert chatops.configure().status == 200
    _two_versions_with_v1_in_production(chatops)
    chatops.pipeline.drain()
    first = chatops.hook.received[-1]
    event = EventRecord.model_validate(first.json()["data"])

    with chatops.registry.principals.acting_as("NotifierFunction"):
        again = notifier.notify(event)  # EventBridge redelivers it
    assert {delivery.outcome for delivery in again} == {"duplicate"}
    assert len(chatops.hook.received) == 2

    chatops.hook.received.clear()
    notice = notifier.build_notice(event)
    channel = notifier.current_config().channel("deployer")
    assert channel is not None
    body = notifier.render(channel, notice).body
    assert body == first.body  # the same bytes, so the same event always verifies and dedupes on webhook-id


def test_stream_consumer_reports_only_unacknowledged_records(chatops: ChatOps) -> None:
    """A publish that fails midway: earlier records are acknowledged, it and every later one redelivered."""
    from modelyard_server.handlers.events import consume

    chatops.registry.create_model("fraud")
    chatops.registry.register("fraud", b"one")
    [(_, batch)] = chatops.pipeline._reader.batches()
    kinds = [record["dynamodb"]["NewImage"]["kind"]["S"] for record in batch]
    assert kinds.count("event") >= 3 and "model" in kinds and "version" in kinds
    assert "search_key" in kinds  # the version's search keys ride the stream too, and publish nothing

    published: list[str] = []

    def flaky(event: Any) -> None:
        if len(published) == 2:
            raise ConnectionError("bus unavailable")
        published.append(event.type)

    answer = consume({"Records": batch}, flaky)
    failed = [item["itemIdentifier"] for item in answer["batchItemFailures"]]
    numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
    third_event = [i for i, kind in enumerate(kinds) if kind == "event"][2]
    assert failed == numbers[third_event:]
    assert published == ["model.created", "model.version.registered"]

    redelivered: list[str] = []
    assert consume({"Records": batch[third_event:]}, lambda e: redelivered.append(e.type)) == {"batchItemFailures": []}
    assert redelivered == ["model.version.ready"]


def test_governance_changes_reach_the_audit_trail_but_never_the_bus(chatops: ChatOps) -> None:
    """Policy and routing changes are on the stream as governance items: the consumer skips them, so a
    route of every event (`*`) never receives a policy document and nothing expects a model that is none."""
    from modelyard_server.handlers.events import consume

    registry = chatops.registry
    registry.create_model("fraud")
    assert chatops.configure(routes=[{"channel": "deployer", "events": ["*"]}]).status == 200
    override = {"document": {}, "expected_revision": 0}
    assert registry.call("PUT", "/v1/models/fraud/policy", body=override, token=chatops.admin()).status == 200
    records = [record for _, batch in chatops.pipeline._reader.batches() for record in batch]
    kinds = [record["dynamodb"]["NewImage"]["kind"]["S"] for record in records]
    assert kinds.count("governance_event") == 3  # the fixture's registry policy, the routes, the override

    published: list[str] = []
    assert consume({"Records": records}, lambda event: published.append(event.type)) == {"batchItemFailures": []}
    assert published == ["model.created", "model.policy.set"]
    trail = registry.call("GET", "/v1/audit", query={"order": "oldest"}, token=chatops.admin()).body["items"]
    assert [e["type"] for e in trail] == ["policy.registry.set", "notifications.set", "policy.model.set"]


def test_bus_entries_carry_source_detail_type_and_the_event(chatops: ChatOps, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelyard_server.handlers import events
    from tests.support.api_events import LambdaContextStub

    bus = chatops.registry.stack.event_bus
    events_client = chatops.registry.admin.client("events")
    queue = chatops.sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
    queue_arn = chatops.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events_client.put_rule(
        Name="promotions",
        EventBusName=bus,
        EventPattern=json.dumps({"source": ["modelyard"], "detail-type": ["model.version.promoted"]}),
    )
    events_client.put_targets(Rule="promotions", EventBusName=bus, Targets=[{"Id": "tap", "Arn": queue_arn}])
    monkeypatch.setenv("MODELYARD_EVENT_BUS", bus)
    forget_configuration()

    _two_versions_with_v1_in_production(chatops)
    records = []  # every record on the stream: more than one batch of 25 since versions carry search keys
    while batches := chatops.pipeline._reader.batches():
        for shard, batch in batches:
            records.extend(batch)
            chatops.pipeline._reader.acknowledge(shard, batch, [])
    with chatops.registry.principals.acting_as("EventsFunction"):
        answer = events.lambda_handler({"Records": records}, LambdaContextStub())
    assert answer == {"batchItemFailures": []}

    answer = chatops.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    delivered = [json.loads(message["Body"]) for message in answer["Messages"]]
    assert [(d["source"], d["detail-type"], d["detail"]["version"]) for d in delivered] == [
        ("modelyard", "model.version.promoted", 1),
        ("modelyard", "model.version.promoted", 2),
    ]
    assert delivered[1]["detail"]["after"] == {"version": 2}


BAD_CONFIGS: list[tuple[dict[str, Any], str]] = [
    (
        {"channels": [{"type": "discord", "name": "x", "url_parameter": PREFIX + "slack"}]},
        "does not match any of the expected tags",
    ),
    (
        {
            "channels": [
                {"type": "webhook", "name": "x", "url": "https//no-scheme", "secret_parameter": PREFIX + "hook"}
            ]
        },
        "malformed URL",
    ),
    (
        {
            "channels": [
                {"type": "webhook", "name": "x", "url": "ftp://example.com/h", "secret_parameter": PREFIX + "hook"}
            ]
        },
        "expected https://",
    ),
    (
        {"channels": [{"type": "slack", "name": "x", "url_parameter": PREFIX + "missing"}]},
        "secret missing: parameter /modelyard/notifications/missing does not exist",
    ),
    (
        {"channels": [{"type": "slack", "name": "x", "url_parameter": "/elsewhere/slack"}]},
        "may only read parameters under /modelyard/notifications/",
    ),
    ({"channels": [{"type": "slack", "name": "x", "url_parameter": PREFIX + "hook"}]}, "is a malformed URL"),
    (
        {
            "channels": [
                {
                    "type": "webhook",
                    "name": "x",
                    "url": "https://example.com/h",
                    "secret_parameter": PREFIX + "slack",
                }
            ]
        },
        "does not start with 'whsec_'",
    ),
    ({"routes": [{"channel": "nowhere"}]}, "routes name channels that are not configured: nowhere"),
    ({"routes": [{"channel": "ml-slack", "events": ["model.exploded"]}]}, "unknown event type 'model.exploded'"),
    ({"routes": [{"channel": "ml-slack", "stages": ["prod"]}]}, "'prod' is not a stage of this registry"),
]


def test_bad_config_is_refused_when_set(chatops: ChatOps) -> None:
    for change, expect in BAD_CONFIGS:
        refused = chatops.configure(**({"routes": []} if "channels" in change else {}), **change)
        assert refused.status == 422, refused
        assert expect in refused.problem["detail"], refused.problem
    assert chatops.registry.call("GET", "/v1/notifications", token=chatops.admin()).body["revision"] == 0


def test_config_is_admin_only_and_revision_guarded(chatops: ChatOps) -> None:
    registry = chatops.registry
    assert registry.call("GET", "/v1/notifications").status == 403
    assert registry.call("PUT", "/v1/notifications", body={"channels": [], "routes": []}).status == 403
    assert chatops.configure().body["revision"] == 1
    stale = chatops.configure(expected_revision=0)
    assert stale.status == 409, stale
    view = registry.call("GET", "/v1/notifications", token=chatops.admin()).body
    assert view["revision"] == 1
    assert [channel["name"] for channel in view["channels"]] == ["ml-slack", "ml-teams", "deployer"]
    assert view["updated_by"] == f"{ADMIN}" or view["updated_by"].endswith(ADMIN)


def test_failed_validation_is_sent_and_passing_ones_are_not_by_default(chatops: ChatOps) -> None:
    registry = chatops.registry
    assert chatops.configure(routes=[{"channel": "ml-slack"}]).status == 200
    policy = {"gates": {"thresholds": [{"metric": "auc", "min": 0.95}]}, "stages": {}}
    assert (
        registry.call(
            "PUT", "/v1/policy", body={"document": policy, "expected_revision": 1}, token=chatops.admin()
        ).status
        == 200
    )
    registry.create_model("fraud")
    registry.register("fraud", b"one", metrics={"auc": 0.91})
    registry.register("fraud", b"two", metrics={"auc": 0.97})
    for number in (1, 2):
        assert registry.call("POST", f"/v1/models/fraud/versions/{number}/validations", body={}).status == 201
    chatops.pipeline.drain()
    [message] = [r.json() for r in chatops.slack.received]
    assert message["blocks"][0]["text"]["text"] == "fraud v1 validation failed"
    fields = [field["text"] for field in message["blocks"][1]["fields"]]
    assert "*Result*\nfailed" in fields
    assert any(field.startswith("*Failed checks*\n") for field in fields)


def test_slack_message_stays_within_slack_limits() -> None:
    from datetime import UTC, datetime

    from modelyard_server.adapters.channels import slack
    from modelyard_server.domain.event_record import EventRecord
    from modelyard_server.domain.notifications import build_notice

    metrics = {f"metric_{i:03d}_" + "x" * 200: float(i) for i in range(300)}
    event = EventRecord(
        id="01JABCDEF",
        type="model.version.promoted",
        model="m" * 200,
        version=2,
        at=datetime.now(UTC),
        actor="a" * 5000,
        before={"version": 1},
        after={"version": 2},
        detail={
            "stage": "production",
            "comment": "c" * 10000,
            "metrics_before": metrics,
            "metrics_after": {},
            "approvers": [{"login": "x" * 100}] * 100,
        },
    )
    payload = slack.payload(build_notice(event))
    assert len(payload["blocks"]) <= 50
    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    for block in payload["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
        assert len(block.get("fields", [])) <= 10
    assert re.search(r"\n… and \d+ more```$", payload["blocks"][2]["text"]["text"])


def test_local_pipeline_prints_each_notification(chatops: ChatOps) -> None:
    _two_versions_with_v1_in_production(chatops)  # no config: printed only
    chatops.pipeline.drain()
    assert [line.splitlines()[0] for line in chatops.printed] == [
        "[notify → no channel configured] fraud v1 promoted to production by bob via acme/fraud",
        "[notify → no channel configured] fraud v2 promoted to production by bob via acme/fraud",
    ]
    suggested = '    roll back: modelyard rollback fraud --stage production --comment "why"'
    assert suggested in chatops.printed[1].splitlines()
    assert chatops.slack.received == []


def test_redrive_replays_whole_events_from_lambda_and_bus_dead_letters(chatops: ChatOps) -> None:
    """Lambda's on-failure destination and the bus rule's DLQ hold the EventBridge event, not one channel."""
    from modelyard_server.handlers.redrive import main as redrive

    assert chatops.configure().status == 200
    _two_versions_with_v1_in_production(chatops)
    events = chatops.registry.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    promoted = [e for e in events if e["type"] == "model.version.promoted"]
    bus_event = {"source": "modelyard", "detail-type": "model.version.promoted", "detail": promoted[0]}
    chatops.sqs.send_message(QueueUrl=chatops.queue_url, MessageBody=json.dumps({"requestPayload": bus_event}))
    chatops.sqs.send_message(QueueUrl=chatops.queue_url, MessageBody=json.dumps({**bus_event, "detail": promoted[1]}))

    with chatops.registry.principals.acting_as(HARNESS):
        assert redrive(["--limit", "10"]) == 0
    assert chatops.dead_letters() == []
    assert [r.json()["blocks"][0]["text"]["text"] for r in chatops.slack.received] == [
        "fraud v1 promoted to production",
        "fraud v2 promoted to production",
    ]
    assert [r.headers["webhook-id"] for r in chatops.hook.received] == [promoted[0]["id"], promoted[1]["id"]]


def test_redrive_leaves_a_letter_it_cannot_read_and_replays_the_others(chatops: ChatOps) -> None:
    """Anyone allowed to send to the queue can send it text: that letter stays for a person, the rest go out."""
    from modelyard_server.handlers.redrive import main as redrive

    assert chatops.configure().status == 200
    _two_versions_with_v1_in_production(chatops)
    events = chatops.registry.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    promoted = next(e for e in events if e["type"] == "model.version.promoted")
    for text in ("not json {", "[1, 2]", json.dumps({"requestPayload": {"no": "detail"}})):
        chatops.sqs.send_message(QueueUrl=chatops.queue_url, MessageBody=text)
    bus_event = {"source": "modelyard", "detail-type": "model.version.promoted", "detail": promoted}
    chatops.sqs.send_message(QueueUrl=chatops.queue_url, MessageBody=json.dumps(bus_event))

    with chatops.registry.principals.acting_as(HARNESS):
        assert redrive(["--limit", "10"]) == 1

    counts = chatops.sqs.get_queue_attributes(
        QueueUrl=chatops.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert sum(int(count) for count in counts.values()) == 3
    assert [r.json()["blocks"][0]["text"]["text"] for r in chatops.slack.received] == [
        "fraud v1 promoted to production"
    ]


def test_the_documented_receiver_snippet_verifies_our_deliveries_and_the_spec_vector() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "notifications.md").read_text()
    section = doc.split("## Receiving signed webhooks", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "docs/notifications.md", "exec"), namespace)
    verify = namespace["verify"]

    vector = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert verify(secret, vector, b'{"test": 2432232314}', tolerance=10**10)
    assert not verify(secret, vector, b'{"test": 2432232315}', tolerance=10**10)
    assert not verify(secret, vector, b'{"test": 2432232314}')  # five years late: a replay

    from datetime import UTC, datetime

    from modelyard_server.domain.event_record import EventRecord

    event = EventRecord(id="01JEVENT", type="model.version.promoted", model="fraud", at=datetime.now(UTC), actor="bob")
    message = webhook.render(event, "https://example.com/hook", SECRET)
    headers = message.headers_at(int(time.time()))
    assert verify(SECRET, headers, message.body)


def test_messages_link_to_the_registrys_pages_on_its_public_url(
    chatops: ChatOps, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.handlers.wiring import forget_settings

    monkeypatch.setenv("MODELYARD_PUBLIC_URL", "https://models.acme.example")
    forget_settings()
    assert chatops.configure().status == 200
    _two_versions_with_v1_in_production(chatops)
    chatops.pipeline.drain()

    compare = "https://models.acme.example/ui/compare?base=models%3A%2Ffraud%2F1&head=models%3A%2Ffraud%2F2"
    version = "https://models.acme.example/ui/models/fraud/versions/2"
    slack = json.dumps(chatops.slack.received[1].json())
    assert f"<{compare}|Compare v1 with v2>" in slack and f"<{version}|Open v2>" in slack
    actions = chatops.teams.received[1].json()["attachments"][0]["content"]["actions"]
    assert [action["url"] for action in actions][:2] == [compare, version]
