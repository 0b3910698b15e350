"""Reviews of a version and what they add up to: who signed off, who asked for changes, whose review
does not count. Pure: the use cases (domain/reviews.py) and the promotion's rules (domain/stage_rules.py)
both decide with :func:`tally`, so the listing a reviewer sees is the arithmetic a promotion applies.

Identities are compared by id, never by login: a person by GitHub user id, a workflow by repository id
(and the GitHub user who triggered its run, by `actor_id`). Logins can change hands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.version_records import VersionRecord

Verdict = Literal["approve", "request_changes"]
MAX_COMMENT_CHARS = 4000
PERSON_SUBJECT_PREFIX = "github-user:"


class ReviewRequest(StrictModel):
    # The document says what the validator below checks: a request for changes carries a comment.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"verdict": {"const": "request_changes"}}},
            "then": {"required": ["comment"], "properties": {"comment": {"type": "string", "pattern": r"\S"}}},
        }
    )

    verdict: Verdict
    comment: Annotated[str, StringConstraints(max_length=MAX_COMMENT_CHARS)] | None = Field(
        default=None, description="What the reviewer found; required when requesting changes"
    )

    @model_validator(mode="after")
    def _changes_say_what(self) -> ReviewRequest:
        if self.verdict == "request_changes" and not (self.comment or "").strip():
            raise ValueError("a request for changes needs a comment saying what to change")
        return self


class Reviewer(RegistryModel):
    """Who reviewed: `key` is their identity in the registry (`user:<GitHub user id>` for a person,
    `repo:<repository id>` for a workflow, `sub:<subject>` for a token with neither)."""

    key: str
    kind: Literal["workflow", "person"]
    user_id: str | None = Field(default=None, description="the person's (or the run's actor's) GitHub user id")
    login: str | None = Field(default=None, description="their GitHub login when they reviewed")
    repository: str | None = None
    repository_id: str | None = None
    subject: str
    teams: list[str] = Field(
        default_factory=list, description="a person's GitHub teams when they reviewed (their session's)"
    )


class ReviewRecord(RegistryModel):
    """A reviewer's current review of a version: a later review by the same reviewer replaces it."""

    model: str
    version: int
    reviewer: Reviewer
    verdict: Verdict
    comment: str | None = None
    at: datetime
    event_id: str


class ReviewSummary(RegistryModel):
    approvals: int = Field(description="Approvals that count (a version's registrant cannot sign it off)")
    approved_by: list[str] = Field(default_factory=list, description="Logins (or keys) of counted approvals")
    changes_requested_by: list[str] = Field(default_factory=list)
    not_counted: list[str] = Field(
        default_factory=list, description="Approvals by whoever registered the version: self-review does not count"
    )
    lapsed: list[str] = Field(
        default_factory=list,
        description="Reviewers who no longer hold the reviewer role: their reviews neither count nor block",
    )


class ReviewList(RegistryModel):
    model: str
    version: int
    items: list[ReviewRecord]
    summary: ReviewSummary


def _name(reviewer: Reviewer) -> str:
    return reviewer.login or reviewer.repository or reviewer.key


def registrant_ids(version: VersionRecord) -> tuple[str | None, str | None]:
    """(GitHub user id, repository id) of whoever registered `version`, from its provenance claims."""
    provenance = version.provenance
    subject = str(provenance.get("sub") or "")
    if subject.startswith(PERSON_SUBJECT_PREFIX):
        return subject.removeprefix(PERSON_SUBJECT_PREFIX), None
    user_id, repository_id = provenance.get("actor_id"), provenance.get("repository_id")
    return (str(user_id) if user_id else None, str(repository_id) if repository_id else None)


def is_self_review(version: VersionRecord, reviewer: Reviewer) -> bool:
    """Whether the reviewer registered the version: the same GitHub user, or the same repository's workflow."""
    user_id, repository_id = registrant_ids(version)
    if user_id is not None and reviewer.user_id == user_id:
        return True
    return repository_id is not None and reviewer.kind == "workflow" and reviewer.repository_id == repository_id


@dataclass(frozen=True)
class StandingReviews:
    """A version's current reviews, and the keys of their reviewers who no longer hold the reviewer role."""

    reviews: list[ReviewRecord]
    lapsed: frozenset[str] = frozenset()


def tally(version: VersionRecord, reviews: list[ReviewRecord], lapsed: frozenset[str] = frozenset()) -> ReviewSummary:
    """What the reviews add up to. `lapsed`: the keys of reviewers who no longer hold the reviewer role: their
    approvals do not count and their requests for changes no longer block."""
    standing = [r for r in reviews if r.reviewer.key not in lapsed]
    approvals = [r for r in standing if r.verdict == "approve"]
    counted = [r for r in approvals if not is_self_review(version, r.reviewer)]
    return ReviewSummary(
        approvals=len(counted),
        approved_by=sorted(_name(r.reviewer) for r in counted),
        changes_requested_by=sorted(_name(r.reviewer) for r in standing if r.verdict == "request_changes"),
        not_counted=sorted(_name(r.reviewer) for r in approvals if r not in counted),
        lapsed=sorted(_name(r.reviewer) for r in reviews if r.reviewer.key in lapsed),
    )


def missing_sign_offs(needed: int, summary: ReviewSummary) -> list[str]:
    """What keeps `summary` from satisfying a rule of `needed` sign-offs (empty: nothing)."""
    if needed <= 0:
        return []
    missing = []
    if summary.changes_requested_by:
        missing.append(f"changes requested by {', '.join(summary.changes_requested_by)} (blocks until they approve)")
    if summary.approvals < needed:
        have = f"approved by {', '.join(summary.approved_by)}" if summary.approved_by else "no approvals"
        missing.append(f"{needed - summary.approvals} more reviewer approval(s): {needed} needed, {have}")
        if summary.not_counted:
            missing.append(f"self-review by {', '.join(summary.not_counted)} does not count")
        if summary.lapsed:
            missing.append(f"{', '.join(summary.lapsed)} no longer hold(s) the reviewer role: not counted")
    return missing
