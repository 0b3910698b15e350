"""Use cases on models: create, read, list, update."""

from __future__ import annotations

from modelyard_server.domain import access
from modelyard_server.domain.audit import new_event
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import Forbidden, ModelAlreadyExists, ModelNotFound
from modelyard_server.domain.model_changes import ModelChange, change_model
from modelyard_server.domain.model_records import CreateModelRequest, ModelRecord, UpdateModelRequest
from modelyard_server.domain.names import namespace_of
from modelyard_server.domain.namespaces import namespace_missing, require_registrable
from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed


def create_model(request: CreateModelRequest, principal: Principal) -> ModelRecord:
    """A new model, owned by the calling repository."""
    require_registrable(request.name, principal)
    if principal.repository is None:
        raise Forbidden("creating a model needs a token with a 'repository' claim: it becomes the model's owner")
    at = now()
    model = ModelRecord(
        name=request.name,
        description=request.description,
        tags=request.tags,
        owners=[principal.repository],
        owner_ids=[str(principal.claims["repository_id"])] if principal.claims.get("repository_id") else [],
        latest_version=0,
        created_at=at,
        created_by=principal.display_name,
        updated_at=at,
    )
    event = new_event(
        "model.created",
        model.name,
        principal,
        after={"owners": model.owners, "description": model.description},
    )
    try:
        backend().models.create_model_once(model, event, namespace_of(model.name))
    except ConditionFailed as error:
        if "namespace" in error.failed:  # deleted since `require_registrable` read it
            raise namespace_missing(namespace_of(model.name) or "") from error
        raise ModelAlreadyExists(f"a model named '{request.name}' already exists") from error
    return model


def get_model(name: str) -> ModelRecord:
    loaded = backend().models.load_model(name)
    if loaded is None:
        raise ModelNotFound(f"there is no model '{name}'")
    return loaded.model


def require_model(name: str) -> ModelRecord:
    model = backend().models.get_model(name)
    if model is None:
        raise ModelNotFound(f"there is no model '{name}'")
    return model


def update_model(name: str, request: UpdateModelRequest, principal: Principal) -> ModelRecord:
    def change_of(model: ModelRecord) -> ModelChange | None:
        access.require(principal, "develop", model, action=f"changing model '{name}'")
        changes: dict[str, object] = {}
        if request.description is not None and request.description != model.description:
            changes["description"] = request.description
        if request.tags is not None and request.tags != model.tags:
            changes["tags"] = request.tags
        if not changes:
            return None
        before = {key: getattr(model, key) for key in changes}
        event = new_event("model.updated", name, principal, before=before, after=changes)
        return ModelChange(model.model_copy(update={**changes, "updated_at": now()}), event)

    change_model(require_model(name), change_of)
    return get_model(name)
