"""What an audit page shows of an event: when, who (a person's login, or a workflow's repository and run),
what was done, to which version(s), and the reason or comment given."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.governance_audit import AuditFilters
from modelyard_server.ui import links
from modelyard_server.ui.formatting import NOTHING
from modelyard_server.ui.url_safety import web_link

MAX_CHANGE_SHOWN = 4000  # characters of a governance change's before/after (a policy document can be long)


class TrailPagingRefused(DomainError):
    status, slug, title = 400, "invalid-paging", "The trail cannot be paged so"


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str
    who_detail: str | None  # a workflow's repository, a person's user id
    run_link: str | None
    action: str
    subject: str
    versions: str
    version_link: str | None
    reason: str | None
    change: str | None  # a governance change: what it was before and after, as JSON


def _version(value: Any) -> str | None:
    return f"v{value}" if isinstance(value, int) and not isinstance(value, bool) else None


def versions_moved(event: EventRecord) -> str:
    """`v3 → v2` for a pointer move, `v4` for a change of one version, empty when no version is concerned."""
    before = _version((event.before or {}).get("version"))
    after = _version((event.after or {}).get("version"))
    if before or after:
        return f"{before or NOTHING} → {after or NOTHING}"
    return _version(event.version) or ""


def governance_change(event: EventRecord) -> str | None:
    if event.before is None and event.after is None:
        return None
    shown = json.dumps({"before": event.before, "after": event.after}, indent=1, sort_keys=True, default=str)
    return shown if len(shown) <= MAX_CHANGE_SHOWN else shown[:MAX_CHANGE_SHOWN] + "\n…"


def entry(event: EventRecord) -> AuditEntry:
    detail = event.detail
    person = detail.get("actor_kind") == "person"
    login = detail.get("login")
    who = str(login) if person and login else event.actor
    who_detail = f"GitHub user {detail.get('user_id')}" if person else event.repository
    reason = detail.get("reason") or detail.get("comment")
    model_event = ":" not in event.model  # governance events name what they govern: `registry:policy`
    pointer = detail.get("stage") or detail.get("alias")
    action = event.type + (f" ({pointer})" if pointer else "")
    return AuditEntry(
        at=event.at,
        who=who,
        who_detail=str(who_detail) if who_detail else None,
        run_link=None if person else web_link(event.run_url),
        action=action,
        subject=event.model,
        versions=versions_moved(event),
        version_link=links.version(event.model, event.version) if model_event and event.version else None,
        reason=str(reason) if reason else None,
        change=None if model_event else governance_change(event),
    )


def governance_filters(kind: str, actor: str, after: str, before: str, order: str) -> AuditFilters:
    """The audit form's choices as the API's filters; an empty field is no filter."""
    kinds = [part.strip() for part in kind.split(",") if part.strip()]
    return AuditFilters(
        kind=kinds or None, actor=actor or None, after=after or None, before=before or None, order=order or None
    )


def next_registry_page(filters: AuditFilters, limit: int, next_token: str | None) -> str | None:
    if next_token is None:
        return None
    chosen = {
        "kind": ",".join(filters.kind or []),
        "actor": filters.actor or "",
        "after": filters.after or "",
        "before": filters.before or "",
        "order": filters.order or "",
        "limit": str(limit),
        "next_token": next_token,
    }
    return links.registry_audit(**chosen)


def newest_first(order: str, next_token: str | None, before: str | None) -> bool:
    """Whether a model's trail is shown newest first (`before` pages it back), or oldest first (`next_token`)."""
    if before is not None and (order == "oldest" or next_token is not None):
        raise TrailPagingRefused("before= pages back the newest-first trail; next_token= the oldest-first one")
    return order == "newest" and next_token is None


def older_model_page(name: str, limit: int, older_than: str | None) -> str | None:
    return links.model_audit(name, limit=str(limit), before=older_than) if older_than else None


def next_model_page(name: str, limit: int, next_token: str | None) -> str | None:
    return links.model_audit(name, order="oldest", limit=str(limit), next_token=next_token) if next_token else None
