"""A stage rule's reviewer sign-offs: counted by identity (ids, never logins), blocked by a standing request
for changes, and never satisfied by whoever registered the version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from modelyard_server.domain.ids import new_ulid
from modelyard_server.domain.policy import PolicyDocument, PolicyLoosened, StageRule, effective_policy
from modelyard_server.domain.review_records import Reviewer, ReviewRecord, StandingReviews, Verdict
from modelyard_server.domain.stage_rules import PolicyViolation, check_sign_offs
from modelyard_server.domain.version_records import ArtifactRecord, VersionRecord

REGISTRANT_ID = "7001"  # the GitHub user whose run registered the version
REGISTERING_REPOSITORY_ID = "555"


def _version(provenance: dict[str, Any] | None = None) -> VersionRecord:
    now = datetime.now(UTC)
    return VersionRecord(
        model="fraud",
        version=3,
        uri="models:/fraud/3",
        status="ready",
        artifact=ArtifactRecord(
            sha256="0" * 64, size=1, format="onnx", filename="m.onnx", media_type="application/octet-stream", key="k"
        ),
        provenance=provenance
        if provenance is not None
        else {"actor": "rita", "actor_id": REGISTRANT_ID, "repository_id": REGISTERING_REPOSITORY_ID},
        created_at=now,
        created_by="rita via acme/fraud",
    )


def person(user_id: str, login: str) -> Reviewer:
    return Reviewer(
        key=f"user:{user_id}", kind="person", user_id=user_id, login=login, subject=f"github-user:{user_id}"
    )


def _review(reviewer: Reviewer, verdict: Verdict = "approve") -> ReviewRecord:
    comment = "please fix" if verdict == "request_changes" else None
    return ReviewRecord(
        model="fraud",
        version=3,
        reviewer=reviewer,
        verdict=verdict,
        comment=comment,
        at=datetime.now(UTC),
        event_id=new_ulid(),
    )


def _policy(min_reviews: int | None) -> Any:
    return effective_policy(PolicyDocument(), PolicyDocument(stages={"staging": StageRule(min_reviews=min_reviews)}))


def _check(min_reviews: int | None, reviews: list[ReviewRecord], version: VersionRecord | None = None) -> Any:
    return check_sign_offs("staging", _policy(min_reviews), version or _version(), lambda: StandingReviews(reviews))


def test_a_stage_without_the_rule_reads_no_reviews_and_asks_none() -> None:
    def unread() -> StandingReviews:
        raise AssertionError("reviews read for a stage that needs none")

    assert check_sign_offs("staging", _policy(None), _version(), unread) is None
    assert check_sign_offs("staging", _policy(0), _version(), unread) is None


def test_the_rule_is_met_by_n_approvals_of_different_people() -> None:
    summary = _check(2, [_review(person("1", "ann")), _review(person("2", "ben"))])
    assert (summary.approvals, summary.approved_by) == (2, ["ann", "ben"])


def test_fewer_approvals_than_the_rule_asks_are_refused_saying_how_many_are_missing() -> None:
    with pytest.raises(PolicyViolation) as refused:
        _check(2, [_review(person("1", "ann"))])
    assert "1 more reviewer approval(s): 2 needed, approved by ann" in refused.value.detail
    assert refused.value.extra["sign_offs"]["required"] == 2
    assert refused.value.extra["sign_offs"]["approvals"] == 1


def test_a_request_for_changes_blocks_whatever_the_count_until_that_reviewer_approves() -> None:
    ann, ben, cat = person("1", "ann"), person("2", "ben"), person("3", "cat")
    with pytest.raises(PolicyViolation) as refused:
        _check(2, [_review(ann), _review(ben), _review(cat, "request_changes")])
    assert "changes requested by cat (blocks until they approve)" in refused.value.detail
    assert _check(2, [_review(ann), _review(ben), _review(cat)]).approvals == 3


def test_the_registrants_own_approval_does_not_count() -> None:
    registrant = person(REGISTRANT_ID, "rita")
    with pytest.raises(PolicyViolation) as refused:
        _check(1, [_review(registrant)])
    assert "self-review by rita does not count" in refused.value.detail
    assert refused.value.extra["sign_offs"]["not_counted"] == ["rita"]


def test_a_person_who_registered_cannot_sign_off_their_own_version() -> None:
    """Registered by a signed-in person (subject github-user:<id>), reviewed by the same person."""
    version = _version({"sub": "github-user:8080", "login": "pat"})
    with pytest.raises(PolicyViolation, match="self-review by pat"):
        _check(1, [_review(person("8080", "pat"))], version)


def test_the_same_login_with_another_github_id_is_another_person() -> None:
    """A login changed hands (or is spoofed in a claim): only the id says who someone is."""
    other_rita = person("9999", "rita")
    assert _check(1, [_review(other_rita)]).approvals == 1


def test_a_reviewer_repositorys_workflow_is_self_review_only_for_the_registering_repository() -> None:
    def workflow(repository_id: str, actor_id: str) -> Reviewer:
        return Reviewer(
            key=f"repo:{repository_id}",
            kind="workflow",
            user_id=actor_id,
            login="someone",
            repository="acme/review",
            repository_id=repository_id,
            subject="repo:acme/review:ref:refs/heads/main",
        )

    with pytest.raises(PolicyViolation, match="self-review"):
        _check(1, [_review(workflow(REGISTERING_REPOSITORY_ID, "4"))])
    with pytest.raises(PolicyViolation, match="self-review"):
        _check(1, [_review(workflow("777", REGISTRANT_ID))])  # run by the registrant
    assert _check(1, [_review(workflow("777", "4"))]).approvals == 1


def test_a_repository_policy_may_raise_min_reviews_but_not_lower_it() -> None:
    registry = PolicyDocument(stages={"production": StageRule(min_reviews=2)})
    tighter = PolicyDocument(stages={"production": StageRule(min_reviews=3)})
    assert effective_policy(PolicyDocument(), registry, repository=tighter).min_reviews("production") == 3
    with pytest.raises(PolicyLoosened, match="min_reviews: 1 is below the registry's 2"):
        effective_policy(
            PolicyDocument(), registry, repository=PolicyDocument(stages={"production": StageRule(min_reviews=1)})
        )


def test_min_reviews_is_bounded() -> None:
    with pytest.raises(ValueError, match="less than or equal to 10"):
        StageRule(min_reviews=11)


def test_a_lapsed_reviewers_approval_neither_counts_nor_their_request_for_changes_blocks() -> None:
    ann, ben, cy = person("1", "ann"), person("2", "ben"), person("3", "cy")
    reviews = [_review(ann), _review(ben, "request_changes"), _review(cy)]
    current = StandingReviews(reviews, lapsed=frozenset({ben.key, cy.key}))
    summary = check_sign_offs("staging", _policy(1), _version(), lambda: current)
    assert summary is not None
    assert (summary.approved_by, summary.changes_requested_by, summary.lapsed) == (["ann"], [], ["ben", "cy"])
    with pytest.raises(PolicyViolation, match="cy no longer hold"):
        check_sign_offs("staging", _policy(2), _version(), lambda: current)
