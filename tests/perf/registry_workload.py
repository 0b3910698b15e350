"""The registry workload both sides of the MLflow comparison run, one operation at a time.

Stdlib only: the MLflow driver imports it from MLflow's own virtualenv, the modelyard driver
from the project's. Each round registers one more version and then runs every other operation
once, so each operation is timed from the first version to the last and its cost growth shows.
A wrong answer (a skipped number, an alias resolving elsewhere, a short page) stops the run:
a fast wrong registry must not pass for a fast one.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

REGISTER = "create / register a version"
SET_ALIAS = "set alias"
RESOLVE_ALIAS = "resolve alias"
GET_VERSION = "get version"
LIST_PAGE = "list a page of 100 versions"
OPERATIONS = (REGISTER, SET_ALIAS, RESOLVE_ALIAS, GET_VERSION, LIST_PAGE)

ALIAS = "champion"
PAGE_SIZE = 100
ARTIFACT_BYTES = 4096
WARMUP_ROUNDS = 10  # on a model of their own: first connections, lazy imports, each server worker
SEED = 9


class Registry(Protocol):
    """What a driver implements with its own project's client."""

    def create_model(self, name: str) -> None: ...

    def register(self, name: str, artifact: Path) -> int:
        """Register ``artifact`` as a new version of ``name`` (bytes uploaded); its number."""

    def set_alias(self, name: str, alias: str, version: int) -> None: ...

    def resolve_alias(self, name: str, alias: str) -> int:
        """The number of the version ``alias`` points at."""

    def get_version(self, name: str, version: int) -> int:
        """Read one version; its number."""

    def list_page(self, name: str, size: int) -> int:
        """Read the first page of ``size`` versions; how many it held."""


def write_artifact(directory: Path, round_number: int) -> Path:
    """A small artifact whose bytes differ each round (no registry may skip an upload as a duplicate)."""
    path = directory / f"model-{round_number}.bin"
    head = f"round {round_number}\n".encode()
    path.write_bytes(head + random.randbytes(ARTIFACT_BYTES - len(head)))
    return path


def run(registry: Registry, name: str, versions: int, scratch: Path) -> dict[str, list[float]]:
    """Create ``name`` and run ``versions`` rounds; the seconds each operation took, per round."""
    random.seed(SEED)
    samples: dict[str, list[float]] = {operation: [] for operation in OPERATIONS}
    registry.create_model(name)

    def timed(operation: str, call: Callable[..., int | None], *args: object) -> int | None:
        started = time.perf_counter()
        answer = call(*args)
        samples[operation].append(time.perf_counter() - started)
        return answer

    for number in range(1, versions + 1):
        artifact = write_artifact(scratch, number)
        older = random.randint(1, number)
        _expect(timed(REGISTER, registry.register, name, artifact), number, f"{REGISTER} #{number}")
        artifact.unlink()
        timed(SET_ALIAS, registry.set_alias, name, ALIAS, number)
        _expect(timed(RESOLVE_ALIAS, registry.resolve_alias, name, ALIAS), number, RESOLVE_ALIAS)
        _expect(timed(GET_VERSION, registry.get_version, name, older), older, GET_VERSION)
        _expect(timed(LIST_PAGE, registry.list_page, name, PAGE_SIZE), min(number, PAGE_SIZE), LIST_PAGE)
    return samples


def main(registry: Registry, name: str, versions: int, scratch: Path, report: Path) -> None:
    """Warm up on a model of its own, run the workload on ``name``, write the samples as JSON."""
    run(registry, f"{name}-warmup", WARMUP_ROUNDS, scratch)
    samples = run(registry, name, versions, scratch)
    report.write_text(json.dumps({"versions": versions, "samples": samples}))


def _expect(answer: int | None, wanted: int, what: str) -> None:
    if answer != wanted:
        raise AssertionError(f"{what}: expected {wanted}, the registry answered {answer}")
