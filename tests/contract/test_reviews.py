"""Reviewers' sign-offs: one current review per reviewer and version, each written with its event."""

from __future__ import annotations

import pytest

from modelyard_server.domain.review_records import Reviewer, ReviewRecord, Verdict
from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed
from tests.contract.registry_driver import Driver, event_types


def _reviewer(user_id: str, login: str) -> Reviewer:
    return Reviewer(
        key=f"user:{user_id}", kind="person", user_id=user_id, login=login, subject=f"github-user:{user_id}"
    )


def _review(registry: Driver, number: int, reviewer: Reviewer, verdict: Verdict, comment: str | None = None) -> None:
    event = registry.event("fraud", "model.version.reviewed", number)
    review = ReviewRecord(
        model="fraud",
        version=number,
        reviewer=reviewer,
        verdict=verdict,
        comment=comment,
        at=event.at,
        event_id=event.id,
    )
    registry.backend.reviews.save_review(review, event)


def _current(backend: Backend, number: int) -> list[tuple[str | None, str]]:
    return [(review.reviewer.login, review.verdict) for review in backend.reviews.current_reviews("fraud", number)]


def test_a_later_review_replaces_the_reviewers_earlier_one_and_every_review_is_an_event(
    registry: Driver, backend: Backend
) -> None:
    registry.create_model("fraud")
    registry.ready_version("fraud")
    alice, bob = _reviewer("101", "alice"), _reviewer("202", "bob")

    _review(registry, 1, alice, "request_changes", "the model card has no data section")
    _review(registry, 1, bob, "approve")
    _review(registry, 1, alice, "approve", "data section added")

    assert _current(backend, 1) == [("bob", "approve"), ("alice", "approve")]  # in the order they last spoke
    latest_of_alice = backend.reviews.current_reviews("fraud", 1)[1]
    assert latest_of_alice.comment == "data section added"
    assert event_types(backend, "fraud").count("model.version.reviewed") == 3


def test_the_same_login_with_another_id_is_another_reviewer(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.ready_version("fraud")
    _review(registry, 1, _reviewer("101", "alice"), "approve")
    _review(registry, 1, _reviewer("999", "alice"), "request_changes", "not the alice you think")
    assert sorted(r.reviewer.key for r in backend.reviews.current_reviews("fraud", 1)) == ["user:101", "user:999"]


def test_reviews_belong_to_their_version(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.ready_version("fraud")
    registry.ready_version("fraud")
    _review(registry, 2, _reviewer("101", "alice"), "approve")
    assert _current(backend, 1) == []
    assert _current(backend, 2) == [("alice", "approve")]


def test_a_version_that_is_not_ready_takes_no_review_and_no_event(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.register("fraud")  # pending upload
    with pytest.raises(ConditionFailed) as refused:
        _review(registry, 1, _reviewer("101", "alice"), "approve")
    assert refused.value.failed == {"version"}
    assert _current(backend, 1) == []
    assert "model.version.reviewed" not in event_types(backend, "fraud")
