"""Use cases on namespaces: create (admins), list and read (what the caller can see), update and change owners
(admins and the namespace's owners), and the rule for registering a new model in one (deleting one:
`namespace_deletion`).

A private namespace is invisible to non-members: reading it answers the 404 a missing one does.
"""

from __future__ import annotations

from typing import Any

from modelyard_server.domain import access
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import (
    Forbidden,
    LastOwner,
    NamespaceChanged,
    NamespaceExists,
    NamespaceNotFound,
    OneGranteeRequired,
    OwnerNotFound,
    TooManyOwners,
)
from modelyard_server.domain.governance_audit import (
    NAMESPACE_CREATED,
    NAMESPACE_OWNERS_CHANGED,
    NAMESPACE_UPDATED,
    governance_event,
)
from modelyard_server.domain.names import is_namespace_name, namespace_of
from modelyard_server.domain.namespace_members import is_member, is_namespace_owner, require_governor
from modelyard_server.domain.namespace_records import (
    MAX_OWNERS,
    AddOwnerRequest,
    CreateNamespaceRequest,
    Grantee,
    NamespaceList,
    NamespaceRecord,
    UpdateNamespaceRequest,
)
from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed


def namespace_subject(name: str) -> str:
    return f"namespace:{name}"


def namespace_missing(name: str) -> NamespaceNotFound:
    return NamespaceNotFound(
        f"there is no namespace '{name}'; a registry admin creates it: `modelyard namespaces create {name} "
        "--owner-team ORG/TEAM` (POST /v1/namespaces)",
        namespace=name,
    )


def shown_namespace(record: NamespaceRecord) -> dict[str, Any]:
    """A namespace as its governance events show it, before and after a change."""
    return record.model_dump(mode="json", include={"description", "owners", "private"})


def visible_namespace(name: str, principal: Principal) -> NamespaceRecord:
    """The namespace, if the caller may see it; else the 404 of a namespace that does not exist."""
    record = backend().namespaces.get_namespace(name) if is_namespace_name(name) else None
    if record is None or (record.private and not is_member(principal, record)):
        raise namespace_missing(name)
    return record


def create_namespace(request: CreateNamespaceRequest, principal: Principal) -> NamespaceRecord:
    access.require(principal, "administer", action="creating a namespace")
    at = now()
    record = NamespaceRecord(
        name=request.name,
        description=request.description,
        owners=_distinct(request.owners),
        private=request.private,
        created_by=principal.display_name,
        created_at=at,
        updated_at=at,
        revision=1,
    )
    audit = governance_event(
        NAMESPACE_CREATED, principal, None, shown_namespace(record), subject=namespace_subject(record.name)
    )
    try:
        backend().namespaces.create_namespace_once(record, audit)
    except ConditionFailed as error:
        raise NamespaceExists(f"a namespace named '{request.name}' already exists") from error
    return record


def list_namespaces(principal: Principal) -> NamespaceList:
    every = backend().namespaces.list_namespaces()
    return NamespaceList(items=[n for n in every if not n.private or is_member(principal, n)])


def governed_namespace(name: str, principal: Principal, action: str) -> NamespaceRecord:
    record = visible_namespace(name, principal)
    require_governor(principal, record, f"{action} of namespace '{name}' is for registry admins and its owners")
    return record


def require_revision(record: NamespaceRecord, expected: int | None) -> None:
    """NamespaceChanged unless the caller read the revision stored (or named none)."""
    if expected is not None and expected != record.revision:
        raise NamespaceChanged(
            f"namespace '{record.name}' is at revision {record.revision}, not {expected}: read it again",
            revision=record.revision,
        )


def _store(
    record: NamespaceRecord, updated: NamespaceRecord, kind: str, principal: Principal, expected: int | None
) -> NamespaceRecord:
    require_revision(record, expected)
    updated = updated.model_copy(update={"updated_at": now(), "revision": record.revision + 1})
    audit = governance_event(
        kind, principal, shown_namespace(record), shown_namespace(updated), subject=namespace_subject(record.name)
    )
    try:
        backend().namespaces.update_namespace(updated, record.revision, audit)
    except ConditionFailed as error:
        raise NamespaceChanged(f"namespace '{record.name}' changed while this request ran: read it again") from error
    return updated


def update_namespace(name: str, request: UpdateNamespaceRequest, principal: Principal) -> NamespaceRecord:
    record = governed_namespace(name, principal, "changing the description or privacy")
    changes = {
        key: value
        for key, value in (("description", request.description), ("private", request.private))
        if value is not None and value != getattr(record, key)
    }
    if not changes and request.expected_revision in (None, record.revision):
        return record  # nothing to change (a retried request): no new revision, no event
    return _store(record, record.model_copy(update=changes), NAMESPACE_UPDATED, principal, request.expected_revision)


def add_owner(name: str, request: AddOwnerRequest, principal: Principal) -> NamespaceRecord:
    record = governed_namespace(name, principal, "changing the owners")
    grantee = request.grantee()
    if any(owner.same_grantee(grantee) for owner in record.owners):
        return record  # already an owner: adding again changes nothing (a retried request is harmless)
    if len(record.owners) >= MAX_OWNERS:
        raise TooManyOwners(f"namespace '{name}' has {MAX_OWNERS} owners, the most it may have: make a team owner")
    owners = [*record.owners, grantee]
    updated = record.model_copy(update={"owners": owners})
    return _store(record, updated, NAMESPACE_OWNERS_CHANGED, principal, request.expected_revision)


def remove_owner(
    name: str,
    principal: Principal,
    *,
    team: str | None,
    person: str | None,
    repository: str | None,
    expected: int | None,
) -> NamespaceRecord:
    """Remove the owner the query names (`?team=`, `?person=` or `?repository=`: exactly one of them, judged once
    the caller is known to govern the namespace)."""
    record = governed_namespace(name, principal, "changing the owners")
    grantee = _owner_named(team=team, person=person, repository=repository)
    kept = [owner for owner in record.owners if not owner.same_grantee(grantee)]
    if len(kept) == len(record.owners):
        raise OwnerNotFound(f"{grantee} is not an owner of namespace '{name}'")
    if not kept:
        raise LastOwner(
            f"{grantee} is the last owner of namespace '{name}': add another owner first, then remove this one"
        )
    return _store(record, record.model_copy(update={"owners": kept}), NAMESPACE_OWNERS_CHANGED, principal, expected)


def require_registrable(model_name: str, principal: Principal) -> None:
    """A new model in a namespace needs the namespace to exist and the caller to be one of its owners or a
    developer there (the role, granted at the namespace or registry-wide; admins too).

    Un-namespaced models are registered as before (no read).
    """
    namespace = namespace_of(model_name)
    if namespace is None:
        return
    record = visible_namespace(namespace, principal)
    if not (is_namespace_owner(principal, record) or access.can(principal, "develop", namespace=namespace)):
        raise Forbidden(
            f"registering a new model in namespace '{namespace}' is for its owners and developers (ask an owner to "
            f"add your repository: `modelyard namespaces owners add {namespace} --repository ID`, or an admin to "
            f"grant it the developer role: `modelyard roles grant developer --scope {namespace} --repository ID`)"
        )


def _owner_named(*, team: str | None, person: str | None, repository: str | None) -> Grantee:
    given = {kind: value for kind, value in (("team", team), ("person", person), ("repository", repository)) if value}
    if len(given) != 1:
        raise OneGranteeRequired.given(len(given))  # as DELETE /v1/roles answers
    return Grantee.model_validate(given)


def _distinct(owners: list[Grantee]) -> list[Grantee]:
    kept: list[Grantee] = []
    for owner in owners:
        if not any(owner.same_grantee(seen) for seen in kept):
            kept.append(owner)
    return kept
