"""Who belongs to a namespace: the one place that matches a caller against a namespace's grantees.

A grantee is matched by what cannot be renamed or re-taken: a team by its `org/team` slug in a person's
session (`teams`, set at sign-in), a person by GitHub user id, a repository by the `repository_id` claim
of its workflow's token. Never by login or repository name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelyard_server.domain.principal import Principal, is_admin

if TYPE_CHECKING:
    from modelyard_server.domain.namespace_records import Grantee, NamespaceRecord


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


def governs(principal: Principal, namespace: NamespaceRecord) -> bool:
    """Who may change the namespace (description, privacy, owners) and the owners of its models."""
    return is_admin(principal) or is_namespace_owner(principal, namespace)


def is_member(principal: Principal, namespace: NamespaceRecord) -> bool:
    """Who sees a private namespace and may register new models in it: registry admins and its owners.

    (Roles extend this: whoever holds any role in the namespace is a member too.)
    """
    return governs(principal, namespace)
