"""Who a GitHub user token belongs to: the port the sign-in use case asks, and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class GitHubIdentity:
    """A person as GitHub knows them. `user_id` identifies them; a login can change hands."""

    user_id: int
    login: str
    teams: tuple[str, ...]  # `org/team-slug`, sorted
    organizations: tuple[str, ...]  # organization logins, lowercase, sorted
    organization_ids: tuple[tuple[str, str], ...] = ()  # (login, id) of the organizations GitHub lists

    def accounts(self) -> list[tuple[str | None, str | None]]:
        """(name, id) of the person and of each organization they belong to: what an allowed owner matches."""
        named = dict(self.organization_ids)
        return [(self.login, str(self.user_id)), *((org, named.get(org)) for org in self.organizations)]


class GitHubTokenRefused(Exception):
    """GitHub does not accept the user token (revoked, expired, or never valid), or refuses to hand one out.

    `error` is GitHub's own error code when it gave one (the web flow's code exchange:
    "bad_verification_code", "incorrect_client_credentials", "redirect_uri_mismatch", ...).
    """

    def __init__(self, reason: str, error: str = "") -> None:
        super().__init__(reason)
        self.error = error


class GitHubUnreachable(Exception):
    """GitHub could not be asked; worth retrying after `retry_after` seconds."""

    def __init__(self, reason: str, retry_after: int = 30) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class GitHubUsers(Protocol):
    def identify(self, user_token: str) -> GitHubIdentity:
        """The token's user, teams and organizations; raises GitHubTokenRefused or GitHubUnreachable."""
        ...
