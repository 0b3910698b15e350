"""Copying models from an MLflow registry into modelyard, again and again without duplicates.

Per registered model: the model (description, tags; its name made a valid modelyard name), each
version not imported before (artifacts downloaded and registered with their digest, the run's
params and metrics, the version's description and tags), archived versions archived, aliases set,
and each Staging/Production stage carried over where the registry's rules let this caller promote
(otherwise the result says why not: a promotion normally comes from a workflow job in the stage's
environment). Every imported version carries ``mlflow.model`` and ``mlflow.version`` tags: a
re-run reads them and imports only what is new. Numbers stay MLflow's when the model was empty
and MLflow's numbering has no gaps; the result maps each MLflow version to the number it got.
"""

from __future__ import annotations

import hashlib
import math
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelyard.client import Client
from modelyard.commands.inputs import is_ascii_number
from modelyard.errors import ClientError, RegistryError
from modelyard.mlflow_source import MlflowModel, MlflowRegistry, MlflowVersion

MODEL_TAG, VERSION_TAG, RUN_TAG = "mlflow.model", "mlflow.version", "mlflow.run_id"
_TAG_KEY = re.compile(r"[A-Za-z0-9_.:/+@-]{1,128}")  # the registry's TAG_KEY_PATTERN (domain/record_fields.py)
_POINTER = re.compile(r"[a-z][a-z0-9_-]{0,62}")
MAX_TAGS, MAX_TAG_VALUE, MAX_DESCRIPTION, MAX_PARAM_VALUE = 50, 256, 2000, 1024
STAGES = {"Staging": "staging", "Production": "production"}


@dataclass
class ImportedModel:
    mlflow_name: str
    name: str
    created: bool = False
    imported: dict[int, int] = field(default_factory=dict)  # MLflow version -> modelyard version, this run
    already: dict[int, int] = field(default_factory=dict)  # imported by an earlier run
    aliases: dict[str, int] = field(default_factory=dict)  # aliases set by this run
    stages: dict[str, int] = field(default_factory=dict)  # stages moved by this run
    notes: list[str] = field(default_factory=list)  # what could not be carried over, and why


Report = Callable[[str], None]


def registry_name(mlflow_name: str) -> str:
    """A modelyard model name for an MLflow one: lowercase, other characters as '-'."""
    name = re.sub(r"[^a-z0-9._-]+", "-", mlflow_name.lower()).strip("-._")[:128]
    if not name:
        raise ClientError(f"MLflow model {mlflow_name!r} has no letters or digits to name a modelyard model after")
    return name


def import_models(
    client: Client, tracking_uri: str, names: list[str] | None = None, report: Report = lambda _: None
) -> list[ImportedModel]:
    source = MlflowRegistry(tracking_uri)
    results: list[ImportedModel] = []
    seen: dict[str, str] = {}
    for model in source.models(names):
        result = ImportedModel(model.name, registry_name(model.name))
        if result.name in seen:
            raise ClientError(f"MLflow models {seen[result.name]!r} and {model.name!r} both map to '{result.name}'")
        seen[result.name] = model.name
        _import_model(client, source, model, result, report)
        results.append(result)
    return results


def _import_model(
    client: Client, source: MlflowRegistry, model: MlflowModel, result: ImportedModel, report: Report
) -> None:
    tags, dropped = _fitting_tags(model.tags)
    result.notes += dropped
    try:
        client.get_model(result.name)
    except RegistryError as exc:
        if exc.status != 404:
            raise
        client.create_model(result.name, description=model.description[:MAX_DESCRIPTION], tags=tags)
        result.created = True
        report(f"{model.name}: created model '{result.name}'")
    result.already = _imported_before(client, result.name, model.name)
    versions = source.versions(model.name)
    for version in versions:
        if version.version in result.already:
            continue
        number = _import_version(client, source, version, result, report)
        result.imported[version.version] = number
        if version.stage == "Archived":
            client.archive_version(result.name, number, "archived in MLflow before the import")
    mapped = {**result.already, **result.imported}
    _carry_aliases(client, model, mapped, result)
    _carry_stages(client, versions, mapped, result)


def _imported_before(client: Client, name: str, mlflow_name: str) -> dict[int, int]:
    found: dict[int, int] = {}
    for version in client.list_versions(name, tags={MODEL_TAG: mlflow_name}):
        mlflow_version = (version.get("tags") or {}).get(VERSION_TAG, "")
        if is_ascii_number(mlflow_version):
            found[int(mlflow_version)] = int(version["version"])
    return found


def _import_version(
    client: Client, source: MlflowRegistry, version: MlflowVersion, result: ImportedModel, report: Report
) -> int:
    run = source.run(version.run_id)
    own = {MODEL_TAG: version.name, VERSION_TAG: str(version.version)}
    if version.run_id:
        own[RUN_TAG] = version.run_id
    tags, dropped = _fitting_tags(version.tags, room=MAX_TAGS - len(own))
    metrics = {k: v for k, v in run.metrics.items() if math.isfinite(v)}
    params: dict[str, Any] = {k: v[:MAX_PARAM_VALUE] for k, v in run.params.items()}
    result.notes += [f"v{version.version}: {note}" for note in dropped]
    with tempfile.TemporaryDirectory(prefix="modelyard-mlflow-") as scratch:
        path = source.download_version(version, Path(scratch))
        registered = client.register(
            result.name,
            path,
            params=params,
            metrics=metrics,
            tags={**tags, **own},
            description=version.description[:MAX_DESCRIPTION],
            idempotency_key=_idempotency_key(source.url, version),
        )
    number = int(registered["version"])
    report(f"{version.name}: MLflow v{version.version} -> {result.name} v{number} ({registered.get('uri', '')})")
    return number


def _idempotency_key(url: str, version: MlflowVersion) -> str:
    """The same MLflow version always retries as the same registration."""
    digest = hashlib.sha256(f"{url}\n{version.name}\n{version.version}".encode()).hexdigest()
    return f"mlflow-{digest[:40]}"


def _fitting_tags(tags: dict[str, str], room: int = MAX_TAGS) -> tuple[dict[str, str], list[str]]:
    """The tags modelyard accepts, and a note for each left out."""
    kept: dict[str, str] = {}
    notes: list[str] = []
    for key, value in sorted(tags.items()):
        if key.startswith("mlflow."):
            continue  # MLflow's own bookkeeping (and our import markers' namespace)
        if not _TAG_KEY.fullmatch(key) or len(value) > MAX_TAG_VALUE:
            notes.append(f"tag {key!r} not carried over (key or value too long, or characters modelyard refuses)")
        elif len(kept) >= room:
            notes.append(f"tag {key!r} not carried over (more than {room} tags)")
        else:
            kept[key] = value
    return kept, notes


def _carry_aliases(client: Client, model: MlflowModel, mapped: dict[int, int], result: ImportedModel) -> None:
    for alias, mlflow_version in sorted(model.aliases.items()):
        name = alias.lower()
        if not _POINTER.fullmatch(name) or mlflow_version not in mapped:
            result.notes.append(f"alias {alias!r} not carried over (an invalid name, or its version was not imported)")
            continue
        target = mapped[mlflow_version]
        try:
            current = client.get_alias(result.name, name).get("version")
        except RegistryError as exc:
            if exc.status != 404:
                raise
            current = None
        if current != target:
            client.set_alias(result.name, name, target)
            result.aliases[name] = target


def _carry_stages(client: Client, versions: list[MlflowVersion], mapped: dict[int, int], result: ImportedModel) -> None:
    for version in versions:
        stage = STAGES.get(version.stage)
        if stage is None or version.version not in mapped:
            continue
        target = mapped[version.version]
        try:
            if client.get_stage(result.name, stage).get("version") == target:
                continue
        except RegistryError as exc:
            if exc.status != 404:
                raise
        try:
            client.promote(result.name, target, stage=stage, comment=f"imported from MLflow ({version.stage})")
        except RegistryError as exc:
            result.notes.append(f"stage {stage} (MLflow v{version.version}) not set: {exc.title}: {exc.detail}")
            continue
        result.stages[stage] = target
