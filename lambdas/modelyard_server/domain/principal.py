"""Who is calling: the verified token's claims, and what they may do."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from modelyard_server.domain.errors import Forbidden

if TYPE_CHECKING:
    from modelyard_server.domain.audit_records import Actor

# Claims worth keeping as a version's provenance (never the raw token).
PROVENANCE_CLAIMS = (
    "iss",
    "sub",
    "aud",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "ref",
    "ref_type",
    "sha",
    "actor",
    "actor_id",
    "environment",
    "event_name",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "job_workflow_ref",
    "job_workflow_sha",
    "run_id",
    "run_number",
    "run_attempt",
    "runner_environment",
    "head_ref",
    "base_ref",
    "email",
)


GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
GHE_CLOUD_ISSUER = re.compile(r"^https://token\.actions\.([a-z0-9-]+)\.ghe\.com$")
GHES_ISSUER = re.compile(r"^(https://[^/]+)/_services/token$")


def github_server_for(issuer: str) -> str:
    """The GitHub web host whose Actions issued tokens from `issuer`; any other issuer stands for itself."""
    if issuer == GITHUB_ACTIONS_ISSUER or issuer.startswith(GITHUB_ACTIONS_ISSUER + "/"):
        return "https://github.com"
    if cloud := GHE_CLOUD_ISSUER.match(issuer):
        return f"https://{cloud.group(1)}.ghe.com"
    if server := GHES_ISSUER.match(issuer):
        return server.group(1)
    return issuer.rstrip("/")


PrincipalKind = Literal["workflow", "person"]
PERSON_SUBJECT_PREFIX = "github-user:"


@dataclass(frozen=True)
class Principal:
    """A verified caller: a workflow run (GitHub Actions OIDC claims) or a person (a registry session).

    A person is identified by their GitHub user id (`sub` = `github-user:<id>`), never by login alone.
    `client` is the User-Agent they called through, as recorded in events.
    """

    claims: dict[str, Any]
    kind: PrincipalKind = "workflow"
    client: str | None = None

    @property
    def is_person(self) -> bool:
        return self.kind == "person"

    @property
    def teams(self) -> tuple[str, ...]:
        """A person's GitHub teams (`org/team`) when their session was made; none for a workflow."""
        teams = self.claims.get("teams") if self.is_person else None
        return tuple(str(team) for team in teams) if isinstance(teams, list) else ()

    def _claim(self, name: str) -> str | None:
        value = self.claims.get(name)
        return None if value is None or value == "" else str(value)

    @property
    def subject(self) -> str:
        return self._claim("sub") or "unknown"

    @property
    def repository(self) -> str | None:
        return self._claim("repository")

    @property
    def environment(self) -> str | None:
        return self._claim("environment")

    @property
    def ref(self) -> str | None:
        return self._claim("ref")

    @property
    def run_id(self) -> str | None:
        return self._claim("run_id")

    @property
    def login(self) -> str | None:
        """The person's GitHub login, or the GitHub user who triggered the run (the `actor` claim)."""
        return self._claim("login") if self.is_person else self._claim("actor")

    @property
    def login_id(self) -> str | None:
        """The person's GitHub user id, or the run's actor's (the `actor_id` claim)."""
        if self.is_person:
            return self.subject.removeprefix(PERSON_SUBJECT_PREFIX)
        return self._claim("actor_id")

    def is_github_user(self, user_id: str | None, login: str | None) -> bool:
        """Whether a GitHub user is this run's actor: by id when both sides have one, else by login in any case."""
        if user_id is not None and self.login_id is not None:
            return user_id == self.login_id
        if not login or self.login is None:
            return False
        return login.casefold() == self.login.casefold()

    @property
    def issued_by_github(self) -> bool:
        """Whether GitHub (github.com, GHE.com or an Enterprise Server) issued the token."""
        issuer = (self._claim("iss") or "").rstrip("/")
        return github_server_for(issuer) != issuer

    @property
    def run_url(self) -> str | None:
        """The run's page on the GitHub that issued the token; on another issuer (the local one), under it."""
        repository, run_id = self.repository, self._claim("run_id")
        if not repository or not run_id:
            return None
        attempt = self._claim("run_attempt")
        suffix = f"/attempts/{attempt}" if attempt else ""
        return f"{github_server_for(self._claim('iss') or '')}/{repository}/actions/runs/{run_id}{suffix}"

    @property
    def display_name(self) -> str:
        """`octocat via acme/fraud` for a workflow, the login for a person."""
        if self.is_person:
            return self.login or self.subject
        actor = self._claim("actor") or self._claim("email") or self.subject
        return f"{actor} via {self.repository}" if self.repository else actor

    def actor(self) -> Actor:
        # Imported here: every route authenticates its caller, and only writes need the registry's models.
        from modelyard_server.domain.audit_records import Actor

        if self.is_person:
            return Actor(
                subject=self.subject,
                kind="person",
                actor=self.login,
                issuer=self._claim("iss") or "unknown",
                user_id=self.login_id,
                login=self.login,
                client=self.client,
            )
        return Actor(
            subject=self.subject,
            repository=self.repository,
            actor=self._claim("actor"),
            run_id=self._claim("run_id"),
            run_url=self.run_url,
            environment=self.environment,
            issuer=self._claim("iss") or "unknown",
            client=self.client,
        )

    def provenance(self) -> dict[str, Any]:
        return {name: self.claims[name] for name in PROVENANCE_CLAIMS if name in self.claims}


def is_grantee(principal: Principal, kind: str, grantee: str) -> bool:
    """Whether the caller is the grantee of a role or a namespace's ownership, matched by what cannot be
    renamed or re-taken: a `team` (`org/team`) by a person's session teams (case-insensitively), a `person` by
    GitHub user id (a person's session, never a run they triggered), a `repository` by the `repository_id`
    claim of its workflow's token. Never by login or repository name."""
    if kind == "team":
        return principal.is_person and grantee.casefold() in {team.casefold() for team in principal.teams}
    if kind == "person":
        return principal.is_person and principal.login_id == grantee
    repository_id = principal.claims.get("repository_id")
    return (
        kind == "repository" and not principal.is_person and repository_id is not None and str(repository_id) == grantee
    )


OWNER_ID_PREFIX = "id:"


def owner_admitted(allowed_owners: tuple[str, ...], accounts: Iterable[tuple[str | None, str | None]]) -> bool:
    """Whether one of `accounts` ((name, id) of a GitHub user or organization) is among `allowed_owners`.

    An entry `id:<account id>` admits that account whatever it is called; a bare name admits whoever holds
    the name now (a renamed organization's old name can be registered by someone else: prefer ids).
    """
    ids = {entry.removeprefix(OWNER_ID_PREFIX) for entry in allowed_owners if entry.startswith(OWNER_ID_PREFIX)}
    names = {entry.lower() for entry in allowed_owners if not entry.startswith(OWNER_ID_PREFIX)}
    return any(
        (account_id is not None and account_id in ids) or (name is not None and name.lower() in names)
        for name, account_id in accounts
    )


def require_allowed_owner(principal: Principal, allowed_owners: tuple[str, ...]) -> None:
    """Any repository on github.com can mint an Actions token for our audience: admit only our owners.

    Tokens without repository claims (people, from a company issuer) are governed by the issuer list.
    """
    owner = principal.claims.get("repository_owner")
    if not allowed_owners or owner is None:
        return
    owner_id = principal.claims.get("repository_owner_id")
    if not owner_admitted(allowed_owners, [(str(owner), str(owner_id) if owner_id is not None else None)]):
        shown = f"'{owner}' (id {owner_id})" if owner_id is not None else f"'{owner}'"
        raise Forbidden(f"this registry does not accept tokens from repositories of {shown}")
