"""People sign in with GitHub: a GitHub user token in, the registry's own short-lived session out.

GitHub is asked who the token belongs to on every exchange (the client re-exchanges before its
session expires), so a revoked token or a team membership removed on GitHub takes effect at the
next refresh, at most one session lifetime later.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import Field

from modelyard_server.domain import access
from modelyard_server.domain.errors import DomainError, Forbidden, Unauthenticated
from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.principal import Principal, owner_admitted
from modelyard_server.domain.role_grants import ScopeRoles
from modelyard_server.ports.identity import GitHubIdentity, GitHubTokenRefused, GitHubUnreachable, GitHubUsers


class SignInNotConfigured(DomainError):
    status, slug, title = 404, "sign-in-not-configured", "Sign-in with GitHub is not configured"


class SignInUnavailable(DomainError):
    """GitHub could not be asked who the token belongs to; `retry_after` seconds is worth waiting."""

    status, slug, title = 503, "github-unreachable", "GitHub could not be reached"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class StartSessionRequest(StrictModel):
    # GitHub's tokens are printable ASCII without spaces (`gho_…`, `ghu_…`); anything else is no token and could
    # not even be sent on as a header
    github_token: str = Field(
        min_length=1,
        max_length=4096,
        pattern=r"^[\x21-\x7e]+$",
        repr=False,
        description="a GitHub user access token (OAuth App or GitHub App user token)",
    )


class SessionUser(RegistryModel):
    id: int
    login: str


class SessionGrant(RegistryModel):
    token: str = Field(description="the registry's session token: send it as `Authorization: Bearer`")
    expires_at: datetime
    user: SessionUser
    teams: list[str] = Field(description="the person's GitHub teams (`org/team`) when the session was made")


class SignInInfo(RegistryModel):
    github_url: str = Field(description="GitHub's web host, where the device flow runs")
    client_id: str = Field(description="the OAuth client id to ask GitHub's device flow for a user token with")
    scopes: list[str]
    session_ttl_seconds: int


class Whoami(RegistryModel):
    kind: Literal["workflow", "person"]
    subject: str
    id: str | None = Field(default=None, description="a person's GitHub user id; a workflow run's actor id")
    login: str | None = None
    teams: list[str] = Field(default_factory=list)
    repository: str | None = None
    environment: str | None = None
    run_url: str | None = None
    roles: list[ScopeRoles] = Field(
        default_factory=list,
        description="the caller's roles per scope (`*`: registry-wide), from grants and the deployment's settings; "
        "a model's owner repositories are also developers of that model",
    )


class SessionSigner(Protocol):
    """What signs a session for a person (adapters/session_tokens.py)."""

    def issue(self, person: GitHubIdentity) -> tuple[str, int]: ...


def open_session(
    github_token: str, users: GitHubUsers, tokens: SessionSigner, allowed_owners: tuple[str, ...]
) -> SessionGrant:
    """Ask GitHub who `github_token` is and answer a session for them."""
    try:
        person = users.identify(github_token)
    except GitHubTokenRefused as error:
        raise Unauthenticated(f"{error}; run `modelyard login` again") from None
    except GitHubUnreachable as error:
        raise SignInUnavailable(f"{error}; try again shortly", error.retry_after) from None
    if allowed_owners and not owner_admitted(allowed_owners, person.accounts()):
        # the same rule as for workflows: only members of the registry's organizations get in
        raise Forbidden(f"GitHub user '{person.login}' is not a member of {', '.join(sorted(allowed_owners))}")
    token, expires = tokens.issue(person)
    return SessionGrant(
        token=token,
        expires_at=datetime.fromtimestamp(expires, UTC),
        user=SessionUser(id=person.user_id, login=person.login),
        teams=list(person.teams),
    )


def whoami(principal: Principal) -> Whoami:
    return Whoami(
        kind=principal.kind,
        subject=principal.subject,
        id=principal.login_id,
        login=principal.login,
        teams=list(principal.teams),
        repository=principal.repository,
        environment=principal.environment,
        run_url=principal.run_url,
        roles=access.roles_by_scope(principal),
    )
