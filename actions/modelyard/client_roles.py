"""The SDK's role methods (admins): who holds which role, registry-wide (`*`) or in a namespace; grant and
revoke. A grantee is a GitHub team (`org/team`), a person (GitHub user id) or a repository (repository id):
never a login or a repository name, which can change hands.

Mixed into :class:`modelyard.client.Client`, which supplies the requests (``_Registry`` says what these
methods use of it).
"""

from __future__ import annotations

from typing import Any, Protocol

from modelyard.errors import ClientError

JSON = dict[str, Any]
ROLES = ("reader", "developer", "reviewer", "ops", "admin")


class _Registry(Protocol):
    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...


def grantee_of(team: str | None, person: str | int | None, repository: str | int | None) -> JSON:
    """The one grantee named, as the API names it; ClientError unless exactly one is given."""
    given = {
        kind: str(value) for kind, value in (("team", team), ("person", person), ("repository", repository)) if value
    }
    if len(given) != 1:
        raise ClientError("name exactly one grantee: --team ORG/TEAM, --person USER_ID or --repository REPOSITORY_ID")
    if "team" in given:
        given["team"] = given["team"].lower()  # GitHub's slugs; the registry compares teams without case
    elif not next(iter(given.values())).isdigit():
        raise ClientError("a person or repository is named by its numeric GitHub id (a name can change hands)")
    return given


def _role(role: str) -> str:
    if role not in ROLES:
        raise ClientError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


class RoleMethods:
    def roles(self: _Registry, scope: str | None = None, role: str | None = None) -> list[JSON]:
        """Every role grant (admins), registry-wide first; filtered by ``scope`` (`*` or a namespace) and role."""
        query = {key: value for key, value in (("scope", scope), ("role", role)) if value is not None}
        answer: JSON = self._request("GET", "/v1/roles", query=query)
        return list(answer.get("items") or [])

    def grant_role(
        self: _Registry,
        role: str,
        scope: str,
        *,
        team: str | None = None,
        person: str | int | None = None,
        repository: str | int | None = None,
        label: str | None = None,
    ) -> JSON:
        """Grant ``role`` at ``scope`` to one grantee (admins). Answers ``{"grant", "already_granted"}``:
        granting what is already granted changes nothing."""
        body: JSON = {"role": _role(role), "scope": scope, **grantee_of(team, person, repository)}
        if label is not None:
            body["label"] = label
        answer: JSON = self._request("POST", "/v1/roles", body=body)
        return answer

    def revoke_role(
        self: _Registry,
        role: str,
        scope: str,
        *,
        team: str | None = None,
        person: str | int | None = None,
        repository: str | int | None = None,
    ) -> JSON:
        """Take a grant back (admins); a RegistryError 404 when there is no such grant. Answers ``{"revoked"}``."""
        query = {"role": _role(role), "scope": scope, **grantee_of(team, person, repository)}
        answer: JSON = self._request("DELETE", "/v1/roles", query=query)
        return answer
