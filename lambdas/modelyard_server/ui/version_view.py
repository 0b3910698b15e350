"""What the version page shows, put in the shape its template reads: facts, tables and links.

Everything here comes from the same domain answers the API gives (the version, its lineage, its latest
validation, its reviews, its model's events); nothing reads storage. Values written by whoever registered
the version (params, tags, URLs, provenance claims) stay text: the template escapes them, and a URL becomes
a link only when it is a web page (`url_safety`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from modelyard_server.ui import links
from modelyard_server.ui.formatting import NOTHING, short_digest
from modelyard_server.ui.url_safety import web_link

if TYPE_CHECKING:
    from modelyard_server.domain.event_record import EventRecord
    from modelyard_server.domain.lineage_tree import LineageTree
    from modelyard_server.domain.model_records import ModelRecord
    from modelyard_server.domain.review_records import ReviewList
    from modelyard_server.domain.version_records import VersionRecord

# Statuses a reader must not miss: the version is not (or no longer) what a team deploys.
WARNED_STATUSES = {
    "archived": "This version is archived: it stays readable and downloadable, but no stage or alias can hold it.",
    "deprecated": "This version is deprecated: it stays readable and downloadable, but it can no longer move.",
    "rejected": "This version was rejected: its uploaded bytes did not match the digest it was registered with.",
    "abandoned": "This version was abandoned: its upload never completed.",
    "pending_upload": "This version is waiting for its artifact: nothing can be downloaded yet.",
    "verifying": "This version's artifact is being verified: it is not ready yet.",
}
DIGEST_FIELDS = frozenset({"sha256", "digest", "policy_digest"})
# The page offers verified bytes only (the download route answers as the API does for the rest).
DOWNLOADABLE = frozenset({"ready", "archived", "deprecated"})
# Provenance claims shown, in this order, with their labels (the rest stay in the API's answer).
PROVENANCE_SHOWN = (
    ("repository", "Repository"),
    ("ref", "Ref"),
    ("sha", "Commit"),
    ("workflow", "Workflow"),
    ("job_workflow_ref", "Job workflow"),
    ("event_name", "Triggered by"),
    ("actor", "Actor"),
    ("environment", "Environment"),
    ("run_number", "Run number"),
    ("run_attempt", "Run attempt"),
    ("iss", "Token issuer"),
)


@dataclass(frozen=True)
class Fact:
    label: str
    text: str


@dataclass(frozen=True)
class Held:
    kind: str  # stage | alias
    name: str


@dataclass(frozen=True)
class EventRow:
    at: datetime
    action: str
    who: str
    change: str
    note: str
    run_link: str | None


@dataclass(frozen=True)
class ReviewRow:
    who: str
    decision: str
    comment: str
    at: datetime
    lapsed: bool
    self_review: bool


def warning(version: VersionRecord) -> str | None:
    return WARNED_STATUSES.get(version.status)


def downloadable(version: VersionRecord) -> bool:
    return version.status in DOWNLOADABLE


def holds(model: ModelRecord, number: int) -> list[Held]:
    """The stages and aliases holding the version now."""
    held = [Held("stage", name) for name, state in sorted(model.stages.items()) if state.version == number]
    return held + [Held("alias", name) for name, state in sorted(model.aliases.items()) if state.version == number]


def param_text(value: Any) -> str:
    """A parameter as it was registered: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def provenance_facts(version: VersionRecord) -> list[Fact]:
    """Who registered the version and from which job: the token claims kept with it."""
    facts = [Fact("Registered by", version.created_by)]
    for claim, label in PROVENANCE_SHOWN:
        value = version.provenance.get(claim)
        if value is not None and value != "":
            facts.append(Fact(label, str(value)))
    return facts


def parent_link(version: VersionRecord, tree: LineageTree) -> str | None:
    """`Compare with parent`: the version against its first parent of the same model, else its first parent.
    Parents come from the lineage tree, which leaves out the versions the reader may not see."""
    parents = [node.uri for node in tree.ancestors if node.status is not None]
    if not parents:
        return None
    same_model = [uri for uri in parents if uri.startswith(f"models:/{version.model}/")]
    return links.compare((same_model or parents)[0], version.uri)


def review_rows(reviews: ReviewList, version: VersionRecord) -> list[ReviewRow]:
    from modelyard_server.domain.review_records import is_self_review

    lapsed = set(reviews.summary.lapsed)
    rows = []
    for review in sorted(reviews.items, key=lambda r: r.at, reverse=True):
        who = review.reviewer.login or review.reviewer.repository or review.reviewer.key
        rows.append(
            ReviewRow(
                who=who,
                decision="approved" if review.verdict == "approve" else "requested changes",
                comment=review.comment or "",
                at=review.at,
                lapsed=who in lapsed,
                self_review=is_self_review(version, review.reviewer),
            )
        )
    return rows


def _change(event: EventRecord) -> str:
    before, after = event.before or {}, event.after or {}
    shown = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            shown.append(f"{key}: {_plain(old, key)} → {_plain(new, key)}")
    return "; ".join(shown)


def _plain(value: Any, key: str) -> str:
    if value is None:
        return NOTHING
    if key in DIGEST_FIELDS and isinstance(value, str):
        return short_digest(value)  # the full digest is in the Artifact section
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _note(event: EventRecord) -> str:
    """What the actor said or why it was refused: a reason, a comment, the stage or alias moved."""
    detail = event.detail
    parts = [f"{kind} {detail[kind]}" for kind in ("stage", "alias") if isinstance(detail.get(kind), str)]
    parts += [str(detail[key]) for key in ("reason", "comment") if detail.get(key)]
    return " · ".join(parts)


def _who(event: EventRecord) -> str:
    login = event.detail.get("login")
    if isinstance(login, str) and login:
        return login
    return event.repository or event.actor


def event_rows(events: list[EventRecord]) -> list[EventRow]:
    """Newest first, as a reader scans what happened last."""
    return [
        EventRow(
            at=event.at,
            action=event.type.removeprefix("model."),
            who=_who(event),
            change=_change(event),
            note=_note(event),
            run_link=web_link(event.run_url),
        )
        for event in reversed(events)
    ]
