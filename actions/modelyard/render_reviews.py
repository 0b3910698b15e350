"""Plain-text views of a version's reviews and of the sign-off summary a stage rule counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelyard.render import key_values, scalar, table

VERDICT_WORDS = {"approve": "approved", "request_changes": "changes requested"}


def _verdict(value: Any) -> str:
    return VERDICT_WORDS.get(str(value), scalar(value))


def _who(reviewer: Any) -> str:
    if not isinstance(reviewer, Mapping):
        return "?"
    name = reviewer.get("login") or reviewer.get("repository") or reviewer.get("key")
    return f"{name} ({reviewer.get('key')})"


def summary_view(summary: Any) -> str:
    if not isinstance(summary, Mapping):
        return ""
    pairs = [
        ("approvals", summary.get("approvals")),
        ("approved by", ", ".join(summary.get("approved_by") or []) or "-"),
        ("changes requested by", ", ".join(summary.get("changes_requested_by") or []) or "-"),
    ]
    if summary.get("not_counted"):
        pairs.append(("not counted (self-review)", ", ".join(summary["not_counted"])))
    if summary.get("lapsed"):
        pairs.append(("not counted (no longer reviewers)", ", ".join(summary["lapsed"])))
    return key_values(pairs)


def reviews_view(listing: Mapping[str, Any]) -> str:
    rows = [
        [
            _who(item.get("reviewer")),
            _verdict(item.get("verdict")),
            scalar(item.get("at")),
            item.get("comment") or "",
        ]
        for item in listing.get("items") or []
        if isinstance(item, Mapping)
    ]
    heading = f"models:/{listing.get('model')}/{listing.get('version')}"
    shown = table(["reviewer", "verdict", "at", "comment"], rows, empty="(no reviews yet)")
    return f"{heading}\n{shown}\n\n{summary_view(listing.get('summary'))}"


def saved_review_view(saved: Mapping[str, Any]) -> str:
    found = saved.get("review")
    review: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    verdict = _verdict(review.get("verdict"))
    line = f"{verdict}: models:/{review.get('model')}/{review.get('version')} by {_who(review.get('reviewer'))}"
    return f"{line}\n{summary_view(saved.get('summary'))}"
