"""/v1/lineage: a version's ancestors and descendants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.domain.bounds import DEFAULT_DEPTH, MAX_DEPTH, MAX_NODES
from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import ModelUriQuery, WholeNumberIn

if TYPE_CHECKING:
    from modelyard_server.domain import lineage_tree
else:  # loaded by the first request that needs them (see `deferred`)
    lineage_tree = Deferred("modelyard_server.domain.lineage_tree")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]
Depth = Annotated[int, Query(description="How many generations to go up and down"), WholeNumberIn(1, MAX_DEPTH)]


@router.get(
    "/v1/lineage",
    summary="A version's lineage both ways: the versions it came from and those made from it",
    description=f"Ancestors follow each version's `lineage.parents` (possibly into other models); descendants "
    f"are the versions naming it as a parent. Each tree lists at most {MAX_NODES} versions "
    "(`truncated` says when it stopped there); a version met twice is listed again with `repeated: true` and "
    "no relatives.",
    tags=["versions"],
)
def lineage(uri: ModelUriQuery, caller: Caller, depth: Depth = DEFAULT_DEPTH) -> lineage_tree.LineageTree:
    return lineage_tree.lineage_of(uri, caller, depth)
