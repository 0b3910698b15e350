"""Who belongs to a namespace: its owners (matched as role grantees are, `principal.is_grantee`: by team slug,
GitHub user id or repository id, never by name), and whoever holds a role in it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelyard_server.domain.principal import Principal, is_grantee
from modelyard_server.ports import backend

if TYPE_CHECKING:
    from modelyard_server.domain.namespace_records import NamespaceRecord
    from modelyard_server.domain.role_grants import RoleGrant


def is_namespace_owner(principal: Principal, namespace: NamespaceRecord) -> bool:
    return any(is_grantee(principal, kind, value) for owner in namespace.owners for kind, value in owner.key.items())


def is_registry_admin(principal: Principal, grants: list[RoleGrant] | None = None) -> bool:
    """An admin of the whole registry (settings or a `*` grant); `grants` when the caller already read them."""
    from modelyard_server.domain import access  # on use: authentication loads this module at every cold start

    if "admin" in access.bootstrap_roles(principal):
        return True
    grants = backend().roles.all_grants() if grants is None else grants
    return "admin" in access.granted_roles(principal, None, grants)


def governs(principal: Principal, namespace: NamespaceRecord) -> bool:
    """Who may change the namespace (description, privacy, owners) and the owners of its models."""
    return is_namespace_owner(principal, namespace) or is_registry_admin(principal)


def is_member(principal: Principal, namespace: NamespaceRecord, grants: list[RoleGrant] | None = None) -> bool:
    """Who sees a private namespace and may register new models in it: its owners, and whoever holds any role
    in it (granted at the namespace or registry-wide, or by the deployment's settings: admins included).
    `grants` when the caller already read them (one read for many namespaces)."""
    from modelyard_server.domain import access  # on use, as above

    if is_namespace_owner(principal, namespace) or access.bootstrap_roles(principal):
        return True
    grants = backend().roles.all_grants() if grants is None else grants
    return bool(access.granted_roles(principal, namespace.name, grants))
