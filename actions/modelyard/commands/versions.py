"""A model's versions: register, validate, show, resolve, download, archive and restore."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.commands.compare import compare_with_holder
from modelyard.commands.pointers import StageHolder, stage_holder
from modelyard.commands.results import JSON, Answer
from modelyard.errors import RegistryError
from modelyard.uris import ModelURI

if TYPE_CHECKING:
    from modelyard.client import Client, VersionRef


def _digest(version: Mapping[str, Any]) -> str:
    sha = (version.get("artifact") or {}).get("sha256") or ""
    return f"sha256:{sha}" if sha else ""


@dataclass(frozen=True)
class Registration:
    """A registered version; ``compared_with`` is the stage holder its metrics are set against, if asked."""

    data: JSON
    artifact_uri: str
    compared_with: StageHolder | None = None

    @property
    def number(self) -> int:
        return int(self.data["version"])

    @property
    def uri(self) -> str:
        return str(self.data.get("uri") or f"models:/{self.data.get('model')}/{self.number}")

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` of the artifact, empty when the registry did not say."""
        return _digest(self.data)


def register(
    client: Client,
    name: str,
    path: str | os.PathLike[str],
    *,
    lineage: Mapping[str, Any] | None = None,
    compare_stage: str | None = None,
    **details: Any,
) -> Registration:
    """Register ``path`` as a new version of ``name``; ``details`` are :meth:`Client.register`'s keywords.

    Empty lineage entries are left out (the job's own lineage fills them); with ``compare_stage``
    the stage's holder is read afterwards so a summary can set the metrics side by side.
    """
    found = {key: value for key, value in (lineage or {}).items() if value}
    version = client.register(name, path, lineage=found, **details)
    number = int(version["version"])
    artifact_uri = f"{client.url}/v1/models/{name}/versions/{number}/download"
    holder = stage_holder(client, name, compare_stage) if compare_stage else None
    return Registration(version, artifact_uri, holder)


@dataclass(frozen=True)
class Validation:
    """The registry's verdict on a version (the server evaluates the gates; a client cannot forge it)."""

    data: JSON
    compared_with: StageHolder | None = None
    comparison: JSON | None = None  # the registry's comparison with ``compared_with``, when it gave one

    @property
    def passed(self) -> bool:
        return bool(self.data.get("passed"))

    @property
    def number(self) -> int:
        return int(self.data.get("version") or 0)

    @property
    def checks(self) -> list[Mapping[str, Any]]:
        return [c for c in self.data.get("checks") or [] if isinstance(c, Mapping)]

    @property
    def failed(self) -> list[Mapping[str, Any]]:
        return [c for c in self.checks if not c.get("passed")]


def is_policy_loosened(exc: RegistryError) -> bool:
    """The repository's policy was refused because it would loosen the registry's."""
    return exc.type.endswith("/policy-loosened")


def validate(
    client: Client,
    name: str,
    version: VersionRef,
    *,
    metrics: Mapping[str, float] | None = None,
    repository_policy: Mapping[str, Any] | None = None,
    stage: str | None = None,
    compare_stage: str | None = None,
) -> Validation:
    """Have the registry check the version against its gates; ``compare_stage`` as in :func:`register`."""
    report = client.validate(name, version, metrics=metrics, repository_policy=repository_policy, stage=stage)
    if not compare_stage:
        return Validation(report)
    holder = stage_holder(client, name, compare_stage)
    return Validation(report, holder, compare_with_holder(client, name, int(report.get("version") or 0), holder))


def show_version(client: Client, uri: ModelURI) -> Answer[JSON]:
    """The version a URI names (a version or semver URI directly, an alias or stage through resolve)."""
    if uri.ref is not None:
        return Answer(client.get_version(uri.name, uri.ref))
    return Answer(client.resolve(uri))


@dataclass(frozen=True)
class Resolution:
    """Which version a ``models:/`` URI points at now."""

    uri: str
    data: JSON

    @property
    def resolved_uri(self) -> str:
        # the answer's own "uri" may echo the request: build the version's URI from its fields
        return f"models:/{self.data.get('model')}/{self.data.get('version')}"


def resolve(client: Client, uri: str) -> Resolution:
    return Resolution(uri, client.resolve(uri))


@dataclass(frozen=True)
class Download:
    """A downloaded artifact whose size and sha256 matched what the registry declared."""

    uri: str
    path: Path
    sha256: str
    size: int

    @property
    def data(self) -> JSON:
        return {"uri": self.uri, "path": str(self.path), "sha256": self.sha256, "size": self.size, "verified": True}


def download(client: Client, uri: str, output: str | None, *, overwrite: bool) -> Download:
    """Refused (and no file left) unless size and sha256 match what the registry declared."""
    digest = client.download_verified(uri, output, overwrite=overwrite)
    return Download(uri, digest.path, digest.sha256, digest.size)


def archive(client: Client, name: str, version: VersionRef, reason: str, *, deprecate: bool) -> Answer[JSON]:
    return Answer(client.archive_version(name, version, reason, deprecate=deprecate))


def restore(client: Client, name: str, version: VersionRef, reason: str) -> Answer[JSON]:
    return Answer(client.restore_version(name, version, reason))
