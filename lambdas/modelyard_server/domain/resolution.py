"""What a model URI names now: a version by number or label, a stage or alias holder, or the newest ready version.

Every reader of a URI goes through here (resolve, compare, lineage, a registration's parents), so the
MLflow habits (`models:/fraud/Production` for a stage in any case, `models:/fraud/latest`) mean the
same thing everywhere.

Storage reads: a version URI is one read (two for a semver label); a stage or alias URI is one read
(its pointer carries the version's summary), plus one for the whole record when asked for it;
`latest` reads the model's ready versions newest first, a page at a time (almost always one page),
at most `LATEST_PAGES` pages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from modelyard_server.domain.errors import DomainError, ModelNotFound, PointerNotFound, VersionNotFound
from modelyard_server.domain.names import ModelUri, VersionRef, parse_model_uri
from modelyard_server.domain.version_records import VersionRecord, VersionSummary
from modelyard_server.ports import backend
from modelyard_server.ports.records import PointerKind
from modelyard_server.settings import get_settings

LATEST_PAGE = 50
LATEST_PAGES = 20  # a model whose newest 1,000 versions are none of them ready has no usable `latest`
URI_FORMS = (
    "models:/NAME/7, models:/NAME/1.4.0, models:/NAME@ALIAS, models:/NAME/stage/STAGE (or models:/NAME/Stage), "
    "models:/NAME/latest"
)


class InvalidReference(DomainError):
    status, slug, title = 422, "invalid-reference", "Not a version reference"


@dataclass(frozen=True)
class Resolution:
    """The version a URI names now, and the revision of the stage or alias it went through (if any)."""

    summary: VersionSummary
    pointer_revision: int | None = None

    @property
    def etag(self) -> str:
        """A strong entity tag: it changes whenever the answer would, or the pointer moved (even back).

        It covers the whole summary (model, version, status, digest, size, metrics...), so two answers
        with the same tag are byte for byte the same JSON.
        """
        canonical = json.dumps(
            {"summary": self.summary.model_dump(mode="json"), "pointer_revision": self.pointer_revision},
            sort_keys=True,
            separators=(",", ":"),
        )
        return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def summarize(version: VersionRecord) -> VersionSummary:
    return VersionSummary(
        model=version.model,
        version=version.version,
        uri=version.uri,
        status=version.status,
        sha256=version.artifact.sha256,
        size=version.artifact.size,
        format=version.artifact.format,
        semver=version.semver,
        framework=version.framework,
        metrics=version.metrics,
    )


def _require_model(name: str) -> None:
    if backend().models.get_model(name) is None:
        raise ModelNotFound(f"there is no model '{name}'")


def get_version_by_number(name: str, number: int, *, consistent: bool = False) -> VersionRecord:
    version = backend().versions.get_version(name, number, consistent=consistent)
    if version is None:
        _require_model(name)
        raise VersionNotFound(f"model '{name}' has no version {number}")
    return version


def resolve_number(name: str, ref: VersionRef) -> int:
    if ref.number is not None:
        return ref.number
    assert ref.semver is not None
    number = backend().versions.get_semver_claim(name, ref.semver)
    if number is None:
        _require_model(name)
        raise VersionNotFound(f"model '{name}' has no version labelled {ref.semver}")
    return number


def latest_ready_version(name: str) -> VersionRecord:
    """The newest ready version of `name` (MLflow's `latest`): at most LATEST_PAGES reads of LATEST_PAGE."""
    token: str | None = None
    for _ in range(LATEST_PAGES):
        page = backend().versions.list_versions(name, LATEST_PAGE, token, "ready", None)
        if page.items:
            return page.items[0]
        token = page.next_token
        if token is None:
            break
    _require_model(name)
    raise VersionNotFound(
        f"model '{name}' has no ready version: models:/{name}/latest names the newest version whose artifact "
        "is verified (register one and complete its upload, or name a version by number)"
    )


def parse_uri(uri_text: str) -> ModelUri:
    uri = parse_model_uri(uri_text)
    if uri is None:
        raise InvalidReference(f"'{uri_text[:100]}' is not a model URI ({URI_FORMS})")
    return uri


def _pointer_missing(uri: ModelUri, kind: PointerKind) -> DomainError:
    """Why a stage or alias names no version: no model, no such stage in this registry, or nothing in it."""
    if backend().models.get_model(uri.model) is None:
        return ModelNotFound(f"there is no model '{uri.model}'")
    stages = get_settings().stages
    if kind == "stage" and uri.pointer not in stages:
        return PointerNotFound(
            f"'{uri.pointer}' is not a stage of this registry (stages are: {', '.join(stages)}); "
            f"to name an alias write models:/{uri.model}@{uri.pointer}"
        )
    if kind == "stage":
        return PointerNotFound(f"no version of model '{uri.model}' is in stage '{uri.pointer}'")
    return PointerNotFound(f"model '{uri.model}' has no alias '{uri.pointer}' pointing at a version")


def _resolve(uri: ModelUri, *, full: bool) -> tuple[Resolution, VersionRecord | None]:
    if uri.kind == "version":
        assert uri.version is not None
        record = get_version_by_number(uri.model, resolve_number(uri.model, uri.version))
        return Resolution(summarize(record)), record
    if uri.kind == "latest":
        record = latest_ready_version(uri.model)
        return Resolution(summarize(record)), record
    assert uri.pointer is not None
    kind: PointerKind = "alias" if uri.kind == "alias" else "stage"
    pointer = backend().pointers.get_pointer(uri.model, kind, uri.pointer)
    if pointer is None or pointer.target is None:
        raise _pointer_missing(uri, kind)
    resolution = Resolution(pointer.target, pointer.revision)
    if not full:
        return resolution, None
    return resolution, get_version_by_number(uri.model, pointer.target.version)


def resolve(uri_text: str) -> Resolution:
    """What a URI names now. A stage or alias is one read: its pointer carries the summary."""
    return _resolve(parse_uri(uri_text), full=False)[0]


def resolve_uri(uri_text: str) -> VersionSummary:
    return resolve(uri_text).summary


def resolve_record(uri_text: str) -> VersionRecord:
    """The whole record of the version a URI names now (params, lineage, signature, validation...)."""
    record = _resolve(parse_uri(uri_text), full=True)[1]
    assert record is not None
    return record
