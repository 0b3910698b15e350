"""Roles (admins): list the grants, grant a role, revoke one; and what a grantee is shown as."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelyard.commands.results import JSON, Answer

if TYPE_CHECKING:
    from modelyard.client import Client


@dataclass(frozen=True)
class Grantee:
    """Who a grant names: one of a team (`org/team`), a person (user id) or a repository (repository id)."""

    team: str | None = None
    person: str | None = None
    repository: str | None = None


@dataclass(frozen=True)
class Granted:
    """A grant as the registry keeps it, and whether it was already there (then nothing changed)."""

    data: JSON
    already_granted: bool


def list_roles(client: Client, scope: str | None, role: str | None) -> Answer[list[JSON]]:
    return Answer(client.roles(scope=scope, role=role))


def grant(client: Client, role: str, scope: str, grantee: Grantee, label: str | None) -> Granted:
    answer = client.grant_role(
        role, scope, team=grantee.team, person=grantee.person, repository=grantee.repository, label=label
    )
    return Granted(data=answer, already_granted=bool(answer.get("already_granted")))


def revoke(client: Client, role: str, scope: str, grantee: Grantee) -> Answer[JSON]:
    return Answer(
        client.revoke_role(role, scope, team=grantee.team, person=grantee.person, repository=grantee.repository)
    )


def grant_label(grant: Mapping[str, Any]) -> str:
    """`ops at * for team acme/sre`, `developer at marketing for repository 123 (acme/churn)`."""
    label = f" ({grant['label']})" if grant.get("label") else ""
    return f"{grant.get('role')} at {grant.get('scope')} for {grant.get('grantee_kind')} {grant.get('grantee')}{label}"
