"""/v1/compare: how one version differs from another."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.domain.names import MODEL_URI_PATTERN
from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred

if TYPE_CHECKING:
    from modelyard_server.domain import compare as comparing
    from modelyard_server.domain import comparison
else:  # loaded by the first request that needs them (see `deferred`)
    comparing = Deferred("modelyard_server.domain.compare")  # `compare` is the route's name
    comparison = Deferred("modelyard_server.domain.comparison")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]
_URI_FORMS = (
    "models:/fraud/7, models:/fraud/1.4.0, models:/fraud@champion, models:/fraud/Production, models:/fraud/latest"
)
BaseUri = Annotated[
    str, Query(pattern=MODEL_URI_PATTERN, max_length=300, description=f"The version compared against ({_URI_FORMS})")
]
HeadUri = Annotated[
    str,
    Query(pattern=MODEL_URI_PATTERN, max_length=300, description=f"The version whose changes are shown ({_URI_FORMS})"),
]


@router.get(
    "/v1/compare",
    summary="Compare two versions: metrics, params, lineage, signature, latest validation",
    description="Any two versions, of one model or two; a stage, alias or `latest` URI compares the version it "
    "names now. Metrics are listed side by side for every name either version has, with `change` (head - base) "
    "and `relative_change` ((head - base) / |base|, null when base is 0 or a side lacks the metric); params, "
    "lineage and signature list only what differs.",
    tags=["versions"],
)
def compare(base: BaseUri, head: HeadUri, caller: Caller) -> comparison.VersionComparison:
    return comparing.compare_uris(base, head, caller)
