"""/v1/models/{name}/stages and /aliases: promote, roll back, set and delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import ModelNameParam, PointerNameParam
from modelyard_server.observability import metrics

if TYPE_CHECKING:
    from modelyard_server.domain import pointer_records, pointers
else:  # loaded by the first request that needs them (see `deferred`)
    pointers = Deferred("modelyard_server.domain.pointers")
    pointer_records = Deferred("modelyard_server.domain.pointer_records")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.post("/v1/models/<name>/stages/<stage>/promote", summary="Promote a version to a stage", tags=["stages"])
def promote(
    name: ModelNameParam, stage: PointerNameParam, body: pointer_records.PromoteRequest, caller: Caller
) -> pointer_records.PointerRecord:
    pointer = pointers.promote(name, stage, body, caller)
    metrics.add_metric(name="VersionPromoted", unit="Count", value=1)
    return pointer


@router.post("/v1/models/<name>/stages/<stage>/rollback", summary="Roll a stage back", tags=["stages"])
def rollback(
    name: ModelNameParam, stage: PointerNameParam, body: pointer_records.RollbackRequest, caller: Caller
) -> pointer_records.PointerRecord:
    pointer = pointers.rollback(name, stage, body, caller)
    metrics.add_metric(name="StageRolledBack", unit="Count", value=1)
    return pointer


@router.get("/v1/models/<name>/stages/<stage>", summary="A stage with its history", tags=["stages"])
def get_stage(name: ModelNameParam, stage: PointerNameParam, caller: Caller) -> pointer_records.PointerRecord:
    return pointers.get_pointer(name, "stage", stage)


@router.put("/v1/models/<name>/aliases/<alias>", summary="Point an alias at a version", tags=["aliases"])
def set_alias(
    name: ModelNameParam, alias: PointerNameParam, body: pointer_records.SetAliasRequest, caller: Caller
) -> pointer_records.PointerRecord:
    return pointers.set_alias(name, alias, body, caller)


@router.get("/v1/models/<name>/aliases/<alias>", summary="An alias with its history", tags=["aliases"])
def get_alias(name: ModelNameParam, alias: PointerNameParam, caller: Caller) -> pointer_records.PointerRecord:
    return pointers.get_pointer(name, "alias", alias)


@router.delete("/v1/models/<name>/aliases/<alias>", summary="Remove an alias", tags=["aliases"])
def delete_alias(name: ModelNameParam, alias: PointerNameParam, caller: Caller) -> pointer_records.PointerRecord:
    return pointers.delete_alias(name, alias, caller)
