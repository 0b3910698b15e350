"""Notification routing and what a message says: a config that could not work is refused when set, only
admins change it (revision-guarded), which validations are sent, Slack's limits, links to the registry's pages.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from modelyard_server.domain.event_record import EventRecord
from tests.integration.notifications.chatops import (
    ADMIN,
    PREFIX,
    ChatOps,
    _two_versions_with_v1_in_production,
)

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
    from modelyard_server.domain.notices import build_notice

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
