"""Plain-text views of the registry's governance trail (when, what kind of change, who, what changed) and of
the registry policy's revisions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from modelyard.render import EMPTY, scalar, table

DIGEST_SHOWN = 12


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def actor_label(event: Mapping[str, Any]) -> str:
    """`person octocat (#583231)`, `workflow acme/platform`, or the actor's name when neither is known."""
    detail = _mapping(event.get("detail"))
    if detail.get("actor_kind") == "person":
        user_id = f" (#{detail['user_id']})" if detail.get("user_id") else ""
        return f"person {detail.get('login') or event.get('actor') or EMPTY}{user_id}"
    return f"workflow {event.get('repository') or event.get('actor') or detail.get('subject') or EMPTY}"


def _short(digest: Any) -> str:
    text = str(digest or EMPTY)
    return text.removeprefix("sha256:")[:DIGEST_SHOWN]


def change_label(event: Mapping[str, Any]) -> str:
    """What it governs, and how it moved: revisions, digests, a routing config's channels, a role grant."""
    before, after = _mapping(event.get("before")), _mapping(event.get("after"))
    parts = [str(event.get("model") or EMPTY)]
    if "revision" in before or "revision" in after:
        parts.append(f"rev {before.get('revision', EMPTY)} -> {after.get('revision', EMPTY)}")
    if "digest" in before or "digest" in after:
        parts.append(f"({_short(before.get('digest'))} -> {_short(after.get('digest'))})")
    config = _mapping(after.get("config"))
    if "grantee" in after or "grantee" in before:
        parts.append(_grant_change(before, after))
    elif config:
        channels = [str(_mapping(c).get("name")) for c in config.get("channels") or []]
        parts.append(f"channels: {scalar(channels)}; {len(config.get('routes') or [])} routes")
    elif not (before or after) and event.get("detail"):
        parts.append(scalar({k: v for k, v in _mapping(event.get("detail")).items() if k == "reason"}))
    return " ".join(part for part in parts if part != EMPTY) or EMPTY


def _grant_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """`granted ops to team acme/sre`, `revoked ops from person 583231 (octocat)`."""
    grant, verb, word = (after, "granted", "to") if after else (before, "revoked", "from")
    label = f" ({grant['label']})" if grant.get("label") else ""
    return f"{verb} {grant.get('role')} {word} {grant.get('grantee_kind')} {grant.get('grantee')}{label}"


def audit_table(events: Iterable[Mapping[str, Any]]) -> str:
    rows = [[e.get("at"), e.get("type"), actor_label(e), change_label(e)] for e in events]
    return table(["when", "kind", "actor", "what changed"], rows, empty="(no governance changes match)")


def policy_history_table(revisions: Iterable[Mapping[str, Any]]) -> str:
    rows = [[r.get("revision"), r.get("updated_at"), r.get("updated_by"), _short(r.get("digest"))] for r in revisions]
    return table(["revision", "when", "by", "digest"], rows, empty="(no policy set yet)")
