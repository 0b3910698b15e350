"""/v1/versions: find versions across the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import LimitQuery, NextTokenQuery

if TYPE_CHECKING:
    from modelyard_server.domain import search, search_params
else:  # loaded by the first request that needs them (see `deferred`)
    search = Deferred("modelyard_server.domain.search")
    search_params = Deferred("modelyard_server.domain.search_params")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.get(
    "/v1/versions",
    summary="Search versions across the registry",
    description="Every filter must match. Newest first unless `order_by`/`order` say otherwise; ties by model "
    "and version (in the same direction), so paging is stable. Each page reads a bounded stretch of an index, "
    "so a page may hold fewer items than `limit` while `next_token` says more may follow.",
    tags=["versions"],
)
def search_versions(
    caller: Caller,
    filters: Annotated[search_params.VersionFilters, Query()],
    limit: LimitQuery = 50,
    next_token: NextTokenQuery = None,
) -> search.VersionHitPage:
    return search.search_versions(filters, limit, next_token, caller)
