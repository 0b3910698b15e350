"""/v1/models: create, list, read, update."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.domain import catalog, search
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.schemas import CreateModelRequest, ModelPage, ModelRecord, UpdateModelRequest
from modelyard_server.domain.search_params import ModelFilters
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.params import LimitQuery, ModelNameParam, NextTokenQuery
from modelyard_server.observability import metrics

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.post("/v1/models", summary="Create a model", tags=["models"])
def create_model(body: CreateModelRequest, caller: Caller) -> Response[ModelRecord]:
    model = catalog.create_model(body, caller)
    metrics.add_metric(name="ModelCreated", unit="Count", value=1)
    return Response(
        status_code=201,
        content_type="application/json",
        body=model,
        headers={"Location": f"/v1/models/{model.name}"},
    )


@router.get("/v1/models", summary="List models by name, with filters; each with its stages filled", tags=["models"])
def list_models(
    caller: Caller,
    filters: Annotated[ModelFilters, Query()],
    limit: LimitQuery = 50,
    next_token: NextTokenQuery = None,
) -> ModelPage:
    return search.search_models(filters, limit, next_token)


@router.get("/v1/models/<name>", summary="A model with its stages and aliases", tags=["models"])
def get_model(name: ModelNameParam, caller: Caller) -> ModelRecord:
    return catalog.get_model(name)


@router.patch("/v1/models/<name>", summary="Update a model's description or tags", tags=["models"])
def update_model(name: ModelNameParam, body: UpdateModelRequest, caller: Caller) -> ModelRecord:
    return catalog.update_model(name, body, caller)
