"""Slack incoming webhooks: a Block Kit message (https://api.slack.com/reference/block-kit/blocks).

Slack's limits: at most 50 blocks, a header's text at most 150 characters, a section's text at
most 3000, at most 10 fields of at most 2000 each. Everything here is cut to fit.
"""

from __future__ import annotations

import json
from typing import Any

from modelyard_server.adapters.channels.http import OutgoingMessage
from modelyard_server.domain.notices import Notice

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_FALLBACK = 3000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    """Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mrkdwn(text: str, limit: int = MAX_SECTION) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(text, limit)}


def _metrics_block(notice: Notice) -> dict[str, Any]:
    """A fixed-width table in a code block; rows that would pass the section limit are counted, not cut."""
    heading, fence = "*Metrics vs previous holder*\n", "```"
    budget = MAX_SECTION - len(heading) - 2 * len(fence) - 40  # room for the "… and N more" line
    width = max(len(delta.name) for delta in notice.metrics)
    lines: list[str] = []
    for delta in notice.metrics:
        line = _escape(f"{delta.name.ljust(width)}  {delta.text()}")
        if sum(len(kept) + 1 for kept in lines) + len(line) > budget:
            break
        lines.append(line)
    omitted = notice.more_metrics + len(notice.metrics) - len(lines)
    if omitted:
        lines.append(f"… and {omitted} more")
    return {"type": "section", "text": _mrkdwn(heading + fence + "\n".join(lines) + fence)}


def blocks(notice: Notice) -> list[dict[str, Any]]:
    event = notice.event
    result: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(notice.title, MAX_HEADER), "emoji": True}},
    ]
    fields = [_mrkdwn(f"*{label}*\n{_escape(value)}", MAX_FIELD) for label, value in notice.facts[:MAX_FIELDS]]
    result.append({"type": "section", "fields": fields})
    if notice.metrics:
        result.append(_metrics_block(notice))
    if notice.comment:
        result.append({"type": "section", "text": _mrkdwn(f"*Comment*\n>{_escape(notice.comment)}")})
    if notice.rollback_command:
        result.append({"type": "section", "text": _mrkdwn(f"*Roll back*\n`{_escape(notice.rollback_command)}`")})
    if notice.pages:
        # registry URLs built from its configured public URL and a model name (a slug): no `|` or `>` to escape
        pages = " · ".join(f"<{page.url}|{_escape(page.label)}>" for page in notice.pages)
        result.append({"type": "section", "text": _mrkdwn(f"*In the registry*\n{pages}")})
    context = [_mrkdwn(f"event `{event.id}` · {event.type} · {event.at.isoformat()}")]
    if notice.run_url:
        context.insert(0, _mrkdwn(f"<{notice.run_url}|workflow run {event.run_id or ''}>".replace(" >", ">")))
    result.append({"type": "context", "elements": context})
    return result[:MAX_BLOCKS]


def payload(notice: Notice) -> dict[str, Any]:
    return {"text": _cut(notice.fallback, MAX_FALLBACK), "blocks": blocks(notice)}


def render(notice: Notice, url: str) -> OutgoingMessage:
    return OutgoingMessage(url=url, body=json.dumps(payload(notice)).encode())
