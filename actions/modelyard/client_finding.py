"""The SDK's finding methods: search versions and models, compare two versions, trace lineage.

Mixed into :class:`modelyard.client.Client`, which supplies the requests (``_Registry`` says what
these methods use of it); kept apart so the client module stays about one registry's CRUD.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from modelyard.errors import ClientError
from modelyard.queries import ModelFilters, VersionFilters, filters_of
from modelyard.uris import ModelURI, is_uri, parse_uri

JSON = dict[str, Any]


class _Registry(Protocol):
    def _pages(self, path: str, query: Mapping[str, Any] | None = None, limit: int | None = None) -> Iterator[JSON]: ...

    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def _model_path(self, name: str) -> str: ...

    def version_number(self, name: str, version: int | str) -> int: ...


def _filter_query(kind: type[VersionFilters] | type[ModelFilters], given: Mapping[str, Any]) -> dict[str, Any]:
    try:
        query: dict[str, Any] = filters_of(kind, given).query()
    except ValueError as exc:
        raise ClientError(str(exc)) from None
    return query


def _uri_text(uri: str | ModelURI) -> str:
    """A ``models:/`` URI as sent: the registry resolves it (MLflow forms such as ``/latest`` included)."""
    text = str(uri).strip()
    if not is_uri(text):
        raise ClientError(f"expected a models:/ URI, got {text!r} (e.g. models:/fraud/7 or models:/fraud@champion)")
    return text


def _version_query(registry: _Registry, filters: Mapping[str, Any]) -> dict[str, Any]:
    """The filters as query parameters; a parent named by label, alias or stage is resolved to its number
    first (lineage names parents by number)."""
    query = _filter_query(VersionFilters, filters)
    parent = query.get("parent")
    if parent is not None and parse_uri(parent).version is None:
        name = parse_uri(parent).name
        query["parent"] = f"models:/{name}/{registry.version_number(name, parent)}"
    return query


class FindingMethods:
    def list_versions(self: _Registry, name: str, *, limit: int | None = None, **filters: Any) -> Iterator[JSON]:
        """Versions of ``name``, newest first, page after page; ``filters`` as :meth:`search_versions`'s."""
        if "model" in filters or "model_prefix" in filters:
            raise ClientError("list_versions lists one model's versions: search_versions filters by model")
        return self._pages(f"{self._model_path(name)}/versions", _version_query(self, filters), limit)

    def search_versions(self: _Registry, *, limit: int | None = None, **filters: Any) -> Iterator[JSON]:
        """Versions across the registry matching every filter, page after page (``limit``: page size).

        Filters: ``model``, ``model_prefix``, ``tags`` (mapping or ``k=v`` items), ``metrics``
        (``["accuracy>=0.9"]``), ``framework``, ``format``, ``status``, ``stage``, ``alias``,
        ``data_uri``, ``data_version``, ``data_digest``, ``commit``, ``workflow``, ``parent`` (a
        ``models:/`` URI; a label, alias or stage is resolved to its version first),
        ``created_after``/``created_before`` (RFC 3339 or datetime), ``order_by`` (``created`` or
        ``metric:NAME``), ``ascending``. Each hit holds the stages and aliases it holds.
        """
        return self._pages("/v1/versions", _version_query(self, filters), limit)

    def search_models(self: _Registry, *, limit: int | None = None, **filters: Any) -> Iterator[JSON]:
        """Models matching ``name_prefix``, ``tags``, ``owner`` (OWNER/REPO) and ``stage`` (holds one)."""
        return self._pages("/v1/models", _filter_query(ModelFilters, filters), limit)

    def compare(self: _Registry, base_uri: str | ModelURI, head_uri: str | ModelURI) -> JSON:
        """Two versions side by side: metric changes, differing params, lineage, signature, validations."""
        query = {"base": _uri_text(base_uri), "head": _uri_text(head_uri)}
        answer: JSON = self._request("GET", "/v1/compare", query=query)
        return answer

    def lineage(self: _Registry, uri: str | ModelURI, depth: int | None = None) -> JSON:
        """``{"version", "ancestors", "descendants"}``: the version's parents and children, ``depth`` levels."""
        if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
            raise ClientError(f"lineage depth must be a whole number of at least 1, got {depth!r}")
        answer: JSON = self._request("GET", "/v1/lineage", query={"uri": _uri_text(uri), "depth": depth})
        return answer
