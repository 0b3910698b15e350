"""DynamoDB calls per search page, as the registry grows from 1,000 to 20,000 versions (100 models).

The table (moto, created from the template) is seeded through the adapter's own item types in batch
writes (what registration writes, without a request per version), the stage and alias pointers
through the pointer store. Each search is then asked for its first and second page and the
DynamoDB requests moto served are counted. The figures are printed (``pytest -s``); the test
asserts only the design's promise: a page costs the same number of calls at every size.
``MODELYARD_BENCH_SEARCH_VERSIONS`` sets the sizes (``make bench``: ``1000,20000``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from moto.dynamodb.models.table import StreamShard

from modelyard_server.adapters.dynamodb.items import RegistryItem, VersionItem, json_record, model_pk, version_sk
from modelyard_server.adapters.dynamodb.search_keys import search_key_items
from modelyard_server.adapters.dynamodb.versions import LIFECYCLE_FIELDS
from modelyard_server.domain.version_records import Lineage, VersionRecord
from modelyard_server.ports import Backend
from modelyard_server.ports.search import MetricCondition, ModelQuery, VersionOrder, VersionQuery
from tests.contract.conftest import BACKENDS, Clock
from tests.contract.registry_driver import Driver
from tests.perf.dynamo_counting import DynamoCalls, count_dynamodb_calls
from tests.perf.tables import format_table

MODELS = 100
PAGE = 50
MAX_CALLS_PER_PAGE = 3  # 1 Query + 1 BatchGetItem; models holding a stage: + 1 Query of their pointers
# `make bench` measures 1,000 and 20,000 (about 10 minutes on moto); `make test` a quicker pair.
SIZES = [int(n) for n in os.environ.get("MODELYARD_BENCH_SEARCH_VERSIONS", "200,1000").split(",")]
START = datetime(2026, 1, 1, tzinfo=UTC)
TEAMS = ("risk", "growth", "ops", "search", "ads")
FRAMEWORKS = ("sklearn", "xgboost", "torch")


def _name(index: int) -> str:
    return f"m{index % MODELS:03d}"


def _version(driver: Driver, index: int, number: int) -> VersionRecord:
    """The index-th version registered (0-based), number `number` of its model."""
    parents = [f"models:/{_name(index - MODELS)}/{number - 1}"] if number > 1 else []
    return driver.version_record(_name(index), number, tags={"team": TEAMS[index % len(TEAMS)]}).model_copy(
        update={
            "status": "ready",
            "upload_expires_at": None,
            "created_at": START + timedelta(seconds=index),
            "framework": FRAMEWORKS[index % len(FRAMEWORKS)],
            "metrics": {"auc": (index * 37 % 1000) / 1000},
            "lineage": Lineage(commit=f"{index:07x}" + "0" * 33, data_version=f"d-{index % 50}", parents=parents),
        }
    )


def _seed(driver: Driver, first: int, count: int) -> list[VersionRecord]:
    """Versions first..first+count-1, round robin over the models, in batch writes."""
    seeded = []
    with RegistryItem.batch_write() as batch:
        for index in range(first, first + count):
            version = _version(driver, index, index // MODELS + 1)
            stored = json_record(version.model_copy(update=dict.fromkeys(LIFECYCLE_FIELDS)))
            batch.save(
                VersionItem(
                    model_pk(version.model),
                    version_sk(version.version),
                    record=stored,
                    status="ready",
                    tags=dict(version.tags),
                )
            )
            for key in search_key_items(version):
                batch.save(key)
            seeded.append(version)
    return seeded


VERSION_SEARCHES: list[tuple[str, VersionQuery]] = [
    ("model=m007", VersionQuery(model="m007")),
    ("tag team=risk", VersionQuery(tags=(("team", "risk"),))),
    ("framework=torch", VersionQuery(framework="torch")),
    ("data_version=d-17", VersionQuery(data_version="d-17")),
    ("commit=0000007", VersionQuery(commit="0000007")),
    ("parent=models:/m007/1", VersionQuery(parent="models:/m007/1")),
    ("status=ready", VersionQuery(status="ready")),
    (
        "created in Jan 1 00:05-00:10",
        VersionQuery(created_after=START + timedelta(minutes=5), created_before=START + timedelta(minutes=10)),
    ),
    ("(filter) metric auc>=0.95", VersionQuery(metrics=(MetricCondition("auc", ">=", 0.95),))),
    ("(filter) model_prefix=m00", VersionQuery(model_prefix="m00")),
    ("(filter) tag team=risk, framework=torch", VersionQuery(tags=(("team", "risk"),), framework="torch")),
    ("stage=production", VersionQuery(stage="production")),
    ("alias=champion, model=m007", VersionQuery(alias="champion", model="m007")),
    ("model=m007 order_by metric:auc", VersionQuery(model="m007", order=VersionOrder(by="metric", metric="auc"))),
]
MODEL_SEARCHES: list[tuple[str, ModelQuery]] = [
    ("models name_prefix=m01", ModelQuery(name_prefix="m01")),
    ("models tag team=contract", ModelQuery(tags=(("team", "contract"),))),
    ("models holds_stage=production", ModelQuery(holds_stage="production")),
]


@pytest.fixture
def counted(dynamodb: Backend, monkeypatch: pytest.MonkeyPatch) -> DynamoCalls:
    return count_dynamodb_calls(monkeypatch)


@pytest.fixture
def dynamodb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    # moto keeps every stream record in memory (gigabytes at 20,000 versions) and nothing here reads
    # the stream: the records are not kept.
    with BACKENDS["dynamodb"](tmp_path, Clock()) as opened:
        monkeypatch.setattr(StreamShard, "add", lambda self, old, new: None)  # after moto's own patches
        yield opened


def _pages(counted: DynamoCalls, search: Callable[[str | None], Any]) -> tuple[int, int, int, int]:
    """Calls and matches of the first page and the second."""
    first, calls_1 = counted.during(lambda: search(None))
    if first.next_token is None:
        return len(calls_1), len(first.items), 0, 0
    second, calls_2 = counted.during(lambda: search(first.next_token))
    return len(calls_1), len(first.items), len(calls_2), len(second.items)


def _measure(backend: Backend, counted: DynamoCalls) -> dict[str, tuple[int, int, int, int]]:
    figures = {}
    for label, version_query in VERSION_SEARCHES:
        figures[label] = _pages(counted, lambda t, q=version_query: backend.search.search_versions(q, PAGE, t))
    for label, model_query in MODEL_SEARCHES:
        figures[label] = _pages(counted, lambda t, q=model_query: backend.search.search_models(q, PAGE, t))
    return figures


def test_search_calls_per_page_stay_flat_as_the_registry_grows(dynamodb: Backend, counted: DynamoCalls) -> None:
    driver = Driver(dynamodb, lambda: START)
    for index in range(MODELS):
        driver.create_model(_name(index))
    measured: dict[int, dict[str, tuple[int, int, int, int]]] = {}
    seeded = 0
    for size in sorted(SIZES):
        began = time.perf_counter()
        versions = _seed(driver, seeded, size - seeded)
        if seeded == 0:  # the first versions of each model hold its stage; every fifth has an alias
            for version in versions[:MODELS]:
                driver.move(version.model, "stage", "production", version)
                if version.model.endswith(("0", "5", "7")):
                    driver.move(version.model, "alias", "champion", version)
        seeded = size
        print(f"\nseeded {size} versions in {time.perf_counter() - began:.1f} s")
        measured[size] = _measure(dynamodb, counted)

    sizes = sorted(measured)
    headers = ["search (page of 50)"] + [f"{label} @{n}" for n in sizes for label in ("calls p1/p2", "hits p1/p2")]
    rows = []
    for label in measured[sizes[0]]:
        row: list[object] = [label]
        for n in sizes:
            calls_1, hits_1, calls_2, hits_2 = measured[n][label]
            row += [f"{calls_1}/{calls_2}", f"{hits_1}/{hits_2}"]
        rows.append(row)
    print(format_table(f"DynamoDB calls per search page ({MODELS} models)", headers, rows))

    # A page that found something ran its whole plan: that costs the same at every size. (A page that
    # found nothing skips the BatchGetItem.) And no plan costs more than MAX_CALLS_PER_PAGE.
    found_at_all_sizes = [label for label in measured[sizes[0]] if all(measured[n][label][1] for n in sizes)]
    grew = {
        label: [measured[n][label][0] for n in sizes]
        for label in found_at_all_sizes
        if len({measured[n][label][0] for n in sizes}) > 1
    }
    assert not grew, f"first-page calls changed with the registry's size: {grew}"
    costly = {label: calls for n in sizes for label, (calls, *_) in measured[n].items() if calls > MAX_CALLS_PER_PAGE}
    assert not costly, costly
