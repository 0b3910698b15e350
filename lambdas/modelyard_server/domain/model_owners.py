"""A model's owners (the repositories that register and promote it), changed after its creation by registry
admins and the owners of its namespace. Each change is in the model's trail and in the governance trail
(`model.owners.changed`, subject `model:<name>`).

Owners are named by repository id (what a token's `repository_id` claim carries) and by full name (what
today's owner check reads, and what people read); the two lists pair up by position.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from modelyard_server.domain.audit import new_event
from modelyard_server.domain.catalog import get_model, require_model
from modelyard_server.domain.errors import LastOwner, OwnerNotFound
from modelyard_server.domain.governance_audit import MODEL_OWNERS_CHANGED, governance_event
from modelyard_server.domain.model_base import StrictModel
from modelyard_server.domain.model_changes import ModelChange, change_model
from modelyard_server.domain.model_records import ModelRecord
from modelyard_server.domain.names import GITHUB_ID_PATTERN, REPOSITORY_PATTERN, namespace_of
from modelyard_server.domain.namespace_members import is_registry_admin, require_governor
from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend

OWNERS_ROUTE = "POST /v1/models/{name}/owners (add) and DELETE /v1/models/{name}/owners?repository=ID (remove)"


class AddModelOwnerRequest(StrictModel):
    repository_id: Annotated[str, StringConstraints(pattern=GITHUB_ID_PATTERN)] = Field(
        description="The repository's id (its workflows' `repository_id` claim): what identifies it"
    )
    repository: Annotated[str, StringConstraints(pattern=REPOSITORY_PATTERN)] = Field(
        description="Its full name, `owner/repo`, as its tokens' `repository` claim says it"
    )


def _require_governor(model: ModelRecord, principal: Principal) -> None:
    if is_registry_admin(principal):
        return
    namespace = namespace_of(model.name)
    record = backend().namespaces.get_namespace(namespace) if namespace is not None else None
    whose = f"the owners of namespace '{namespace}'" if namespace is not None else "nobody else (no namespace)"
    require_governor(
        principal, record, f"changing the owners of model '{model.name}' is for registry admins and {whose}"
    )


def _paired(model: ModelRecord) -> list[tuple[str, str | None]]:
    """(name, id) of each owner; a model recorded before owner ids were kept has names only."""
    if len(model.owner_ids) == len(model.owners):
        return list(zip(model.owners, model.owner_ids, strict=True))
    return [(owner, None) for owner in model.owners]


def _change(model: ModelRecord, owners: list[tuple[str, str | None]], principal: Principal) -> ModelChange:
    before = {"owners": model.owners, "owner_ids": model.owner_ids}
    after = {"owners": [name for name, _ in owners], "owner_ids": [i for _, i in owners if i is not None]}
    if len(after["owner_ids"]) != len(after["owners"]):
        after["owner_ids"] = []  # ids for some only would lock the others out: names alone, as before
    event = new_event(MODEL_OWNERS_CHANGED, model.name, principal, before=before, after=after)
    audit = governance_event(MODEL_OWNERS_CHANGED, principal, before, after, subject=f"model:{model.name}")
    return ModelChange(model.model_copy(update=after), event, audit)


def add_model_owner(name: str, request: AddModelOwnerRequest, principal: Principal) -> ModelRecord:
    def change_of(model: ModelRecord) -> ModelChange | None:
        _require_governor(model, principal)
        owners = _paired(model)
        if any(owner_id == request.repository_id for _, owner_id in owners):
            return None  # already an owner: a retried request changes nothing
        kept = [(owner, owner_id) for owner, owner_id in owners if owner != request.repository]  # renamed: new id
        return _change(model, [*kept, (request.repository, request.repository_id)], principal)

    change_model(require_model(name), change_of)
    return get_model(name)


def remove_model_owner(name: str, repository_id: str, principal: Principal) -> ModelRecord:
    def change_of(model: ModelRecord) -> ModelChange | None:
        _require_governor(model, principal)
        owners = _paired(model)
        kept = [(owner, owner_id) for owner, owner_id in owners if owner_id != repository_id]
        if len(kept) == len(owners):
            raise OwnerNotFound(f"repository id {repository_id} is not an owner of model '{name}'")
        if not kept:
            raise LastOwner(f"repository id {repository_id} is the last owner of model '{name}': add another one first")
        return _change(model, kept, principal)

    change_model(require_model(name), change_of)
    return get_model(name)
