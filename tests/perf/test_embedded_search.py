"""The embedded search's cost per page as the registry grows: one page of each filter at 1,000 and
20,000 versions across 100 models (`make bench`; 1,000 and 3,000 by default). Each page walks one index
for at most SCAN_BUDGET entries and stops at the page's last match, so the figures should stay flat.
Prints figures; asserts only that each search found what it should.

Measured 2026-11-29 (2 shared cores, first page of 50, median ms at 1,000 / 20,000 versions): newest
across the registry 1.0 / 1.1, one model 0.2 / 1.2, tag 1 in 10 1.3 / 1.5, rare tag 0.1 / 0.5, data
version 0.5 / 1.3, stage held 1.9 (20,000), descendants 0.1 / 1.1, model by metric 0.3 / 1.2.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from modelyard_server.adapters.embedded.backend import EmbeddedBackend, open_embedded
from modelyard_server.adapters.embedded.database import utc_now
from modelyard_server.domain.version_records import Lineage
from modelyard_server.ports.search import MetricCondition, ModelQuery, VersionOrder, VersionQuery
from tests.contract.registry_driver import Driver

SIZES = [int(n) for n in os.environ.get("MODELYARD_BENCH_SEARCH_VERSIONS", "1000,3000").split(",")]
MODELS = 100
PAGE = 50
REPEATS = 20
SEARCHES: dict[str, VersionQuery] = {
    "newest across the registry": VersionQuery(),
    "one model": VersionQuery(model="m-042"),
    "one model, status ready": VersionQuery(model="m-042", status="ready"),
    "tag (1 in 10)": VersionQuery(tags=(("team", "t3"),)),
    "rare tag (1 in 1000)": VersionQuery(tags=(("rare", "yes"),)),
    "data_version (1 in 50)": VersionQuery(data_version="d7"),
    "stage held": VersionQuery(stage="production"),
    "parent (descendants)": VersionQuery(parent="models:/m-000/1"),
    "metric filter": VersionQuery(metrics=(MetricCondition("auc", ">=", 0.9),)),
    "model by metric": VersionQuery(model="m-042", order=VersionOrder(by="metric", metric="auc")),
    "model prefix": VersionQuery(model_prefix="m-09"),
}


def _fill(backend: EmbeddedBackend, versions: int) -> None:
    registry = Driver(backend, utc_now)
    for i in range(MODELS):
        registry.create_model(f"m-{i:03d}")
    for i in range(versions):
        name = f"m-{i % MODELS:03d}"
        tags = {"team": f"t{i % 10}", **({"rare": "yes"} if i % 1000 == 999 else {})}
        lineage = Lineage(data_version=f"d{i % 50}", parents=["models:/m-000/1"] if i % 500 == 1 else [])
        version = registry.register(name, tags=tags, metrics={"auc": (i * 37 % 100) / 100}, lineage=lineage)
        if i >= versions - MODELS:  # the last version of each model: ready, in production
            registry.seal(version)
            stored = backend.versions.get_version(name, version.version)
            assert stored is not None
            registry.move(name, "stage", "production", stored)


def _milliseconds(read: Callable[[], object]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        read()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def test_embedded_search_page_cost_stays_flat(tmp_path: Path) -> None:
    figures: dict[str, list[tuple[float, int]]] = {name: [] for name in [*SEARCHES, "models holding a stage"]}
    for size in SIZES:
        backend = open_embedded(tmp_path / str(size), synchronous="NORMAL")
        try:
            _fill(backend, size)
            for name, query in SEARCHES.items():
                page = backend.search.search_versions(query, PAGE, None)
                assert page.items or page.next_token, name  # every search here has matches
                read = partial(backend.search.search_versions, query, PAGE, None)
                figures[name].append((_milliseconds(read), len(page.items)))
            models = ModelQuery(holds_stage="production")
            assert len(backend.search.search_models(models, PAGE, None).items) == PAGE
            read_models = partial(backend.search.search_models, models, PAGE, None)
            figures["models holding a stage"].append((_milliseconds(read_models), PAGE))
        finally:
            backend.close()
    print(f"\nembedded search, first page of {PAGE}, median of {REPEATS} (ms; items on the page):")
    print(f"  {'search':32}" + "".join(f"{size:>16,} versions" for size in SIZES))
    for name, rows in figures.items():
        print(f"  {name:32}" + "".join(f"{ms:14.2f} ms ({items:2d})" for ms, items in rows))
