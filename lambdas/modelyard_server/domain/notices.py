"""What a notification says, whatever the channel: the `Notice` built once from an event (its title, facts,
metric deltas, the rollback command and the links to the registry's pages). The channels (adapters/channels/)
render it; which channels get it is the routing config (domain/notification_config.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.notice_links import PageLink, page_links

MAX_METRIC_ROWS = 20


@dataclass(frozen=True)
class MetricDelta:
    name: str
    before: float | None
    after: float | None

    def text(self) -> str:
        if self.before is None:
            return f"— → {self.after:g} (new)"
        if self.after is None:
            return f"{self.before:g} → — (dropped)"
        return f"{self.before:g} → {self.after:g} ({self.after - self.before:+.4g})"


@dataclass(frozen=True)
class Notice:
    """What a message says, whatever the channel: built once from the event."""

    event: EventRecord
    title: str
    facts: list[tuple[str, str]]
    metrics: list[MetricDelta] = field(default_factory=list)
    more_metrics: int = 0
    comment: str | None = None
    rollback_command: str | None = None
    pages: list[PageLink] = field(default_factory=list)  # the registry's pages about it (its public URL set)

    @property
    def run_url(self) -> str | None:
        return self.event.run_url

    @property
    def fallback(self) -> str:
        """One line for notifications and clients that show no rich content."""
        return f"{self.title} by {self.event.actor}"


def _version(value: Any) -> str:
    return f"v{value}" if value is not None else "—"


def _approvers(detail: dict[str, Any]) -> str:
    approvers = detail.get("approvers") or []
    logins = [str(a.get("login")) for a in approvers if isinstance(a, dict) and a.get("login")]
    return ", ".join(logins) if logins else "no approval required"


def _metric_deltas(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[MetricDelta]:
    before, after = before or {}, after or {}
    return [
        MetricDelta(name, _number(before.get(name)), _number(after.get(name)))
        for name in sorted(set(before) | set(after))
    ]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def build_notice(event: EventRecord, public_url: str | None = None) -> Notice:
    """What a message about `event` says; it links to the registry's pages on `public_url`, when given."""
    detail = event.detail
    before = (event.before or {}).get("version")
    after = (event.after or {}).get("version", event.version)
    stage = detail.get("stage")
    facts: list[tuple[str, str]] = [("Model", event.model)]
    rollback = None
    deltas: list[MetricDelta] = []
    if event.type in ("model.version.promoted", "model.version.rolled_back"):
        verb = "promoted to" if event.type == "model.version.promoted" else "rolled back in"
        title = f"{event.model} {_version(after)} {verb} {stage}"
        facts += [("Stage", str(stage)), ("Version", f"{_version(before)} → {_version(after)}")]
        facts.append(("By", event.actor))
        if event.type == "model.version.promoted" or detail.get("approvers"):
            facts.append(("Approved by", _approvers(detail)))  # a rollback asks for none: its reason is the comment
        deltas = _metric_deltas(detail.get("metrics_before"), detail.get("metrics_after"))
        # an incident rollback (the ops role, from a terminal) says why: the registry refuses it otherwise
        rollback = f'modelyard rollback {event.model} --stage {stage} --comment "why"'
    elif event.type == "model.version.validated":
        status = str((event.after or {}).get("status", "unknown"))
        title = f"{event.model} {_version(event.version)} validation {status}" + (f" for {stage}" if stage else "")
        failed = detail.get("failed") or []
        facts += [("Version", _version(event.version)), ("Result", status), ("By", event.actor)]
        if failed:
            facts.append(("Failed checks", ", ".join(str(check) for check in failed)))
        if detail.get("report_id"):
            facts.append(("Report", str(detail["report_id"])))
    elif event.type == "model.promotion.denied":
        title = f"{event.model} {_version(event.version)} refused for {stage}"
        facts += [("Stage", str(stage)), ("Version", _version(event.version)), ("By", event.actor)]
        facts.append(("Reason", str(detail.get("reason", "not given"))))
    elif event.type in ("model.alias.set", "model.alias.deleted"):
        alias = detail.get("alias")
        title = f"{event.model}@{alias} → {_version(after)}"
        facts += [("Alias", str(alias)), ("Version", f"{_version(before)} → {_version(after)}"), ("By", event.actor)]
    else:
        what = event.type.removeprefix("model.").replace("_", " ").replace(".", " ")
        title = f"{event.model} {_version(event.version)} {what}" if event.version else f"{event.model} {what}"
        facts += [("Version", _version(event.version))] if event.version else []
        facts.append(("By", event.actor))
    comment = detail.get("comment") or None
    return Notice(
        event=event,
        title=title,
        facts=facts,
        metrics=deltas[:MAX_METRIC_ROWS],
        more_metrics=max(0, len(deltas) - MAX_METRIC_ROWS),
        comment=str(comment) if comment else None,
        rollback_command=rollback,
        pages=page_links(event, public_url),
    )
