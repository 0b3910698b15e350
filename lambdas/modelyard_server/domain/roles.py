"""Use cases on role grants (admins): list, grant (idempotent), revoke; each change is in the governance trail.

A grant at `*` is governed by the registry (`registry:roles`), a grant at a namespace by that namespace
(`namespace:<name>`). A grant needs its namespace to exist (a typo must not grant a role nobody can see);
a revocation does not (a grant outlives nothing it could not be taken back from).
"""

from __future__ import annotations

from modelyard_server.domain import access
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import Contention, DomainError, OneGranteeRequired
from modelyard_server.domain.governance_audit import ROLES_GRANTED, ROLES_REVOKED, governance_event
from modelyard_server.domain.namespaces import namespace_missing, visible_namespace
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.role_grants import (
    REGISTRY_SCOPE,
    ROLES,
    GrantAnswer,
    GrantKey,
    GrantRoleRequest,
    RevokeAnswer,
    RevokeRoleQuery,
    RoleFilters,
    RoleGrant,
    RoleGrantList,
)
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed


class GrantNotFound(DomainError):
    status, slug, title = 404, "grant-not-found", "No such role grant"


def _subject(scope: str) -> str:
    return "registry:roles" if scope == REGISTRY_SCOPE else f"namespace:{scope}"


def _shown(grant: GrantKey) -> dict[str, object]:
    return grant.model_dump(mode="json")


def list_grants(principal: Principal, filters: RoleFilters) -> RoleGrantList:
    access.require(principal, "administer", action="listing role grants")
    grants = [
        grant
        for grant in backend().roles.all_grants()
        if filters.scope in (None, grant.scope) and filters.role in (None, grant.role)
    ]
    grants.sort(key=lambda g: (g.scope != REGISTRY_SCOPE, g.scope, ROLES.index(g.role), g.grantee_kind, g.grantee))
    return RoleGrantList(items=grants)


def _find(key: GrantKey) -> RoleGrant | None:
    return next((grant for grant in backend().roles.all_grants() if grant.key() == key), None)


def grant_role(request: GrantRoleRequest, principal: Principal) -> GrantAnswer:
    access.require(principal, "administer", action="granting roles")
    if request.scope != REGISTRY_SCOPE:
        visible_namespace(request.scope, principal)  # an admin sees every namespace: 404 only when missing
    grant = RoleGrant(
        scope=request.scope,
        role=request.role,
        grantee_kind=request.grantee_kind,
        grantee=request.grantee,
        label=request.label,
        granted_by=principal.actor(),
        granted_at=now(),
    )
    audit = governance_event(ROLES_GRANTED, principal, None, _shown(grant), subject=_subject(grant.scope))
    try:
        added = backend().roles.add_grant(grant, audit)
    except ConditionFailed as error:  # its namespace was deleted since it was read
        raise namespace_missing(request.scope) from error
    if added:
        return GrantAnswer(grant=grant, already_granted=False)
    existing = _find(grant.key())
    if existing is None:  # revoked between the write and this read
        raise Contention("the grant was revoked while it was being granted; retry")
    return GrantAnswer(grant=existing, already_granted=True)


def revoke_role(query: RevokeRoleQuery, principal: Principal) -> RevokeAnswer:
    access.require(principal, "administer", action="revoking roles")
    if len(query.given) != 1:
        raise OneGranteeRequired.given(len(query.given))
    key = GrantKey(scope=query.scope, role=query.role, grantee_kind=query.grantee_kind, grantee=query.grantee)
    existing = _find(key)
    missing = GrantNotFound(f"there is no grant of {key.describe()}")
    if existing is None:
        raise missing
    audit = governance_event(ROLES_REVOKED, principal, _shown(existing), None, subject=_subject(key.scope))
    if not backend().roles.remove_grant(key, audit):
        raise missing  # revoked by someone else in between
    return RevokeAnswer(revoked=existing)
