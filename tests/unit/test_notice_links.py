"""Slack and Teams messages link to the registry's pages (the version, the comparison of a stage's new holder
with its previous one) on the configured public URL, built by the pages' own link builder; none without one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from modelyard_server.adapters.channels import slack, teams
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.notices import build_notice
from modelyard_server.ui import links

REGISTRY = "https://models.acme.example/"


def _event(kind: str, model: str = "marketing/churn", **fields: Any) -> EventRecord:
    return EventRecord(
        id="01JABCDEF",
        type=kind,
        model=model,
        at=datetime(2026, 11, 30, tzinfo=UTC),
        actor="bob via acme/churn",
        run_url="https://github.com/acme/churn/actions/runs/7",
        **fields,
    )


PROMOTED = _event(
    "model.version.promoted", version=3, before={"version": 2}, after={"version": 3}, detail={"stage": "production"}
)


def test_a_promotion_links_to_the_comparison_with_the_previous_holder_and_to_the_new_version() -> None:
    notice = build_notice(PROMOTED, REGISTRY)
    compare = "https://models.acme.example" + links.compare("models:/marketing/churn/2", "models:/marketing/churn/3")
    assert [(page.label, page.url) for page in notice.pages] == [
        ("Compare v2 with v3", compare),
        ("Open v3", "https://models.acme.example/ui/models/marketing/churn/versions/3"),
    ]
    assert (
        compare
        == "https://models.acme.example/ui/compare?base=models%3A%2Fmarketing%2Fchurn%2F2&head=models%3A%2Fmarketing%2Fchurn%2F3"
    )


def test_a_first_promotion_and_a_validation_link_to_the_version_a_model_change_to_the_model() -> None:
    first = _event("model.version.promoted", version=1, after={"version": 1}, detail={"stage": "staging"})
    validated = _event("model.version.validated", version=4, after={"status": "passed"})
    edited = _event("model.updated")
    assert [p.url for p in build_notice(first, REGISTRY).pages] == [
        "https://models.acme.example/ui/models/marketing/churn/versions/1"
    ]
    assert [p.url for p in build_notice(validated, REGISTRY).pages] == [
        "https://models.acme.example/ui/models/marketing/churn/versions/4"
    ]
    assert [p.url for p in build_notice(edited, REGISTRY).pages] == [
        "https://models.acme.example/ui/models/marketing/churn"
    ]


@pytest.mark.parametrize("public_url", [None, "", "urn:modelyard", "javascript:alert(1)"])
def test_without_a_web_public_url_a_message_has_no_page_links(public_url: str | None) -> None:
    notice = build_notice(PROMOTED, public_url)
    assert notice.pages == []
    assert "/ui/" not in str(slack.payload(notice)) and "/ui/" not in str(teams.payload(notice))


def test_slack_shows_the_page_links() -> None:
    blocks = slack.payload(build_notice(PROMOTED, REGISTRY))["blocks"]
    [registry] = [
        b for b in blocks if b["type"] == "section" and "In the registry" in b.get("text", {}).get("text", "")
    ]
    text = registry["text"]["text"]
    assert "<https://models.acme.example/ui/models/marketing/churn/versions/3|Open v3>" in text
    assert "<https://models.acme.example/ui/compare?base=models%3A%2Fmarketing%2Fchurn%2F2&head=" in text


def test_teams_opens_the_pages_then_the_run() -> None:
    card = teams.payload(build_notice(PROMOTED, REGISTRY))["attachments"][0]["content"]
    assert [(action["title"], action["url"]) for action in card["actions"]] == [
        (
            "Compare v2 with v3",
            "https://models.acme.example" + links.compare("models:/marketing/churn/2", "models:/marketing/churn/3"),
        ),
        ("Open v3", "https://models.acme.example/ui/models/marketing/churn/versions/3"),
        ("Open workflow run", "https://github.com/acme/churn/actions/runs/7"),
    ]


def test_governance_events_link_nowhere() -> None:
    assert build_notice(_event("policy.registry.set", model="registry:policy"), REGISTRY).pages == []
