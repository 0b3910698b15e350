"""The Python SDK: one method per operation of the registry's HTTP API (docs/api.md)."""

from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from modelyard.client_arguments import UNSET, VersionRef, checked_name, segment
from modelyard.client_finding import FindingMethods
from modelyard.client_governance import GovernanceMethods
from modelyard.client_namespaces import NamespaceMethods
from modelyard.client_pointers import PointerMethods
from modelyard.client_reviews import ReviewMethods
from modelyard.client_roles import RoleMethods
from modelyard.client_transfers import TransferMethods
from modelyard.errors import ClientError, RegistryError
from modelyard.transport import RetryPolicy, TokenSource, Transport
from modelyard.uris import ModelURI, is_uri, parse_uri, parse_version_ref

# UNSET and VersionRef are part of the SDK's surface as `modelyard.client` offers it.
__all__ = ["NO_URL_HINT", "UNSET", "Client", "VersionRef"]

JSON = dict[str, Any]
NO_URL_HINT = "no registry URL: set MODELYARD_URL or pass --url (for a local registry, start one with `modelyard dev`)"


class Client(
    TransferMethods,
    PointerMethods,
    GovernanceMethods,
    FindingMethods,
    ReviewMethods,
    RoleMethods,
    NamespaceMethods,
):
    """A modelyard registry: its models and versions here, and by job (uploading and downloading artifacts:
    :class:`TransferMethods`; stages and aliases: :class:`PointerMethods`; policies, validations and trails:
    :class:`GovernanceMethods`; finding, comparing and tracing versions: :class:`FindingMethods`; signing
    versions off: :class:`ReviewMethods`; granting roles: :class:`RoleMethods`; namespaces and owners:
    :class:`NamespaceMethods`).

    ``url`` defaults to ``$MODELYARD_URL``; ``token`` to ``$MODELYARD_TOKEN`` or, inside
    GitHub Actions, the job's OIDC token (see :mod:`modelyard.oidc`).
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | TokenSource | None = None,
        *,
        retry: RetryPolicy | None = None,
        upload_workers: int | None = None,
        progress: bool | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._env = os.environ if env is None else env
        base = url or self._env.get("MODELYARD_URL", "")
        if not base.strip():
            raise ClientError(NO_URL_HINT)
        if token is None or isinstance(token, str):
            from modelyard.oidc import token_source

            source: TokenSource = token_source(token, self._env, registry_url=base)
        else:
            source = token
        self._transport = Transport(base, source, retry=retry or RetryPolicy.from_env(self._env))
        self.upload_workers = upload_workers
        self.progress = progress

    @property
    def url(self) -> str:
        return self._transport.base_url

    def __repr__(self) -> str:
        return f"Client(url={self.url!r})"

    def close(self) -> None:
        """Close the kept-alive connections to the registry (also done at exit); the client stays usable."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self._transport.request(method, path, **kwargs)
        except RegistryError as exc:
            if exc.status == 401 and self._transport.token is not None and not exc.hint:
                from modelyard.token_advice import rejected_token_advice

                exc.hint = rejected_token_advice(self._transport.token.get(), self._env, time.time())
            raise

    def _pages(self, path: str, query: Mapping[str, Any] | None = None, limit: int | None = None) -> Iterator[JSON]:
        params: dict[str, Any] = dict(query or {})
        if limit is not None:
            params["limit"] = limit
        seen: set[str] = set()
        while True:
            page = self._request("GET", path, query=params)
            if not isinstance(page, dict):
                raise ClientError(f"the registry answered {path} with something that is not a page of items")
            yield from page.get("items") or []
            token = page.get("next_token")
            if not token or token in seen:
                return
            seen.add(token)
            params["next_token"] = token

    def _model_path(self, name: str) -> str:
        """A namespaced name takes two segments (`/v1/models/marketing/churn`), as the API's paths say."""
        return f"/v1/models/{urllib.parse.quote(checked_name(name), safe='/')}"

    def version_ref(self, name: str, version: VersionRef) -> VersionRef:
        """A number, a semver label, or a ``models:/`` URI of ``name`` → number or label."""
        if isinstance(version, str) and is_uri(version):
            try:
                uri = parse_uri(version)
            except ValueError as exc:
                raise ClientError(str(exc)) from None
            if uri.name != name:
                raise ClientError(f"{version} is a version of {uri.name!r}, not of {name!r}")
            if uri.ref is not None:
                return uri.ref
            resolved = self.resolve(uri)
            return int(resolved["version"])
        try:
            return parse_version_ref(version)
        except ValueError as exc:
            raise ClientError(str(exc)) from None

    def version_number(self, name: str, version: VersionRef) -> int:
        """The number behind a number, a semver label or a ``models:/`` URI of ``name``."""
        ref = self.version_ref(name, version)
        return ref if isinstance(ref, int) else int(self.get_version(name, ref)["version"])

    # -- meta -----------------------------------------------------------------------

    def health(self) -> JSON:
        answer: JSON = self._request("GET", "/v1/health", auth=False)
        return answer

    def whoami(self) -> JSON:
        """Who the registry takes the caller for: a person (id, login, teams) or a workflow run (repository)."""
        answer: JSON = self._request("GET", "/v1/whoami")
        return answer

    # -- models ---------------------------------------------------------------------

    def create_model(self, name: str, description: str | None = None, tags: Mapping[str, str] | None = None) -> JSON:
        body: JSON = {"name": checked_name(name)}
        if description is not None:
            body["description"] = description
        if tags:
            body["tags"] = dict(tags)
        answer: JSON = self._request("POST", "/v1/models", body=body)
        return answer

    def get_model(self, name: str) -> JSON:
        answer: JSON = self._request("GET", self._model_path(name))
        return answer

    def list_models(self, limit: int | None = None) -> Iterator[JSON]:
        """Every model, page after page (``limit`` is the page size); :meth:`search_models` filters."""
        return self._pages("/v1/models", limit=limit)

    def update_model(self, name: str, description: str | None = None, tags: Mapping[str, str] | None = None) -> JSON:
        body: JSON = {}
        if description is not None:
            body["description"] = description
        if tags is not None:
            body["tags"] = dict(tags)
        answer: JSON = self._request("PATCH", self._model_path(name), body=body)
        return answer

    # -- versions -------------------------------------------------------------------

    def get_version(self, name: str, ref: VersionRef) -> JSON:
        answer: JSON = self._request("GET", f"{self._model_path(name)}/versions/{segment(self.version_ref(name, ref))}")
        return answer

    def resolve(self, uri: str | ModelURI) -> JSON:
        """The Version a ``models:/`` URI points at now."""
        try:
            parsed = uri if isinstance(uri, ModelURI) else parse_uri(uri)
        except ValueError as exc:
            raise ClientError(str(exc)) from None
        answer: JSON = self._request("GET", "/v1/resolve", query={"uri": str(parsed)})
        return answer

    def resolve_if_changed(self, uri: str | ModelURI, etag: str | None) -> tuple[JSON | None, str | None]:
        """:meth:`resolve` for pollers: ``(None, etag)`` when the answer is still the one ``etag`` names.

        Otherwise ``(version, its ETag)``; the ETag is None from a registry that sends none.
        """
        try:
            parsed = uri if isinstance(uri, ModelURI) else parse_uri(uri)
        except ValueError as exc:
            raise ClientError(str(exc)) from None
        headers = {"If-None-Match": etag} if etag else None
        seen: dict[str, str] = {}
        try:
            answer: JSON = self._request(
                "GET", "/v1/resolve", query={"uri": str(parsed)}, headers=headers, answer_headers=seen
            )
        except RegistryError as exc:
            if exc.status == 304 and etag:
                return None, etag
            raise
        return answer, seen.get("etag")

    def archive_version(self, name: str, version: VersionRef, reason: str, *, deprecate: bool = False) -> JSON:
        """Archive (or only deprecate) a version. Nothing is deleted."""
        if not reason or not reason.strip():
            raise ClientError("archiving needs a reason (it is kept in the audit trail)")
        ref = self.version_ref(name, version)
        number = ref if isinstance(ref, int) else int(self.get_version(name, ref)["version"])
        body = {"status": "deprecated" if deprecate else "archived", "reason": reason}
        answer: JSON = self._request("POST", f"{self._model_path(name)}/versions/{number}/archive", body=body)
        return answer

    def restore_version(self, name: str, version: VersionRef, reason: str) -> JSON:
        """Undo an archive or deprecation (registry admins): the version is ready again."""
        if not reason or not reason.strip():
            raise ClientError("restoring needs a reason (it is kept in the audit trail)")
        ref = self.version_ref(name, version)
        number = ref if isinstance(ref, int) else int(self.get_version(name, ref)["version"])
        path = f"{self._model_path(name)}/versions/{number}/restore"
        answer: JSON = self._request("POST", path, body={"reason": reason})
        return answer

    def download_info(self, name: str, ref: VersionRef) -> JSON:
        """``{url, sha256, size, expires_in, filename, format}`` for one version."""
        path = f"{self._model_path(name)}/versions/{segment(self.version_ref(name, ref))}/download"
        answer: JSON = self._request("GET", path)
        return answer
