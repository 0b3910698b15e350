"""Namespaces as stored and as the API takes them: a name, owners (grantees), a `private` flag, a revision.

An owner is a *grantee*: a GitHub team (`org/team` slug), a person (GitHub user id) or a repository
(repository id). Never a login or a repository name: those can be renamed and taken again by someone else.
A display label may ride along for people to read; nothing matches on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from modelyard_server.domain.model_base import RegistryModel, Revision, StrictModel
from modelyard_server.domain.names import GITHUB_ID_PATTERN, NAMESPACE_PATTERN, TEAM_PATTERN

MAX_OWNERS = 50

NamespaceName = Annotated[str, StringConstraints(pattern=NAMESPACE_PATTERN, max_length=39)]
TeamSlug = Annotated[str, StringConstraints(pattern=TEAM_PATTERN)]
GitHubId = Annotated[str, StringConstraints(pattern=GITHUB_ID_PATTERN)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]
NamespaceDescription = Annotated[str, StringConstraints(max_length=2000)]


def _exactly(kind: str) -> dict[str, Any]:
    others = [other for other in ("team", "person", "repository") if other != kind]
    return {"required": [kind], "properties": {kind: {"type": "string"}, **{o: {"type": "null"} for o in others}}}


class Grantee(StrictModel):
    """Exactly one of `team`, `person`, `repository`; `label` is for people to read (a login, a full name)."""

    # The document says what the validator below checks: exactly one of the three is given (not null).
    model_config = ConfigDict(json_schema_extra={"anyOf": [_exactly(k) for k in ("team", "person", "repository")]})

    team: TeamSlug | None = Field(default=None, description="A GitHub team, `org/team` (its slug, lowercase)")
    person: GitHubId | None = Field(default=None, description="A person's GitHub user id (not their login)")
    repository: GitHubId | None = Field(default=None, description="A repository's id (the `repository_id` claim)")
    label: Label | None = Field(default=None, description="A readable name (login, owner/repo); never matched on")

    @model_validator(mode="after")
    def _exactly_one(self) -> Grantee:
        if len(self.key) != 1:
            raise ValueError("name exactly one of team, person or repository")
        return self

    @property
    def key(self) -> dict[str, str]:
        """What identifies the grantee (label aside): `{"team": "acme/ml"}`."""
        return {
            kind: value
            for kind, value in (("team", self.team), ("person", self.person), ("repository", self.repository))
            if value is not None
        }

    def same_grantee(self, other: Grantee) -> bool:
        return self.key == other.key

    def __str__(self) -> str:
        (kind, value), *_ = self.key.items()
        return f"{kind} {value}" + (f" ({self.label})" if self.label else "")


class NamespaceRecord(RegistryModel):
    name: str
    description: str = ""
    owners: list[Grantee]
    private: bool = False
    created_by: str
    created_at: datetime
    updated_at: datetime
    revision: int = Field(description="Grows by one with each change; send it back as expected_revision")


class NamespaceList(RegistryModel):
    """Every namespace the caller can see (private ones only to their members), by name."""

    items: list[NamespaceRecord]


class CreateNamespaceRequest(StrictModel):
    name: NamespaceName
    description: NamespaceDescription = ""
    owners: list[Grantee] = Field(min_length=1, max_length=MAX_OWNERS)
    private: bool = Field(default=False, description="Its models answer 404 to everyone but its members")


class UpdateNamespaceRequest(StrictModel):
    description: NamespaceDescription | None = None
    private: bool | None = None
    expected_revision: Revision | None = Field(
        default=None, description="The revision you read: if someone changed the namespace since, 409"
    )


class AddOwnerRequest(Grantee):
    expected_revision: Revision | None = Field(
        default=None, description="The revision you read: if someone changed the namespace since, 409"
    )

    def grantee(self) -> Grantee:
        return Grantee(team=self.team, person=self.person, repository=self.repository, label=self.label)


class NamespaceDeleted(RegistryModel):
    """What went with a deleted namespace: its name is free again, and a new namespace of that name starts with
    no policy layer and no role grants."""

    deleted: str = Field(description="The namespace's name")
    policy_removed: bool = Field(description="Whether it had a policy layer, now gone with it")
    role_grants_removed: int = Field(description="How many role grants scoped to it went with it")
