"""/v1/models/{name}/versions/{version}/reviews: a reviewer signs off a version, anyone reads the sign-offs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import ModelNameParam, VersionNumberParam
from modelyard_server.observability import metrics

if TYPE_CHECKING:
    from modelyard_server.domain import review_records, reviews
else:  # loaded by the first request that needs them (see `deferred`)
    reviews = Deferred("modelyard_server.domain.reviews")
    review_records = Deferred("modelyard_server.domain.review_records")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.post(
    "/v1/models/<name>/versions/<version>/reviews",
    summary="Approve a version or request changes (reviewers)",
    tags=["reviews"],
)
def review_version(
    name: ModelNameParam, version: VersionNumberParam, body: review_records.ReviewRequest, caller: Caller
) -> Response[reviews.SavedReview]:
    saved = reviews.review_version(name, version, body, caller)
    metrics.add_metric(name="VersionReviewed", unit="Count", value=1)
    return Response(status_code=201, content_type="application/json", body=saved)


@router.get(
    "/v1/models/<name>/versions/<version>/reviews",
    summary="Each reviewer's latest review of a version, with a summary",
    tags=["reviews"],
)
def list_reviews(name: ModelNameParam, version: VersionNumberParam, caller: Caller) -> review_records.ReviewList:
    return reviews.list_reviews(name, version)
