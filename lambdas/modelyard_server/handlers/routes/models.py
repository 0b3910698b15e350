"""/v1/models: create, list, read, update."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.domain.names import GITHUB_ID_PATTERN
from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import LimitQuery, ModelNameParam, NextTokenQuery
from modelyard_server.observability import metrics

if TYPE_CHECKING:
    from modelyard_server.domain import catalog, model_owners, model_records, search, search_params
else:  # loaded by the first request that needs them (see `deferred`)
    catalog = Deferred("modelyard_server.domain.catalog")
    model_owners = Deferred("modelyard_server.domain.model_owners")
    model_records = Deferred("modelyard_server.domain.model_records")
    search = Deferred("modelyard_server.domain.search")
    search_params = Deferred("modelyard_server.domain.search_params")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]
RepositoryIdQuery = Annotated[
    str, Query(pattern=GITHUB_ID_PATTERN, max_length=20, description="The owner repository's id (`repository_id`)")
]


@router.post("/v1/models", summary="Create a model", tags=["models"])
def create_model(body: model_records.CreateModelRequest, caller: Caller) -> Response[model_records.ModelRecord]:
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
    filters: Annotated[search_params.ModelFilters, Query()],
    limit: LimitQuery = 50,
    next_token: NextTokenQuery = None,
) -> model_records.ModelPage:
    return search.search_models(filters, limit, next_token, caller)


@router.get("/v1/models/<name>", summary="A model with its stages and aliases", tags=["models"])
def get_model(name: ModelNameParam, caller: Caller) -> model_records.ModelRecord:
    return catalog.get_model(name)


@router.patch("/v1/models/<name>", summary="Update a model's description or tags", tags=["models"])
def update_model(
    name: ModelNameParam, body: model_records.UpdateModelRequest, caller: Caller
) -> model_records.ModelRecord:
    return catalog.update_model(name, body, caller)


@router.post(
    "/v1/models/<name>/owners",
    summary="Add an owner repository to a model (admins and its namespace's owners)",
    description="The repository is named by id (what its workflows' tokens carry as `repository_id`) and full "
    "name. Recorded in the model's events and the governance trail (`model.owners.changed`).",
    tags=["models"],
)
def add_model_owner(
    name: ModelNameParam, body: model_owners.AddModelOwnerRequest, caller: Caller
) -> model_records.ModelRecord:
    return model_owners.add_model_owner(name, body, caller)


@router.delete(
    "/v1/models/<name>/owners",
    summary="Remove an owner repository from a model, by id (admins and its namespace's owners)",
    description="Never the last owner (409): add another first.",
    tags=["models"],
)
def remove_model_owner(
    name: ModelNameParam, repository: RepositoryIdQuery, caller: Caller
) -> model_records.ModelRecord:
    return model_owners.remove_model_owner(name, repository, caller)
