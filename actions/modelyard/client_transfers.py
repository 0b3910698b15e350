"""The SDK's artifact transfers: registering a version (hash or pack the file, register it, upload its bytes,
seal it) and downloading one (fetch it through the registry's expiring URL, verified on arrival).

Mixed into :class:`modelyard.client.Client`, which supplies the requests (``_Registry`` says what these
methods use of it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from modelyard.client_arguments import VersionRef
from modelyard.errors import ClientError, RegistryError
from modelyard.uris import ModelURI, is_semver, is_uri, parse_uri

if TYPE_CHECKING:  # imported when a download runs: `import modelyard` stays light
    from modelyard.download import VerifiedDownload

JSON = dict[str, Any]
MAX_IDEMPOTENCY_KEY = 128


class _Registry(Protocol):
    _env: Mapping[str, str]
    upload_workers: int | None
    progress: bool | None

    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def _model_path(self, name: str) -> str: ...

    def create_model(
        self, name: str, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> JSON: ...

    def complete_version(
        self,
        name: str,
        version: int,
        parts: Sequence[Mapping[str, Any]] | None = None,
        upload_id: str | None = None,
    ) -> JSON: ...

    def resolve(self, uri: str | ModelURI) -> JSON: ...

    def download_info(self, name: str, ref: VersionRef) -> JSON: ...

    def download_verified(
        self,
        uri: str,
        dest: str | os.PathLike[str] | None = None,
        *,
        version: VersionRef | None = None,
        overwrite: bool = False,
    ) -> VerifiedDownload: ...


class TransferMethods:
    def register(
        self: _Registry,
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
        self: _Registry,
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

    def download(
        self: _Registry,
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
        self: _Registry,
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
