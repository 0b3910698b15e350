"""Who belongs to a namespace: the one place that matches a caller against a namespace's grantees.

A grantee is matched by what cannot be renamed or re-taken: a team by its `org/team` slug in a person's
session (`teams`, set at sign-in), a person by GitHub user id, a repository by the `repository_id` claim
of its workflow's token. Never by login or repository name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend

if TYPE_CHECKING:
    from modelyard_server.domain.namespace_records import Grantee, NamespaceRecord
    from modelyard_server.domain.role_grants import RoleGrant


def is_grantee(principal: Principal, grantee: Grantee) -> bool:
    """Whether `principal` is `grantee` (or, for a team, one of its members when they signed in)."""
    if grantee.team is not None:
        return grantee.team in {team.lower() for team in principal.teams}  # teams: people only
    if grantee.person is not None:
        return principal.is_person and principal.login_id == grantee.person
    repository_id = principal.claims.get("repository_id")
    return not principal.is_person and repository_id is not None and str(repository_id) == grantee.repository


def is_namespace_owner(principal: Principal, namespace: NamespaceRecord) -> bool:
    return any(is_grantee(principal, owner) for owner in namespace.owners)


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
