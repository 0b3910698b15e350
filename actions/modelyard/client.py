"""The Python SDK: one method per operation of the registry's HTTP API (docs/api.md)."""

from __future__ import annotations

import os
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.client_finding import FindingMethods
from modelyard.client_namespaces import NamespaceMethods
from modelyard.client_reviews import ReviewMethods
from modelyard.client_roles import RoleMethods
from modelyard.errors import ClientError, RegistryError
from modelyard.transport import RetryPolicy, TokenSource, Transport
from modelyard.uris import (
    ModelURI,
    check_name,
    check_pointer,
    is_semver,
    is_uri,
    parse_uri,
    parse_version_ref,
)

if TYPE_CHECKING:  # imported when a download runs: `import modelyard` stays light
    from modelyard.download import VerifiedDownload

JSON = dict[str, Any]
VersionRef = int | str
MAX_IDEMPOTENCY_KEY = 128
NO_URL_HINT = "no registry URL: set MODELYARD_URL or pass --url (for a local registry, start one with `modelyard dev`)"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "not given" for ``expected_version`` (``None`` there means "the pointer must be empty")
UNSET = _Unset()


def _instant(name: str, value: str | datetime | None) -> str | None:
    """A time filter as sent: RFC 3339 text as given, or an aware datetime in ISO form."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ClientError(f"{name}: a time without a zone is ambiguous; give one with a UTC offset")
        return value.isoformat()
    return value


def _q(segment: object) -> str:
    return urllib.parse.quote(str(segment), safe="")


def _name(name: str) -> str:
    try:
        return check_name(name)
    except ValueError as exc:
        raise ClientError(str(exc)) from None


def _pointer(name: str, kind: str) -> str:
    try:
        return check_pointer(name, kind)
    except ValueError as exc:
        raise ClientError(str(exc)) from None


class Client(FindingMethods, ReviewMethods, RoleMethods, NamespaceMethods):
    """A modelyard registry (finding, comparing and tracing versions: :class:`FindingMethods`; signing
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
        upload_workers: int = 4,
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
        return f"/v1/models/{urllib.parse.quote(_name(name), safe='/')}"

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
        body: JSON = {"name": _name(name)}
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

    def register(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        framework: str | None = None,
        semver: str | None = None,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        signature: Mapping[str, Any] | None = None,
        model_card: str | None = None,
        lineage: Mapping[str, Any] | None = None,
        description: str | None = None,
        idempotency_key: str | None = None,
        create_model: bool = False,
    ) -> JSON:
        """Hash (or pack) ``path``, register it, upload its bytes, seal it; return the Version.

        Lineage is filled from the GitHub Actions environment when present; explicit
        ``lineage`` keys win. Retries reuse one idempotency key, so a retried request
        never creates a second version. A model that does not exist yet is created first
        only with ``create_model=True`` (models are never deleted: a typo must not make one).
        """
        from modelyard.artifacts import prepared_artifact
        from modelyard.lineage import merge_lineage
        from modelyard.progress import Progress
        from modelyard.upload import execute_plan

        path_to = self._model_path(name) + "/versions"
        if semver is not None and not is_semver(semver):
            raise ClientError(f"invalid semver label {semver!r}: use MAJOR.MINOR.PATCH, e.g. 1.4.0")
        key = idempotency_key or uuid.uuid4().hex
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise ClientError(f"idempotency key is {len(key)} characters long; at most {MAX_IDEMPOTENCY_KEY}")
        with prepared_artifact(path, format) as artifact:
            body: JSON = {"artifact": artifact.as_payload()}
            optional: dict[str, Any] = {
                "framework": framework,
                "semver": semver,
                "description": description,
                "params": dict(params) if params is not None else None,
                "metrics": dict(metrics) if metrics is not None else None,
                "tags": dict(tags) if tags is not None else None,
                "signature": dict(signature) if signature is not None else None,
                "model_card": model_card,
            }
            body.update({k: v for k, v in optional.items() if v is not None})
            found_lineage = merge_lineage(lineage, self._env)
            if found_lineage:
                body["lineage"] = found_lineage
            headers = {"Idempotency-Key": key}
            try:
                answer = self._request("POST", path_to, body=body, headers=headers)
            except RegistryError as exc:
                if exc.status != 404 or not exc.type.endswith("/model-not-found"):
                    raise
                if not create_model:
                    exc.hint = (
                        f"models are never deleted, so creating one is explicit: `modelyard create-model {name}` "
                        "(or register with --create-model; in Python client.create_model() or "
                        "register(..., create_model=True))"
                    )
                    raise
                try:
                    self.create_model(name)
                except RegistryError as create_error:
                    if create_error.status != 409:  # someone else created it meanwhile: fine
                        raise
                answer = self._request("POST", path_to, body=body, headers=headers)
            if not isinstance(answer, dict) or not isinstance(answer.get("version"), dict):
                raise ClientError("the registry answered the registration without a version")
            version: JSON = answer["version"]
            if version.get("status") != "pending_upload":
                return version  # an idempotent replay of a registration that already finished
            plan = answer.get("upload") or {"method": "none"}
            number = int(version["version"])
            progress = Progress(artifact.size, f"uploading {artifact.filename}", enabled=self.progress)

            def more_parts(first: int) -> Any:
                query = {"upload_id": plan.get("upload_id"), "first": first}
                return self._request("GET", f"{path_to}/{number}/upload-parts", query=query)

            try:
                parts = execute_plan(
                    artifact.path,
                    artifact.size,
                    plan,
                    workers=self.upload_workers,
                    progress=progress,
                    more_parts=more_parts,
                )
            finally:
                progress.close()
            return self.complete_version(name, number, parts, plan.get("upload_id"))

    def complete_version(
        self,
        name: str,
        version: int,
        parts: Sequence[Mapping[str, Any]] | None = None,
        upload_id: str | None = None,
    ) -> JSON:
        """Tell the registry the bytes are uploaded; it checks them and answers the ready Version.

        Large uploads are verified by the registry after it answers (status `verifying`): this waits
        until the version is ready (VerificationRejected with the registry's reason if it is not),
        at most MODELYARD_VERIFY_TIMEOUT seconds (VerificationTimeout).
        """
        from modelyard.verifying import verify_timeout, wait_until_verified

        body: JSON = {"parts": [dict(p) for p in parts]} if parts else {}
        if upload_id:
            body["upload_id"] = upload_id
        path = f"{self._model_path(name)}/versions/{int(version)}"
        answer: JSON = self._request("POST", f"{path}/complete", body=body)
        if isinstance(answer, dict) and answer.get("status") == "verifying":
            return wait_until_verified(
                lambda: dict(self._request("GET", path)), answer, timeout=verify_timeout(self._env), show=self.progress
            )
        return answer

    def get_version(self, name: str, ref: VersionRef) -> JSON:
        answer: JSON = self._request("GET", f"{self._model_path(name)}/versions/{_q(self.version_ref(name, ref))}")
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
        path = f"{self._model_path(name)}/versions/{_q(self.version_ref(name, ref))}/download"
        answer: JSON = self._request("GET", path)
        return answer

    def download(
        self,
        uri: str,
        dest: str | os.PathLike[str] | None = None,
        *,
        version: VersionRef | None = None,
        overwrite: bool = False,
    ) -> Path:
        """Download and verify a version's artifact; return where it was written.

        ``uri`` is a ``models:/`` URI, or a model name with ``version=``. ``dest`` may be a file
        path or an existing directory (the artifact keeps its registered file name there); by
        default the current directory. An existing file is replaced only with ``overwrite=True``.
        """
        return self.download_verified(uri, dest, version=version, overwrite=overwrite).path

    def download_verified(
        self,
        uri: str,
        dest: str | os.PathLike[str] | None = None,
        *,
        version: VersionRef | None = None,
        overwrite: bool = False,
    ) -> VerifiedDownload:
        """:meth:`download`, answering the verified file's path, sha256 and size (hashed once, on arrival)."""
        from modelyard.download import fetch_verified
        from modelyard.progress import Progress

        if dest is not None and not isinstance(dest, str | os.PathLike):
            raise ClientError(
                f"the second argument of download() is the destination, got {dest!r}; "
                "give a version as download(name, dest, version=...) or use a models:/ URI"
            )
        ref: VersionRef
        if is_uri(uri):
            if version is not None:
                raise ClientError("give either a models:/ URI or a name with version=, not both")
            try:
                parsed = parse_uri(uri)
            except ValueError as exc:
                raise ClientError(str(exc)) from None
            name = parsed.name
            ref = parsed.ref if parsed.ref is not None else int(self.resolve(parsed)["version"])
        else:
            name = uri
            if version is None:
                raise ClientError(
                    f"which version of {name!r}? pass version=..., or a URI like models:/{name}/1 "
                    "(the second argument is the destination)"
                )
            ref = version
        info = self.download_info(name, ref)
        filename = Path(str(info.get("filename") or f"{name}-{ref}")).name
        if filename in ("", ".", ".."):
            filename = f"{name}-{ref}"
        target = Path(dest) if dest is not None else Path.cwd()
        if target.is_dir():
            target = target / filename
        size = info.get("size")
        progress = Progress(int(size or 0), f"downloading {filename}", enabled=self.progress)
        try:
            return fetch_verified(
                str(info["url"]),
                target,
                sha256=str(info["sha256"]),
                size=int(size) if size is not None else None,
                progress=progress,
                overwrite=overwrite,
            )
        finally:
            progress.close()

    # -- aliases and stages ------------------------------------------------------

    def set_alias(
        self,
        name: str,
        alias: str,
        version: VersionRef,
        *,
        expected_version: VersionRef | _Unset | None = UNSET,
    ) -> JSON:
        body: JSON = {"version": self.version_ref(name, version)}
        if not isinstance(expected_version, _Unset):
            body["expected_version"] = expected_version
        path = f"{self._model_path(name)}/aliases/{_q(_pointer(alias, 'alias'))}"
        answer: JSON = self._request("PUT", path, body=body)
        return answer

    def get_alias(self, name: str, alias: str) -> JSON:
        answer: JSON = self._request("GET", f"{self._model_path(name)}/aliases/{_q(_pointer(alias, 'alias'))}")
        return answer

    def delete_alias(self, name: str, alias: str) -> JSON:
        answer: JSON = self._request("DELETE", f"{self._model_path(name)}/aliases/{_q(_pointer(alias, 'alias'))}")
        return answer

    def promote(
        self,
        name: str,
        version: VersionRef,
        *,
        stage: str,
        expected_version: VersionRef | _Unset | None = UNSET,
        comment: str | None = None,
    ) -> JSON:
        """Point ``stage`` at ``version`` (MLflow's order: name, version, then the stage by keyword).

        ``expected_version`` makes the move conditional (409 otherwise): a version means "only if
        the stage holds it now", ``None`` "only if the stage is empty"; left out, the move is
        unconditional.
        """
        body: JSON = {"version": self.version_ref(name, version)}
        if not isinstance(expected_version, _Unset):
            body["expected_version"] = expected_version
        if comment:
            body["comment"] = comment
        path = f"{self._model_path(name)}/stages/{_q(_pointer(stage, 'stage'))}/promote"
        answer: JSON = self._request("POST", path, body=body)
        return answer

    def rollback(
        self,
        name: str,
        *,
        stage: str,
        to_version: VersionRef | None = None,
        comment: str | None = None,
        expected_version: int | None = None,
    ) -> JSON:
        """Move ``stage`` back (to the version before its holder, or to ``to_version``).

        The request names the version the stage holds now (read first unless ``expected_version``
        is given), so a retry after a lost answer cannot roll back twice.
        """
        if expected_version is None:
            expected_version = self.get_stage(name, stage).get("version")
        body: JSON = {} if expected_version is None else {"expected_version": int(expected_version)}
        if to_version is not None:
            body["to_version"] = self.version_ref(name, to_version)
        if comment:
            body["comment"] = comment
        path = f"{self._model_path(name)}/stages/{_q(_pointer(stage, 'stage'))}/rollback"
        answer: JSON = self._request("POST", path, body=body)
        return answer

    def get_stage(self, name: str, stage: str) -> JSON:
        answer: JSON = self._request("GET", f"{self._model_path(name)}/stages/{_q(_pointer(stage, 'stage'))}")
        return answer

    # -- policy and validations ------------------------------------------------------

    def get_policy(self, name: str | None = None) -> JSON:
        """The registry policy in force, or (with ``name``) that model's registry layer and override."""
        path = f"{self._model_path(name)}/policy" if name is not None else "/v1/policy"
        answer: JSON = self._request("GET", path)
        return answer

    def set_policy(self, document: Mapping[str, Any], *, name: str | None = None, expected_revision: int = 0) -> JSON:
        """Replace the registry policy (or, with ``name``, that model's override); admins only.

        ``expected_revision`` is the revision you read: the registry refuses with 409 if it moved.
        """
        path = f"{self._model_path(name)}/policy" if name is not None else "/v1/policy"
        body = {"document": dict(document), "expected_revision": expected_revision}
        answer: JSON = self._request("PUT", path, body=body)
        return answer

    def validate(
        self,
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
            body["stage"] = _pointer(stage, "stage")
        number = self.version_number(name, version)
        answer: JSON = self._request("POST", f"{self._model_path(name)}/versions/{number}/validations", body=body)
        return answer

    def latest_validation(self, name: str, version: VersionRef) -> JSON:
        """The latest ValidationReport of a version (404 when it was never validated)."""
        number = self.version_number(name, version)
        answer: JSON = self._request("GET", f"{self._model_path(name)}/versions/{number}/validations/latest")
        return answer

    def version_number(self, name: str, version: VersionRef) -> int:
        """The number behind a number, a semver label or a ``models:/`` URI of ``name``."""
        ref = self.version_ref(name, version)
        return ref if isinstance(ref, int) else int(self.get_version(name, ref)["version"])

    # -- events ---------------------------------------------------------------------

    def events(self, name: str, limit: int | None = None) -> Iterator[JSON]:
        """The model's audit trail, oldest first, page after page."""
        return self._pages(f"{self._model_path(name)}/events", limit=limit)

    def policy_history(self, limit: int | None = None) -> Iterator[JSON]:
        """Every stored revision of the registry policy, newest first, page after page."""
        return self._pages("/v1/policy/history", limit=limit)

    def governance_events(
        self,
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

    def security_events(self, limit: int | None = None) -> Iterator[JSON]:
        """The registry's security log (admins): refused writes by non-owners, newest first."""
        return self._pages("/v1/security/events", limit=limit)
