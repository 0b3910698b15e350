"""Use cases on policy documents: read and set the registry policy, namespaces' layers and per-model overrides
(admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from modelyard_server.domain import access
from modelyard_server.domain.audit import new_event
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import DomainError, ModelNotFound
from modelyard_server.domain.governance_audit import (
    POLICY_MODEL_SET,
    POLICY_NAMESPACE_SET,
    POLICY_REGISTRY_SET,
    governance_event,
)
from modelyard_server.domain.model_base import RegistryModel, Revision, StrictModel
from modelyard_server.domain.names import namespace_of
from modelyard_server.domain.namespaces import visible_namespace
from modelyard_server.domain.policy import (
    EffectivePolicy,
    PolicyDocument,
    builtin_policy,
    digest_of,
    effective_policy,
)
from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed, LoadedModel
from modelyard_server.settings import get_settings


class PolicyRevisionConflict(DomainError):
    status, slug, title = 409, "policy-revision-conflict", "The policy changed since you read it"


class SetPolicyRequest(StrictModel):
    document: PolicyDocument
    expected_revision: Revision = 0


class PolicyView(RegistryModel):
    document: PolicyDocument
    defaults: PolicyDocument = Field(
        default_factory=PolicyDocument,
        description="The registry's built-in rules: they apply wherever the documents leave a field unsaid",
    )
    revision: int
    digest: str
    updated_at: datetime | None = None
    updated_by: str | None = None


class PolicyHistoryPage(RegistryModel):
    items: list[PolicyView]
    next_token: str | None = None


class ModelPolicyView(RegistryModel):
    registry: PolicyView
    namespace: PolicyView | None = Field(default=None, description="The layer of the model's namespace, if it has one")
    override: PolicyView | None
    effective_digest: str
    layers: list[str] = Field(default_factory=list, description="The layers that apply to the model, in order")


def builtin_document() -> PolicyDocument:
    return builtin_policy(get_settings().stages)


def _view(record: dict[str, Any] | None, revision: int) -> PolicyView:
    if record is None:
        empty = PolicyDocument()
        return PolicyView(document=empty, defaults=builtin_document(), revision=0, digest=digest_of([empty]))
    document = PolicyDocument.model_validate(record["document"])
    return PolicyView(
        document=document,
        defaults=builtin_document(),
        revision=revision,
        digest=digest_of([document]),
        updated_at=record.get("updated_at"),
        updated_by=record.get("updated_by"),
    )


def registry_policy() -> PolicyView:
    stored = backend().governance.get_registry_policy()
    return _view(stored[0], stored[1]) if stored is not None else _view(None, 0)


def registry_policy_history(limit: int, next_token: str | None) -> PolicyHistoryPage:
    """Every stored revision of the registry policy, newest first (those set before the governance trail
    existed too); the trail (`policy.registry.set`) adds who acted in full and the document replaced."""
    page = backend().governance.registry_policy_history(limit, next_token)
    return PolicyHistoryPage(
        items=[_view(record, revision) for revision, record in page.items], next_token=page.next_token
    )


def registry_document() -> PolicyDocument:
    stored = backend().governance.get_registry_policy()
    return PolicyDocument.model_validate(stored[0]["document"]) if stored is not None else PolicyDocument()


def _namespace_layer(model_name: str) -> tuple[str, PolicyDocument] | None:
    """The policy layer of the model's namespace (one read, for namespaced models only), if it set one."""
    namespace = namespace_of(model_name)
    stored = backend().namespaces.get_namespace_policy(namespace) if namespace is not None else None
    if namespace is None or stored is None:
        return None
    return namespace, PolicyDocument.model_validate(stored[0]["document"])


def policy_for(loaded: LoadedModel, repository_policy: dict[str, Any] | PolicyDocument | None) -> EffectivePolicy:
    """The effective policy for a model: registry, its namespace's layer, its override, then a repository layer
    (tighten-only)."""
    override = PolicyDocument.model_validate(loaded.policy_override) if loaded.policy_override else None
    repository = (
        PolicyDocument.model_validate(repository_policy) if isinstance(repository_policy, dict) else repository_policy
    )
    name = loaded.model.name
    return effective_policy(
        builtin_document(), registry_document(), override, repository, namespace=_namespace_layer(name), model=name
    )


def _record(request: SetPolicyRequest, principal: Principal) -> dict[str, Any]:
    return {
        "document": request.document.model_dump(mode="json", exclude_none=True),
        "updated_at": now().isoformat(),
        "updated_by": principal.display_name,
        "digest": digest_of([request.document]),
    }


def _revision_state(document: dict[str, Any], revision: int) -> dict[str, Any]:
    """A policy revision as the governance trail keeps it: its number, digest and document."""
    digest = digest_of([PolicyDocument.model_validate(document)])
    return {"revision": revision, "digest": digest, "document": document}


def set_registry_policy(request: SetPolicyRequest, principal: Principal) -> PolicyView:
    access.require(principal, "administer", action="setting the registry policy")
    record = _record(request, principal)
    stored = backend().governance.get_registry_policy()
    # What the write replaces when it succeeds (it is conditioned on this very revision).
    before = _revision_state(stored[0]["document"], stored[1]) if stored is not None else None
    after = _revision_state(record["document"], request.expected_revision + 1)
    audit = governance_event(POLICY_REGISTRY_SET, principal, before, after, subject="registry:policy")
    try:
        revision = backend().governance.put_registry_policy(record, request.expected_revision, audit)
    except ConditionFailed as error:
        current = registry_policy().revision
        raise PolicyRevisionConflict(
            f"the registry policy is at revision {current}, not {request.expected_revision}; re-read it"
        ) from error
    return _view(record, revision)


def model_policy(name: str) -> ModelPolicyView:
    loaded = backend().models.load_model(name)
    if loaded is None:
        raise ModelNotFound(f"there is no model '{name}'")
    override = None
    if loaded.policy_override is not None:
        override = PolicyView(
            document=PolicyDocument.model_validate(loaded.policy_override),
            revision=loaded.policy_revision,
            digest=digest_of([PolicyDocument.model_validate(loaded.policy_override)]),
        )
    effective = policy_for(loaded, None)
    namespace = namespace_of(name)
    return ModelPolicyView(
        registry=registry_policy(),
        namespace=namespace_policy_view(namespace) if namespace is not None else None,
        override=override,
        effective_digest=effective.digest,
        layers=effective.layers,
    )


def set_model_policy(name: str, request: SetPolicyRequest, principal: Principal) -> ModelPolicyView:
    loaded = backend().models.load_model(name)
    if loaded is None:  # before the admin check: a missing model answers alike to all (and so a hidden one)
        raise ModelNotFound(f"there is no model '{name}'")
    access.require(principal, "administer", loaded.model, action="setting a model's policy override")
    record = _record(request, principal)
    event = new_event("model.policy.set", name, principal, after={"digest": record["digest"]})
    override = loaded.policy_override
    before = _revision_state(override, loaded.policy_revision) if override is not None else None
    after = _revision_state(record["document"], request.expected_revision + 1)
    audit = governance_event(POLICY_MODEL_SET, principal, before, after, subject=f"model:{name}")
    try:
        backend().governance.put_model_policy(name, record, request.expected_revision, event, audit)
    except ConditionFailed as error:
        raise PolicyRevisionConflict(
            f"the policy of '{name}' changed since revision {request.expected_revision}; re-read it"
        ) from error
    return model_policy(name)


def namespace_policy_view(namespace: str) -> PolicyView | None:
    stored = backend().namespaces.get_namespace_policy(namespace)
    return _view(stored[0], stored[1]) if stored is not None else None


def namespace_policy(namespace: str, principal: Principal) -> PolicyView:
    """A namespace's policy layer (revision 0 and an empty document while none is set)."""
    visible_namespace(namespace, principal)
    return namespace_policy_view(namespace) or _view(None, 0)


def set_namespace_policy(namespace: str, request: SetPolicyRequest, principal: Principal) -> PolicyView:
    """Replace a namespace's layer (admins): it applies to every model named `namespace/...`."""
    visible_namespace(namespace, principal)
    access.require(principal, "administer", action="setting a namespace's policy")
    record = _record(request, principal)
    stored = backend().namespaces.get_namespace_policy(namespace)
    before = _revision_state(stored[0]["document"], stored[1]) if stored is not None else None
    after = _revision_state(record["document"], request.expected_revision + 1)
    audit = governance_event(POLICY_NAMESPACE_SET, principal, before, after, subject=f"namespace:{namespace}")
    try:
        revision = backend().namespaces.put_namespace_policy(namespace, record, request.expected_revision, audit)
    except ConditionFailed as error:
        current = stored[1] if stored is not None else 0
        raise PolicyRevisionConflict(
            f"the policy of namespace '{namespace}' is at revision {current}, not {request.expected_revision}; "
            "re-read it"
        ) from error
    return _view(record, revision)
