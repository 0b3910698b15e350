"""The events pipeline: table stream → events consumer → bus → notifier. What the consumer acknowledges, what
reaches the bus (registry events, never governance changes) and in what shape, and what the local stack prints.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.notifications.chatops import (
    ChatOps,
    _two_versions_with_v1_in_production,
)


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
