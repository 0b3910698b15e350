"""Who belongs to a namespace: its owners (matched as role grantees are, `principal.is_grantee`: by team slug,
GitHub user id or repository id, never by name), and whoever holds a role in it."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from modelyard_server.domain.errors import Forbidden
from modelyard_server.domain.principal import Principal, is_grantee
from modelyard_server.ports import backend
from modelyard_server.settings import get_settings

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


def _untrusted_ref(principal: Principal) -> str | None:
    """Why a workflow may not govern from the ref it runs on (None: it may, or it is a person).

    A repository that owns a namespace governs it only from the deployment's trusted refs
    (`MODELYARD_GOVERNANCE_REFS`): otherwise any branch or pull request of it could change privacy and owners.
    """
    if principal.is_person:
        return None
    trusted = get_settings().governance_refs
    ref = principal.claims.get("ref")
    if isinstance(ref, str) and any(fnmatch.fnmatchcase(ref, pattern) for pattern in trusted):
        return None
    return (
        f"a namespace owner's workflow governs only from {', '.join(trusted)} (MODELYARD_GOVERNANCE_REFS); "
        f"this run is on {ref if isinstance(ref, str) and ref else 'no ref'}"
    )


def governs(principal: Principal, namespace: NamespaceRecord) -> bool:
    """Who may change the namespace (description, privacy, owners) and the owners of its models: registry admins,
    and its owners (a repository from a trusted ref only)."""
    if is_namespace_owner(principal, namespace) and _untrusted_ref(principal) is None:
        return True
    return is_registry_admin(principal)


def require_governor(principal: Principal, namespace: NamespaceRecord | None, refusal: str) -> None:
    """Forbidden(`refusal`) unless the caller governs `namespace`; an owner's workflow on an untrusted ref is told
    which refs are trusted and which one it ran on."""
    if governs(principal, namespace) if namespace is not None else is_registry_admin(principal):
        return
    if namespace is not None and is_namespace_owner(principal, namespace):
        raise Forbidden(
            f"{refusal}: {_untrusted_ref(principal)}",
            trusted_refs=list(get_settings().governance_refs),
            ref=principal.claims.get("ref"),
        )
    raise Forbidden(refusal)


def is_member(principal: Principal, namespace: NamespaceRecord, grants: list[RoleGrant] | None = None) -> bool:
    """Who sees a private namespace and may register new models in it: its owners, and whoever holds any role
    in it (granted at the namespace or registry-wide, or by the deployment's settings: admins included).
    `grants` when the caller already read them (one read for many namespaces)."""
    from modelyard_server.domain import access  # on use, as above

    if is_namespace_owner(principal, namespace) or access.bootstrap_roles(principal):
        return True
    grants = backend().roles.all_grants() if grants is None else grants
    return bool(access.granted_roles(principal, namespace.name, grants))
