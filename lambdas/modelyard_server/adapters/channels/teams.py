"""Microsoft Teams Workflows webhooks: an Adaptive Card 1.4 in a message attachment.

Office 365 connectors are retired; a Teams "Post to a channel when a webhook request is
received" workflow takes ``{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": <card>}]}``.
"""

from __future__ import annotations

import json
from typing import Any

from modelyard_server.adapters.channels.http import OutgoingMessage
from modelyard_server.domain.notices import Notice

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(notice: Notice) -> dict[str, Any]:
    event = notice.event
    body: list[dict[str, Any]] = [
        _text(notice.title, size="Large", weight="Bolder"),
        {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in notice.facts]},
    ]
    if notice.metrics:
        facts = [{"title": delta.name, "value": delta.text()} for delta in notice.metrics]
        if notice.more_metrics:
            facts.append({"title": "…", "value": f"and {notice.more_metrics} more"})
        body += [
            _text("Metrics vs previous holder", weight="Bolder", spacing="Medium"),
            {"type": "FactSet", "facts": facts},
        ]
    if notice.comment:
        body.append(_text(f"Comment: {notice.comment}", isSubtle=True))
    if notice.rollback_command:
        body += [
            _text("Roll back", weight="Bolder", spacing="Medium"),
            _text(notice.rollback_command, fontType="Monospace"),
        ]
    body.append(_text(f"event {event.id} · {event.type} · {event.at.isoformat()}", size="Small", isSubtle=True))
    content: dict[str, Any] = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": CARD_VERSION, "body": body}
    actions = [{"type": "Action.OpenUrl", "title": page.label, "url": page.url} for page in notice.pages]
    if notice.run_url:
        actions.append({"type": "Action.OpenUrl", "title": "Open workflow run", "url": notice.run_url})
    if actions:
        content["actions"] = actions
    return content


def payload(notice: Notice) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card(notice)}],
    }


def render(notice: Notice, url: str) -> OutgoingMessage:
    return OutgoingMessage(url=url, body=json.dumps(payload(notice)).encode())
