"""The SDK's governance calls: the registry's policy and a model's override, a version's validation against
every gate, and the trails (a model's events, the policy's history, the governance and security logs).

Mixed into :class:`modelyard.client.Client`, which supplies the requests (``_Registry`` says what these
methods use of it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from modelyard.client_arguments import VersionRef, checked_pointer
from modelyard.errors import ClientError

JSON = dict[str, Any]


class _Registry(Protocol):
    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def _pages(self, path: str, query: Mapping[str, Any] | None = None, limit: int | None = None) -> Iterator[JSON]: ...

    def _model_path(self, name: str) -> str: ...

    def version_number(self, name: str, version: VersionRef) -> int: ...


def _instant(name: str, value: str | datetime | None) -> str | None:
    """A time filter as sent: RFC 3339 text as given, or an aware datetime in ISO form."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ClientError(f"{name}: a time without a zone is ambiguous; give one with a UTC offset")
        return value.isoformat()
    return value


class GovernanceMethods:
    def get_policy(self: _Registry, name: str | None = None) -> JSON:
        """The registry policy in force, or (with ``name``) that model's registry layer and override."""
        path = f"{self._model_path(name)}/policy" if name is not None else "/v1/policy"
        answer: JSON = self._request("GET", path)
        return answer

    def set_policy(
        self: _Registry, document: Mapping[str, Any], *, name: str | None = None, expected_revision: int = 0
    ) -> JSON:
        """Replace the registry policy (or, with ``name``, that model's override); admins only.

        ``expected_revision`` is the revision you read: the registry refuses with 409 if it moved.
        """
        path = f"{self._model_path(name)}/policy" if name is not None else "/v1/policy"
        body = {"document": dict(document), "expected_revision": expected_revision}
        answer: JSON = self._request("PUT", path, body=body)
        return answer

    def validate(
        self: _Registry,
        name: str,
        version: VersionRef,
        metrics: Mapping[str, float] | None = None,
        repository_policy: Mapping[str, Any] | None = None,
        stage: str | None = None,
    ) -> JSON:
        """Have the registry evaluate every gate for a version; return its ValidationReport.

        ``metrics`` overlay the version's registered metrics; ``repository_policy`` (the
        repository's ``.modelyard/policy.json``) may only tighten the registry's rules;
        ``stage`` names the stage this run means to promote to. The verdict is the server's:
        ``report["passed"]`` and one entry per gate in ``report["checks"]``.
        """
        body: JSON = {"metrics": dict(metrics or {})}
        if repository_policy is not None:
            body["repository_policy"] = dict(repository_policy)
        if stage is not None:
            body["stage"] = checked_pointer(stage, "stage")
        number = self.version_number(name, version)
        answer: JSON = self._request("POST", f"{self._model_path(name)}/versions/{number}/validations", body=body)
        return answer

    def latest_validation(self: _Registry, name: str, version: VersionRef) -> JSON:
        """The latest ValidationReport of a version (404 when it was never validated)."""
        number = self.version_number(name, version)
        answer: JSON = self._request("GET", f"{self._model_path(name)}/versions/{number}/validations/latest")
        return answer

    def events(self: _Registry, name: str, limit: int | None = None) -> Iterator[JSON]:
        """The model's audit trail, oldest first, page after page."""
        return self._pages(f"{self._model_path(name)}/events", limit=limit)

    def policy_history(self: _Registry, limit: int | None = None) -> Iterator[JSON]:
        """Every stored revision of the registry policy, newest first, page after page."""
        return self._pages("/v1/policy/history", limit=limit)

    def governance_events(
        self: _Registry,
        *,
        kinds: Sequence[str] = (),
        actor: str | None = None,
        after: str | datetime | None = None,
        before: str | datetime | None = None,
        oldest_first: bool = False,
        limit: int | None = None,
    ) -> Iterator[JSON]:
        """The registry's governance trail (admins): changes of policies and notification routes, newest
        first (or oldest), page after page. ``after`` (inclusive) and ``before`` are RFC 3339 or aware datetimes;
        ``actor`` is a subject (``github-user:<id>``, a workflow token's ``sub``); ``limit`` is the page size."""
        query = {
            "kind": list(kinds) or None,
            "actor": actor,
            "after": _instant("after", after),
            "before": _instant("before", before),
            "order": "oldest" if oldest_first else None,
        }
        return self._pages("/v1/audit", query, limit)

    def security_events(self: _Registry, limit: int | None = None) -> Iterator[JSON]:
        """The registry's security log (admins): refused writes by non-owners, newest first."""
        return self._pages("/v1/security/events", limit=limit)
