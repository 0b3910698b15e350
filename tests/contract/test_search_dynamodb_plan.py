"""What search on DynamoDB relies on: search keys written with the version, holders kept by pointer
moves, tokens bound to their query, and the backfill for versions registered before search keys.

Search results themselves are held to the same answers on both backends by the search contract
tests; these check the DynamoDB layout those answers are read from.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from modelyard_server.domain.version_records import Lineage, VersionRecord
from modelyard_server.ports import Backend
from modelyard_server.ports.records import BadPageToken
from modelyard_server.ports.search import MetricCondition, ModelQuery, VersionOrder, VersionQuery
from tests.contract.conftest import BACKENDS, Clock
from tests.contract.registry_driver import Driver

TABLE = "contract-registry"
NAN = float("nan")
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def dynamodb(tmp_path: Path, clock: Clock) -> Iterator[Backend]:
    with BACKENDS["dynamodb"](tmp_path, clock) as opened:
        yield opened


@pytest.fixture
def registry(dynamodb: Backend, clock: Clock) -> Driver:
    return Driver(dynamodb, clock.now)


def register(registry: Driver, name: str, **fields: Any) -> VersionRecord:
    """A ready version of `name` with these fields (lineage, metrics, tags...) set as registered."""
    model = registry.backend.models.get_model(name, consistent=True)
    if model is None:
        registry.create_model(name)
        model = registry.backend.models.get_model(name, consistent=True)
    assert model is not None
    number = model.latest_version + 1
    version = registry.version_record(name, number).model_copy(update=fields)
    registry.backend.versions.insert_version_claiming_number(
        version, model.latest_version, registry.event(name, "model.version.registered", number), None
    )
    registry.seal(version)
    stored = registry.backend.versions.get_version(name, number, consistent=True)
    assert stored is not None
    return stored


def full_lineage(parents: list[str]) -> Lineage:
    return Lineage(
        commit=SHA,
        workflow_ref="octo/models/.github/workflows/train.yml@refs/heads/main",
        data_uri="s3://data/fraud",
        data_version="2026-11",
        data_digest="sha256:feed",
        parents=parents,
    )


def search(backend: Backend, limit: int = 100, **filters: Any) -> list[tuple[str, int]]:
    page = backend.search.search_versions(VersionQuery(**filters), limit, None)
    return [(match.version.model, match.version.version) for match in page.items]


def partition(pk: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    answer = client.query(
        TableName=TABLE, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
    )
    items: list[dict[str, Any]] = answer["Items"]
    return items


def test_a_version_is_findable_by_each_of_its_keys_from_its_registration(registry: Driver, clock: Clock) -> None:
    lineage = full_lineage(["models:/base/3"])
    found = register(registry, "fraud", tags={"team": "risk", "tier": "1"}, lineage=lineage, framework="xgboost")
    clock.advance(timedelta(seconds=1))
    register(registry, "fraud", tags={"team": "growth"})
    register(registry, "churn", tags={"team": "risk"}, metrics={"auc": 0.7})
    fraud_1 = ("fraud", found.version)

    assert len(partition("FIND#ALL")) == 3
    assert {item["SK"]["S"].split("#", 1)[1] for item in partition("FIND#PARENT#models:/base/3")} == {
        "fraud#0000000001"
    }
    assert search(registry.backend, tags=(("team", "risk"), ("tier", "1"))) == [fraud_1]
    assert search(registry.backend, commit=SHA[:7]) == [fraud_1]
    assert search(registry.backend, commit=SHA[:12] + "0") == []
    assert search(registry.backend, workflow="octo/models/.github/workflows/train.yml") == [fraud_1]
    assert search(registry.backend, data_version="2026-11", framework="xgboost") == [fraud_1]
    assert search(registry.backend, data_uri="s3://data/fraud") == [fraud_1]
    assert search(registry.backend, data_digest="sha256:feed") == [fraud_1]
    assert search(registry.backend, parent="models:/base/3") == [fraud_1]
    assert search(registry.backend, tags=(("team", "risk"),)) == [("churn", 1), fraud_1]  # newest first
    assert search(registry.backend, model_prefix="fr") == [("fraud", 2), fraud_1]
    assert search(registry.backend, metrics=(MetricCondition("auc", "<", 0.8),)) == [("churn", 1)]
    assert search(registry.backend, metrics=(MetricCondition("auc", "!=", 0.9),)) == [("churn", 1)]
    assert search(registry.backend, metrics=(MetricCondition("f1", "!=", 0.9),)) == []
    assert search(registry.backend, created_before=found.created_at + timedelta(microseconds=1)) == [fraud_1]
    assert search(registry.backend, created_after=found.created_at + timedelta(microseconds=1), model="fraud") == [
        ("fraud", 2)
    ]
    assert search(registry.backend, data_version="2025-01") == []


def test_search_keys_never_reach_the_events_stream_as_events(registry: Driver) -> None:
    register(registry, "fraud", tags={"team": "risk"})
    kinds = {item["kind"]["S"] for item in partition("FIND#ALL") + partition("FIND#TAG#team=risk")}
    assert kinds == {"search_key"}  # the events consumer publishes kind "event" only


def test_the_registration_transaction_stays_under_100_items_at_the_largest_version(registry: Driver) -> None:
    lineage = full_lineage([f"models:/base/{n}" for n in range(1, 21)])
    tags = {f"k{n}": "v" for n in range(50)}
    registry.create_model("big")
    version = registry.version_record("big", 1, semver="1.0.0", tags=tags).model_copy(
        update={"lineage": lineage, "framework": "torch"}
    )
    registry.backend.versions.insert_version_claiming_number(
        version, 0, registry.event("big", "model.version.registered", 1), ("retry-key", "hash")
    )
    assert search(registry.backend, tags=(("k49", "v"),), parent="models:/base/20") == [("big", 1)]


def test_stages_and_aliases_held_follow_every_move(registry: Driver) -> None:
    one = register(registry, "fraud")
    two = register(registry, "fraud")
    other = register(registry, "churn")
    registry.move("fraud", "stage", "production", one)
    registry.move("fraud", "alias", "champion", one)
    registry.move("churn", "stage", "production", other)
    registry.move("fraud", "stage", "production", two)

    assert search(registry.backend, stage="production") == [("churn", 1), ("fraud", 2)]
    assert search(registry.backend, stage="production", model="fraud") == [("fraud", 2)]
    held = registry.backend.search.search_versions(VersionQuery(model="fraud"), 10, None).items
    assert [(m.version.version, m.stages, m.aliases) for m in held] == [
        (2, ("production",), ()),
        (1, (), ("champion",)),
    ]

    registry.move("fraud", "alias", "champion", None)  # unset
    registry.move("fraud", "stage", "production", one, action="rollback")
    assert search(registry.backend, alias="champion") == []
    assert search(registry.backend, stage="production", model_prefix="fr") == [("fraud", 1)]
    held = registry.backend.search.search_versions(VersionQuery(model="fraud"), 10, None).items
    assert [(m.version.version, m.stages, m.aliases) for m in held] == [(2, (), ()), (1, ("production",), ())]


def test_status_is_read_from_the_version_not_its_search_keys(registry: Driver) -> None:
    kept = register(registry, "fraud")
    archived = register(registry, "fraud")
    registry.backend.versions.set_version_status(
        "fraud", archived.version, "archived", "old", ["ready"], registry.event("fraud"), [], 0
    )
    assert search(registry.backend, status="ready") == [("fraud", kept.version)]
    assert search(registry.backend, status="archived", model="fraud") == [("fraud", archived.version)]


def test_pages_continue_where_they_stopped_and_tokens_belong_to_their_query(registry: Driver, clock: Clock) -> None:
    for n in range(7):
        register(registry, f"m{n % 3}", tags={"team": "risk"}, metrics={"auc": n / 10})
        clock.advance(timedelta(seconds=1))
    for query in (
        VersionQuery(tags=(("team", "risk"),)),
        VersionQuery(tags=(("team", "risk"),), metrics=(MetricCondition("auc", ">=", 0.0),)),  # filtered plan
        VersionQuery(order=VersionOrder(descending=False)),
    ):
        seen: list[tuple[str, int]] = []
        token: str | None = None
        while True:
            page = registry.backend.search.search_versions(query, 3, token)
            seen += [(m.version.model, m.version.version) for m in page.items]
            token = page.next_token
            if token is None:
                break
        everything = search(registry.backend, tags=query.tags, metrics=query.metrics, order=query.order)
        assert seen == everything and len(seen) == 7

    first = registry.backend.search.search_versions(VersionQuery(tags=(("team", "risk"),)), 2, None)
    assert first.next_token is not None
    with pytest.raises(BadPageToken):
        registry.backend.search.search_versions(VersionQuery(tags=(("team", "growth"),)), 2, first.next_token)
    with pytest.raises(BadPageToken):
        registry.backend.search.search_versions(VersionQuery(), 2, "not-a-token")


def test_metric_order_within_a_model_leaves_out_versions_without_the_metric(registry: Driver) -> None:
    for auc in (0.5, 0.9, 0.7):
        register(registry, "fraud", metrics={"auc": auc})
    register(registry, "fraud", metrics={"f1": 0.3})
    order = VersionOrder(by="metric", metric="auc")
    query = VersionQuery(model="fraud", order=order)
    pages = [registry.backend.search.search_versions(query, 2, None)]
    pages.append(registry.backend.search.search_versions(query, 2, pages[0].next_token))
    assert [[m.version.metrics["auc"] for m in page.items] for page in pages] == [[0.9, 0.7], [0.5]]
    assert pages[1].next_token is None


def test_models_by_prefix_tag_owner_and_stage_held(registry: Driver) -> None:
    one = register(registry, "fraud-eu")
    register(registry, "fraud-us")
    register(registry, "churn")
    registry.move("fraud-eu", "stage", "production", one)
    registry.move("fraud-eu", "stage", "staging", one)

    def names(query: ModelQuery) -> list[str]:
        return [match.model.name for match in registry.backend.search.search_models(query, 10, None).items]

    assert names(ModelQuery(name_prefix="fraud")) == ["fraud-eu", "fraud-us"]
    assert names(ModelQuery(tags=(("team", "contract"),), owner="octo/models")) == ["churn", "fraud-eu", "fraud-us"]
    assert names(ModelQuery(owner="someone/else")) == []
    held = registry.backend.search.search_models(ModelQuery(holds_stage="production"), 10, None).items
    expected = [("fraud-eu", [("production", 1), ("staging", 1)])]
    assert [(m.model.name, sorted(m.stage_versions)) for m in held] == expected
    assert held[0].model.stages["production"].version == 1
    assert names(ModelQuery(holds_stage="production", name_prefix="churn")) == []


def _forget_search(model: str) -> None:
    """What a registry written before search holds: no search keys, no holders recorded."""
    client = boto3.client("dynamodb")
    for item in client.scan(TableName=TABLE)["Items"]:
        key = {"PK": item["PK"], "SK": item["SK"]}
        if item["PK"]["S"].startswith("FIND#"):
            client.delete_item(TableName=TABLE, Key=key)
        elif item["kind"]["S"] == "pointer" and item["PK"]["S"] == f"MODEL#{model}":
            client.update_item(TableName=TABLE, Key=key, UpdateExpression="REMOVE GSI1PK, GSI1SK, GSI2PK, GSI2SK")
        elif item["kind"]["S"] == "version" and item["PK"]["S"] == f"MODEL#{model}":
            client.update_item(TableName=TABLE, Key=key, UpdateExpression="REMOVE holds")


def test_the_backfill_makes_earlier_versions_and_pointers_searchable(registry: Driver) -> None:
    from modelyard_server.adapters.dynamodb.search_backfill import backfill_search

    one = register(registry, "fraud", tags={"team": "risk"})
    two = register(registry, "fraud", tags={"team": "risk"})
    registry.move("fraud", "stage", "production", one)
    registry.move("fraud", "alias", "champion", two)
    _forget_search("fraud")
    # A model's own listing reads its versions, not their search keys: complete before the backfill.
    assert search(registry.backend, model="fraud", tags=(("team", "risk"),)) == [("fraud", 2), ("fraud", 1)]
    assert search(registry.backend, tags=(("team", "risk"),)) == []
    assert search(registry.backend, stage="production") == []

    done = backfill_search()
    assert (done.versions, done.pointers) == (2, 2)
    assert search(registry.backend, tags=(("team", "risk"),)) == [("fraud", 2), ("fraud", 1)]
    assert search(registry.backend, stage="production") == [("fraud", 1)]
    held = registry.backend.search.search_versions(VersionQuery(model="fraud"), 10, None).items
    assert [(m.stages, m.aliases) for m in held] == [((), ("champion",)), (("production",), ())]

    again = backfill_search()  # a second run finds everything in place and changes nothing
    assert again.versions == 2
    assert len(partition("FIND#ALL")) == 2
    assert search(registry.backend, alias="champion") == [("fraud", 2)]
    [model] = registry.backend.search.search_models(ModelQuery(holds_stage="production"), 10, None).items
    assert (model.stage_versions, model.model.aliases["champion"].version) == ([("production", 1)], 2)


def test_any_tag_key_or_metric_name_is_a_filter_not_an_expression(registry: Driver) -> None:
    odd_tag, odd_metric = "a.b:c/d=e+f@g-h", "top-1 acc [val].x"
    register(registry, "fraud", tags={odd_tag: "x=y"}, metrics={odd_metric: 0.5})
    assert search(registry.backend, tags=((odd_tag, "x=y"),)) == [("fraud", 1)]
    assert search(registry.backend, tags=(("a.b:c/d", "e+f@g-h=x=y"),)) == []  # same search key, other tag
    assert search(registry.backend, metrics=(MetricCondition(odd_metric, ">", 0.4),)) == [("fraud", 1)]
    assert search(registry.backend, model="fraud", order=VersionOrder(by="metric", metric=odd_metric)) == [("fraud", 1)]


def test_an_empty_or_inverted_time_window_finds_nothing(registry: Driver) -> None:
    version = register(registry, "fraud")
    at = version.created_at
    assert search(registry.backend, created_after=at, created_before=at) == []
    assert search(registry.backend, created_after=at + timedelta(hours=1), created_before=at) == []
    assert search(registry.backend, created_after=at, created_before=at + timedelta(microseconds=1)) == [("fraud", 1)]


def test_a_version_with_the_most_tags_and_metrics_registers_and_is_found_by_them(registry: Driver) -> None:
    """50 long tags and 500 long metric names copied onto 79 keys would pass DynamoDB's 4 MB per transaction."""
    from modelyard_server.adapters.dynamodb.search_keys import search_key_items

    tags = {f"k{n:03d}" + "x" * 124: "v" * 256 for n in range(50)}
    metrics = {f"m{n:03d}" + "y" * 124: n / 1000 for n in range(500)}
    lineage = full_lineage([f"models:/base/{n}" for n in range(1, 21)])
    big = register(registry, "big", tags=tags, metrics=metrics, lineage=lineage)
    register(registry, "big", tags={"k000" + "x" * 124: "other"}, metrics={"m001" + "y" * 124: 0.5})
    keys = search_key_items(big)
    assert len(keys) == 79 and sum(len(str(key.serialize())) for key in keys) < 1_000_000

    tag = next(iter(tags))
    assert search(registry.backend, tags=((tag, "v" * 256),)) == [("big", 1)]
    assert search(registry.backend, metrics=(MetricCondition("m499" + "y" * 124, ">", 0.4),)) == [("big", 1)]
    by_metric = VersionQuery(model="big", order=VersionOrder(by="metric", metric="m001" + "y" * 124))
    ordered = registry.backend.search.search_versions(by_metric, 10, None).items
    assert [m.version.version for m in ordered] == [2, 1]  # 0.5, then 0.001


def _edited(token: str, position: Any) -> str:
    """`token` with its position replaced: what a client editing the (readable) token would send."""
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw = json.dumps({**body, "at": position}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Positions of the wrong kind for each plan: a created-ordered page continues after a created key (text),
# a metric-ordered one after a number; versions are 1..10**9.
EDITED = {
    "holders-number": (VersionQuery(stage="production"), [1, "alpha", 1]),
    "holders-bool": (VersionQuery(stage="production"), [True, "alpha", 1]),
    "holders-version-too-large": (VersionQuery(stage="production"), ["2026", "alpha", 10**30]),
    "metric-text": (VersionQuery(model="alpha", order=VersionOrder(by="metric", metric="auc")), ["x", "alpha", 1]),
    "metric-nan": (VersionQuery(model="alpha", order=VersionOrder(by="metric", metric="auc")), [NAN, "alpha", 1]),
    "metric-version-text": (VersionQuery(model="alpha", order=VersionOrder(by="metric", metric="auc")), [1, "a", "1"]),
}


@pytest.mark.parametrize("case", sorted(EDITED))
def test_an_edited_sort_position_is_a_bad_token(registry: Driver, case: str) -> None:
    query, position = EDITED[case]
    for name in ("alpha", "beta", "gamma"):
        register(registry, name, metrics={"auc": 0.5})
        registry.move(name, "stage", "production", register(registry, name, metrics={"auc": 0.9}))
    first = registry.backend.search.search_versions(query, 1, None)
    assert first.next_token is not None
    with pytest.raises(BadPageToken):
        registry.backend.search.search_versions(query, 1, _edited(first.next_token, position))


# Start keys edited to lack the attributes a Query's ExclusiveStartKey needs (DynamoDB refuses those with a
# ValidationException), or to carry another index's: what a client editing the readable token would send.
EDITED_START_KEYS = {
    "model-partition-without-sort-key": (VersionQuery(model="alpha"), ["PK"]),
    "search-key-without-sort-key": (VersionQuery(tags=(("team", "risk"),)), ["PK"]),
    "models-without-index-keys": (ModelQuery(name_prefix="a"), ["PK", "SK", "GSI1PK"]),
}


@pytest.mark.parametrize("case", sorted(EDITED_START_KEYS))
def test_an_edited_start_key_is_a_bad_token(registry: Driver, case: str) -> None:
    query, kept = EDITED_START_KEYS[case]
    for name in ("alpha", "alpine", "apex"):
        for _ in range(2):
            register(registry, name, tags={"team": "risk"})
    search = registry.backend.search

    def page(token: str | None) -> Any:
        if isinstance(query, ModelQuery):
            return search.search_models(query, 1, token)
        return search.search_versions(query, 1, token)

    first = page(None)
    assert first.next_token is not None
    body = json.loads(base64.urlsafe_b64decode(first.next_token + "=" * (-len(first.next_token) % 4)))
    edited = _edited(first.next_token, {name: value for name, value in body["at"].items() if name in kept})
    with pytest.raises(BadPageToken):
        page(edited)
