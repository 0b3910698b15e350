"""Review sign-off: a reviewer approves a version or asks for changes, with a comment kept as metadata.

Each reviewer has one current review per version (a later one replaces it); every review is also an
event (`model.version.reviewed`), written in the same transaction, so the history stays in the trail.
A stage rule's `min_reviews` counts these reviews at promotion (domain/stage_rules.py).
"""

from __future__ import annotations

from modelyard_server.domain import access
from modelyard_server.domain.audit import new_event, record_outsider_refusal
from modelyard_server.domain.errors import Forbidden, ModelNotFound, VersionStateConflict
from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.domain.names import namespace_of
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.resolution import get_version_by_number
from modelyard_server.domain.review_records import (
    Reviewer,
    ReviewList,
    ReviewRecord,
    ReviewRequest,
    ReviewSummary,
    StandingReviews,
    is_self_review,
    tally,
)
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed

EVENT_TYPE = "model.version.reviewed"


class SavedReview(RegistryModel):
    review: ReviewRecord
    summary: ReviewSummary


def reviewer_of(principal: Principal) -> Reviewer:
    """The principal as a reviewer, keyed by id: a person's GitHub user id, a workflow's repository id."""
    repository_id = principal.claims.get("repository_id")
    if principal.is_person:
        key = f"user:{principal.login_id}"
    elif repository_id is not None and str(repository_id):
        key = f"repo:{repository_id}"
    else:
        key = f"sub:{principal.subject}"
    return Reviewer(
        key=key,
        kind=principal.kind,
        user_id=principal.login_id,
        login=principal.login,
        repository=principal.repository,
        repository_id=str(repository_id) if repository_id is not None and not principal.is_person else None,
        subject=principal.subject,
        teams=list(principal.teams),
    )


def _as_principal(reviewer: Reviewer) -> Principal:
    """The reviewer as the caller they were when they reviewed (a person with their session's teams)."""
    claims: dict[str, object] = {"sub": reviewer.subject}
    if reviewer.kind == "person":
        claims |= {"login": reviewer.login, "teams": reviewer.teams}
    else:
        claims |= {"repository": reviewer.repository, "repository_id": reviewer.repository_id}
    return Principal(claims=claims, kind=reviewer.kind)


def lapsed_reviewers(model: str, reviews: list[ReviewRecord]) -> frozenset[str]:
    """The keys of the reviewers of `reviews` who no longer hold the reviewer role on `model`, by the grants in
    force now (one read of the grants, whatever the number of reviews): a revoked grant takes their sign-offs
    and their requests for changes with it. A person is judged with the teams their session had then."""
    if not reviews:
        return frozenset()
    wanted = set(access.holders("review"))
    grants, namespace = backend().roles.all_grants(), namespace_of(model)
    return frozenset(
        review.reviewer.key
        for review in reviews
        if not (
            access.bootstrap_roles(p := _as_principal(review.reviewer)) | access.granted_roles(p, namespace, grants)
        )
        & wanted
    )


def review_version(name: str, number: int, request: ReviewRequest, principal: Principal) -> SavedReview:
    loaded = backend().models.load_model(name)
    if loaded is None:
        raise ModelNotFound(f"there is no model '{name}'")
    try:
        access.require(principal, "review", loaded.model, action=f"signing off versions of '{name}'")
    except Forbidden as refusal:
        record_outsider_refusal(name, f"review version {number}", principal, refusal)
        raise
    version = get_version_by_number(name, number, consistent=True)
    if version.status != "ready":
        raise VersionStateConflict(
            f"version {number} of '{name}' is {version.status}; only ready versions are reviewed"
        )
    reviewer = reviewer_of(principal)
    reviews = backend().reviews.current_reviews(name, number)
    previous = next((r for r in reviews if r.reviewer.key == reviewer.key), None)
    event = new_event(
        EVENT_TYPE,
        name,
        principal,
        version=number,
        before={"verdict": previous.verdict} if previous is not None else None,
        after={"verdict": request.verdict},
        detail={
            "reviewer": reviewer.model_dump(mode="json"),
            "comment": request.comment,
            "self_review": is_self_review(version, reviewer),
        },
    )
    review = ReviewRecord(
        model=name,
        version=number,
        reviewer=reviewer,
        verdict=request.verdict,
        comment=request.comment,
        at=event.at,
        event_id=event.id,
    )
    try:
        backend().reviews.save_review(review, event)
    except ConditionFailed as lost:
        raise VersionStateConflict(f"version {number} of '{name}' stopped being ready") from lost
    current = [r for r in reviews if r.reviewer.key != reviewer.key] + [review]
    return SavedReview(review=review, summary=tally(version, current, lapsed_reviewers(name, current)))


def list_reviews(name: str, number: int) -> ReviewList:
    """Each reviewer's latest review of the version, and what they add up to."""
    version = get_version_by_number(name, number)
    current = standing_reviews(name, number)
    summary = tally(version, current.reviews, current.lapsed)
    return ReviewList(model=name, version=number, items=current.reviews, summary=summary)


def standing_reviews(name: str, number: int) -> StandingReviews:
    """The version's current reviews and whose of them lapsed: what a promotion and the listing count."""
    reviews = backend().reviews.current_reviews(name, number)
    return StandingReviews(reviews, lapsed_reviewers(name, reviews))
