"""Reading an MLflow tracking server's model registry over its REST API (standard library only).

Only what an import needs: registered models, their versions, the run behind a version (params,
metrics) and the version's artifacts, downloaded through the server's artifact proxy
(``mlflow server``'s default ``--serve-artifacts``) or read from a local ``file:`` store.
"""

from __future__ import annotations

import base64
import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from modelyard.errors import ClientError

API = "/api/2.0/mlflow"
ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts"
PAGE_SIZE = 100
TIMEOUT = 60.0
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class MlflowVersion:
    name: str
    version: int
    stage: str  # "None", "Staging", "Production", "Archived"
    description: str
    source: str
    run_id: str
    tags: dict[str, str]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class MlflowModel:
    name: str
    description: str
    tags: dict[str, str]
    aliases: dict[str, int] = field(default_factory=dict)  # alias -> version


@dataclass(frozen=True)
class MlflowRun:
    params: dict[str, str]
    metrics: dict[str, float]


def _pairs(items: Any) -> dict[str, str]:
    return {str(item["key"]): str(item.get("value", "")) for item in items or [] if "key" in item}


class MlflowRegistry:
    """One MLflow tracking server, e.g. ``MlflowRegistry("http://127.0.0.1:5000")``."""

    def __init__(self, tracking_uri: str) -> None:
        parts = urllib.parse.urlsplit(tracking_uri)
        # Credentials in the URI (MLflow's basic-auth app) are sent as Basic authentication, never shown:
        # messages end in CI logs, and urllib would take `user:secret@host` for a host with a bad port.
        host = parts.netloc.rpartition("@")[2]
        shown = urllib.parse.urlunsplit(parts._replace(netloc=host))
        if parts.scheme not in ("http", "https") or not host:
            raise ClientError(f"--tracking-uri must be an http(s) URL of an MLflow server, not {shown!r}")
        self.url = shown.rstrip("/")
        self._headers = {"Accept": "application/json"}
        if "@" in parts.netloc:
            pair = f"{urllib.parse.unquote(parts.username or '')}:{urllib.parse.unquote(parts.password or '')}"
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()

    # -- HTTP ----------------------------------------------------------------------------------------

    def _open(self, path: str, query: Mapping[str, Any] | None = None) -> Any:
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(url, headers=self._headers)  # noqa: S310 - http(s) only
        try:
            return urllib.request.urlopen(request, timeout=TIMEOUT)  # noqa: S310
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise ClientError(f"MLflow answered {exc.code} to GET {path}: {detail}") from None
        except OSError as exc:
            raise ClientError(f"cannot reach the MLflow server at {self.url}: {exc}") from None

    def _get(self, path: str, query: Mapping[str, Any] | None = None) -> dict[str, Any]:
        with self._open(path, query) as answer:
            document = json.load(answer)
        if not isinstance(document, dict):
            raise ClientError(f"MLflow answered GET {path} with something that is not a JSON object")
        return document

    def _pages(self, path: str, key: str, query: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        params = dict(query)
        while True:
            page = self._get(path, params)
            yield from page.get(key) or []
            token = page.get("next_page_token")
            if not token:
                return
            params["page_token"] = token

    # -- registry ------------------------------------------------------------------------------------

    def models(self, names: list[str] | None = None) -> Iterator[MlflowModel]:
        """Every registered model, or the ones named (an unknown name is an error)."""
        if names:
            for name in names:
                document = self._get(f"{API}/registered-models/get", {"name": name})
                yield self._model(document["registered_model"])
            return
        for item in self._pages(f"{API}/registered-models/search", "registered_models", {"max_results": PAGE_SIZE}):
            yield self._model(item)

    @staticmethod
    def _model(item: dict[str, Any]) -> MlflowModel:
        aliases = {str(a["alias"]): int(a["version"]) for a in item.get("aliases") or []}
        return MlflowModel(str(item["name"]), str(item.get("description") or ""), _pairs(item.get("tags")), aliases)

    def versions(self, model: str) -> list[MlflowVersion]:
        """The model's versions, oldest first."""
        escaped = model.replace("'", "\\'")
        query = {"filter": f"name='{escaped}'", "max_results": PAGE_SIZE}
        found = [
            MlflowVersion(
                name=str(item["name"]),
                version=int(item["version"]),
                stage=str(item.get("current_stage") or "None"),
                description=str(item.get("description") or ""),
                source=str(item.get("source") or ""),
                run_id=str(item.get("run_id") or ""),
                tags=_pairs(item.get("tags")),
                aliases=tuple(str(a) for a in item.get("aliases") or []),
            )
            for item in self._pages(f"{API}/model-versions/search", "model_versions", query)
        ]
        return sorted(found, key=lambda v: v.version)

    def run(self, run_id: str) -> MlflowRun:
        if not run_id:
            return MlflowRun({}, {})
        data = self._get(f"{API}/runs/get", {"run_id": run_id}).get("run", {}).get("data", {})
        metrics = {str(m["key"]): float(m["value"]) for m in data.get("metrics") or [] if "key" in m}
        return MlflowRun(_pairs(data.get("params")), metrics)

    # -- artifacts -----------------------------------------------------------------------------------

    def download_version(self, version: MlflowVersion, target: Path) -> Path:
        """The version's artifacts under ``target`` (a directory); returns the file or directory to register."""
        answer = self._get(f"{API}/model-versions/get-download-uri", {"name": version.name, "version": version.version})
        uri = str(answer.get("artifact_uri") or "")
        parts = urllib.parse.urlsplit(uri)
        if parts.scheme == "mlflow-artifacts":
            root = target / (PurePosixPath(parts.path).name or "model")  # packed under MLflow's own folder name
            self._download_proxied(parts.path.lstrip("/"), root)
            return root
        if parts.scheme in ("", "file"):
            local = Path(urllib.parse.unquote(parts.path))
            if not local.exists():
                raise ClientError(f"{version.name} v{version.version}: its artifacts at {uri} are not on this machine")
            copy = target / (local.name or "artifacts")
            if local.is_dir():
                shutil.copytree(local, copy)
            else:
                shutil.copyfile(local, copy)
            return copy
        raise ClientError(
            f"{version.name} v{version.version}: artifacts at {uri!r} are in a store this importer cannot read; "
            "run the MLflow server with its artifact proxy (mlflow server --serve-artifacts, the default)"
        )

    def _download_proxied(self, remote: str, local: Path) -> None:
        local.mkdir(parents=True, exist_ok=True)
        listing = self._get(ARTIFACTS_API, {"path": remote})
        for entry in listing.get("files") or []:
            name = PurePosixPath(str(entry["path"])).name
            if name in ("", ".", "..") or "/" in name or "\\" in name:
                raise ClientError(f"MLflow listed an artifact with an unsafe name: {entry['path']!r}")
            child = f"{remote}/{name}" if remote else name
            if entry.get("is_dir"):
                self._download_proxied(child, local / name)
                continue
            with self._open(f"{ARTIFACTS_API}/{urllib.parse.quote(child)}") as answer, (local / name).open("wb") as out:
                while chunk := answer.read(CHUNK):
                    out.write(chunk)
