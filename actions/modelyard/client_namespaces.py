"""The SDK's namespace and owner methods: namespaces (a team's models under `team/...`, maybe private) with
their owners, and the owner repositories of a model.

An owner is a grantee: ``team="org/team"``, ``person="<GitHub user id>"`` or ``repository="<repository id>"``
(never a login or a repository's name: those can change hands). Mixed into :class:`modelyard.client.Client`,
which supplies the requests (``_Registry`` says what these methods use of it).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from modelyard.errors import ClientError

JSON = dict[str, Any]
# The server's grammar (domain/names.py), held to it by tests/unit/client/test_client_namespaces.py.
NAMESPACE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,38}$"
TEAM_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38})/[a-z0-9][a-z0-9_.-]{0,99}$"
GITHUB_ID_PATTERN = r"^[1-9][0-9]{0,19}$"
GRANTEE_KINDS = ("team", "person", "repository")


class _Registry(Protocol):
    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def _model_path(self, name: str) -> str: ...


def grantee(*, team: str | None = None, person: str | int | None = None, repository: str | int | None = None) -> JSON:
    """``{"team": "acme/ml"}``: exactly one of a team slug, a person's user id or a repository's id."""
    given = {kind: str(value) for kind, value in zip(GRANTEE_KINDS, (team, person, repository), strict=True) if value}
    if len(given) != 1:
        raise ClientError("name exactly one owner: a team (ORG/TEAM), a person (user id) or a repository (id)")
    return given


def _namespace_path(name: str) -> str:
    return f"/v1/namespaces/{urllib.parse.quote(name, safe='')}"


class NamespaceMethods:
    def list_namespaces(self: _Registry) -> Iterator[JSON]:
        """The namespaces you can see (a private one only if you are a member), by name."""
        answer: JSON = self._request("GET", "/v1/namespaces")
        return iter(answer.get("items") or [])

    def get_namespace(self: _Registry, name: str) -> JSON:
        answer: JSON = self._request("GET", _namespace_path(name))
        return answer

    def create_namespace(
        self: _Registry, name: str, owners: list[JSON], *, description: str | None = None, private: bool = False
    ) -> JSON:
        """A namespace (registry admins), with its owners (see :func:`grantee`)."""
        body: JSON = {"name": name, "owners": owners, "private": private}
        if description is not None:
            body["description"] = description
        answer: JSON = self._request("POST", "/v1/namespaces", body=body)
        return answer

    def update_namespace(
        self: _Registry,
        name: str,
        *,
        description: str | None = None,
        private: bool | None = None,
        expected_revision: int | None = None,
    ) -> JSON:
        """Change the description or privacy (admins and the namespace's owners)."""
        body: JSON = {
            key: value
            for key, value in (
                ("description", description),
                ("private", private),
                ("expected_revision", expected_revision),
            )
            if value is not None
        }
        answer: JSON = self._request("PATCH", _namespace_path(name), body=body)
        return answer

    def delete_namespace(self: _Registry, name: str, *, expected_revision: int | None = None) -> JSON:
        """Delete an empty namespace with its policy layer and role grants (admins and its owners); one that
        holds a model is refused (409 `namespace-not-empty`)."""
        query = {} if expected_revision is None else {"expected_revision": str(expected_revision)}
        answer: JSON = self._request("DELETE", _namespace_path(name), query=query)
        return answer

    def add_namespace_owner(self: _Registry, name: str, owner: JSON, label: str | None = None) -> JSON:
        body = {**owner, **({"label": label} if label else {})}
        answer: JSON = self._request("POST", f"{_namespace_path(name)}/owners", body=body)
        return answer

    def remove_namespace_owner(self: _Registry, name: str, owner: JSON) -> JSON:
        """Never the last owner: the registry refuses (409) until another is added."""
        answer: JSON = self._request("DELETE", f"{_namespace_path(name)}/owners", query=owner)
        return answer

    def get_namespace_policy(self: _Registry, name: str) -> JSON:
        """The namespace's policy layer (revision 0 and an empty document while none is set)."""
        answer: JSON = self._request("GET", f"{_namespace_path(name)}/policy")
        return answer

    def set_namespace_policy(
        self: _Registry, name: str, document: Mapping[str, Any], *, expected_revision: int = 0
    ) -> JSON:
        """Replace the namespace's policy layer (admins); 409 if it moved past ``expected_revision``."""
        body = {"document": dict(document), "expected_revision": expected_revision}
        answer: JSON = self._request("PUT", f"{_namespace_path(name)}/policy", body=body)
        return answer

    def add_model_owner(self: _Registry, name: str, repository_id: str | int, repository: str) -> JSON:
        """Let a repository (by id, and its ``owner/repo`` name) register and promote ``name``."""
        body = {"repository_id": str(repository_id), "repository": repository}
        answer: JSON = self._request("POST", f"{self._model_path(name)}/owners", body=body)
        return answer

    def remove_model_owner(self: _Registry, name: str, repository_id: str | int) -> JSON:
        answer: JSON = self._request(
            "DELETE", f"{self._model_path(name)}/owners", query={"repository": str(repository_id)}
        )
        return answer
