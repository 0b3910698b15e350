"""Chat-ops delivery: a promotion reaches Slack, Teams and a signed webhook once each; a receiver that is down
is retried, then dead-lettered and redriven; a 4xx is not retried; Standard Webhooks signatures verify.

Everything AWS is moto in-process; the receivers are real HTTP servers on 127.0.0.1 and the
stream is read with the same code the local stack runs (the consumer is the Lambda's).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from modelyard_local.issuer import local_user_id
from modelyard_server.adapters.channels import webhook
from modelyard_server.domain.event_record import EventRecord
from tests.integration.function_roles import ADMIN as HARNESS
from tests.integration.notifications.chatops import (
    SECRET,
    ChatOps,
    _two_versions_with_v1_in_production,
)


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

    doc = (Path(__file__).resolve().parents[3] / "docs" / "notifications.md").read_text()
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

    event = EventRecord(id="01JEVENT", type="model.version.promoted", model="fraud", at=datetime.now(UTC), actor="bob")
    message = webhook.render(event, "https://example.com/hook", SECRET)
    headers = message.headers_at(int(time.time()))
    assert verify(SECRET, headers, message.body)


def test_redrive_prints_a_letters_text_without_its_terminal_controls(
    chatops: ChatOps, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever may send to the queue chooses a letter's channel name: it must not drive the operator's terminal."""
    from modelyard_server.handlers.redrive import main as redrive

    assert chatops.configure().status == 200
    _two_versions_with_v1_in_production(chatops)
    events = chatops.registry.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    promoted = next(e for e in events if e["type"] == "model.version.promoted")
    hostile = "gone\x1b]0;owned\x07\x1b[2J"
    chatops.sqs.send_message(
        QueueUrl=chatops.queue_url, MessageBody=json.dumps({"event": promoted, "channel": hostile})
    )
    capsys.readouterr()

    with chatops.registry.principals.acting_as(HARNESS):
        assert redrive(["--limit", "10"]) == 1

    printed = capsys.readouterr().out
    assert "gone" in printed
    assert "\x1b" not in printed and "\x07" not in printed
