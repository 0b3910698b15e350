"""What a role grant is: a role, at a scope (the registry or one namespace), to one grantee.

A grantee is named by what cannot be reused by someone else: a GitHub team by its `org/team` slug, a
person by their GitHub user id, a repository by its repository id. The `label` (a login, a repository's
full name) is shown to people and never matched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from modelyard_server.domain.audit_records import Actor
from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.names import NAMESPACE_PATTERN

Role = Literal["reader", "developer", "reviewer", "ops", "admin"]
ROLES: tuple[Role, ...] = ("reader", "developer", "reviewer", "ops", "admin")
GranteeKind = Literal["team", "person", "repository"]
GRANTEE_KINDS: tuple[GranteeKind, ...] = ("team", "person", "repository")

REGISTRY_SCOPE = "*"
SCOPE_PATTERN = r"^(?:\*|" + NAMESPACE_PATTERN[1:-1] + r")$"
# GitHub's organization logins and team slugs, lower-cased: what /user/teams answers as `org/team`.
TEAM_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38})/[a-z0-9][a-z0-9_.-]{0,99}$"
GITHUB_ID_PATTERN = r"^[1-9][0-9]{0,19}$"

Scope = Annotated[
    str, Field(pattern=SCOPE_PATTERN, description="`*` (the whole registry) or a namespace name, e.g. `marketing`")
]
Team = Annotated[str, Field(pattern=TEAM_PATTERN, description="a GitHub team as `org/team-slug`, lower case")]
GitHubId = Annotated[str, Field(pattern=GITHUB_ID_PATTERN, description="a GitHub numeric id")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class GrantKey(RegistryModel):
    """What identifies a grant: granting it again is no change."""

    scope: str
    role: Role
    grantee_kind: GranteeKind
    grantee: str

    def describe(self) -> str:
        where = "the whole registry" if self.scope == REGISTRY_SCOPE else f"namespace '{self.scope}'"
        return f"{self.role} of {where} for {self.grantee_kind} {self.grantee}"


class RoleGrant(GrantKey):
    label: str | None = Field(default=None, description="a login or repository name to show; never matched")
    granted_by: Actor
    granted_at: datetime

    def key(self) -> GrantKey:
        return GrantKey(scope=self.scope, role=self.role, grantee_kind=self.grantee_kind, grantee=self.grantee)


ONE_GRANTEE = "name exactly one grantee: team, person or repository"


class GranteeChoice(StrictModel):
    """Team, person or repository: a grant names exactly one (`given` says which were)."""

    team: Team | None = None
    person: GitHubId | None = Field(default=None, description="a person's GitHub user id (digits)")
    repository: GitHubId | None = Field(default=None, description="a repository's id (digits), not its name")

    @property
    def given(self) -> list[GranteeKind]:
        return [kind for kind in GRANTEE_KINDS if getattr(self, kind) is not None]

    @property
    def grantee_kind(self) -> GranteeKind:
        (kind,) = self.given  # callers check that exactly one was given
        return kind

    @property
    def grantee(self) -> str:
        return str(getattr(self, self.grantee_kind))


class GrantRoleRequest(GranteeChoice):
    # The document says what the validator below checks: exactly one of the three grantee fields.
    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": [kind]} for kind in GRANTEE_KINDS]})

    role: Role
    scope: Scope
    label: Label | None = None

    @model_validator(mode="after")
    def _exactly_one_grantee(self) -> GrantRoleRequest:
        if len(self.given) != 1:
            raise ValueError(f"{ONE_GRANTEE} (got {len(self.given)})")
        return self


class RevokeRoleQuery(GranteeChoice):
    """DELETE /v1/roles's query: the grant to take back. Exactly one grantee is checked after the caller is
    known (parameters cannot say "one of three" in the API's document)."""

    role: Role
    scope: Scope


class RoleFilters(StrictModel):
    scope: Scope | None = None
    role: Role | None = None


class RoleGrantList(RegistryModel):
    items: list[RoleGrant]


class GrantAnswer(RegistryModel):
    grant: RoleGrant
    already_granted: bool = Field(description="true when the grant existed already: nothing changed")


class RevokeAnswer(RegistryModel):
    revoked: RoleGrant


class ScopeRoles(RegistryModel):
    scope: str = Field(description="`*` for registry-wide roles, else the namespace")
    roles: list[Role]
