"""Version search: every filter finds exactly its versions (and nothing when nothing matches), filters
combine, orders hold across pages, and what a version holds or is (stage, alias, status) is read as it
is now, after pointers moved and versions were archived."""

from __future__ import annotations

from datetime import timedelta

import pytest

from modelyard_server.domain.version_records import Lineage, VersionRecord
from modelyard_server.ports import Backend
from modelyard_server.ports.records import BadPageToken
from modelyard_server.ports.search import MetricCondition, VersionMatch, VersionOrder, VersionQuery
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver

COMMIT_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
COMMIT_B = "ffeeddccbbaa99887766554433221100ffeeddcc"
TRAIN = "acme/train/.github/workflows/train.yml"
Found = list[tuple[str, int]]


def every_match(backend: Backend, query: VersionQuery, limit: int = 100) -> list[VersionMatch]:
    matches: list[VersionMatch] = []
    token: str | None = None
    for _ in range(1000):
        page = backend.search.search_versions(query, limit, token)
        matches += page.items
        token = page.next_token
        if token is None:
            return matches
    raise AssertionError("the search never ended")


def found(backend: Backend, query: VersionQuery, limit: int = 100) -> Found:
    return [(m.version.model, m.version.version) for m in every_match(backend, query, limit)]


class Catalog:
    """fraud 1-3, churn 1-2, fraud-ranker 1, registered in that order a second apart (so newest first is
    fraud-ranker/1, churn/2, churn/1, fraud/3, fraud/2, fraud/1)."""

    def __init__(self, registry: Driver, clock: Clock) -> None:
        self.registry, self.clock = registry, clock
        for name in ("fraud", "churn", "fraud-ranker"):
            registry.create_model(name)
        self.fraud1 = self.ready(
            "fraud",
            tags={"team": "risk", "env": "prod"},
            metrics={"auc": 0.80, "accuracy": 0.91},
            lineage=Lineage(
                data_uri="s3://data/fraud",
                data_version="2026-10",
                data_digest="sha256:aaaa",
                commit=COMMIT_A,
                workflow_ref=f"{TRAIN}@refs/heads/main",
            ),
        )
        self.fraud2 = self.ready(
            "fraud",
            tags={"team": "risk"},
            metrics={"auc": 0.95},
            framework="xgboost",
            format="joblib",
            lineage=Lineage(data_version="2026-11", commit=COMMIT_B, parents=["models:/fraud/1"]),
        )
        self.fraud3 = self.register("fraud", tags={"team": "growth"}, metrics={"auc": 0.85})  # pending
        self.churn1 = self.ready(
            "churn",
            tags={"team": "risk"},
            metrics={"auc": 0.70},
            lineage=Lineage(data_version="2026-11", parents=["models:/fraud/1"], workflow_ref=f"{TRAIN}@v2"),
        )
        self.churn2 = self.ready("churn", metrics={"accuracy": 0.5})
        self.ranker1 = self.ready("fraud-ranker", tags={"team": "risk"}, metrics={"auc": 0.99})
        registry.move("fraud", "stage", "production", self.fraud2)
        registry.move("churn", "stage", "staging", self.churn1)
        registry.move("fraud", "alias", "champion", self.fraud1, action="set")

    def register(self, name: str, **fields: object) -> VersionRecord:
        self.clock.advance(timedelta(seconds=1))
        return self.registry.register(name, **fields)

    def ready(self, name: str, **fields: object) -> VersionRecord:
        version = self.register(name, **fields)
        self.registry.seal(version)
        return version


@pytest.fixture
def catalog(registry: Driver, clock: Clock) -> Catalog:
    return Catalog(registry, clock)


NEWEST_FIRST: Found = [("fraud-ranker", 1), ("churn", 2), ("churn", 1), ("fraud", 3), ("fraud", 2), ("fraud", 1)]
FILTERS: dict[str, tuple[VersionQuery, Found]] = {
    "everything": (VersionQuery(), NEWEST_FIRST),
    "model": (VersionQuery(model="fraud"), [("fraud", 3), ("fraud", 2), ("fraud", 1)]),
    "model-none": (VersionQuery(model="nosuch"), []),
    "prefix": (VersionQuery(model_prefix="fraud"), [("fraud-ranker", 1), ("fraud", 3), ("fraud", 2), ("fraud", 1)]),
    "prefix-none": (VersionQuery(model_prefix="zzz"), []),
    "tag": (VersionQuery(tags=(("team", "risk"),)), [("fraud-ranker", 1), ("churn", 1), ("fraud", 2), ("fraud", 1)]),
    "tags-all": (VersionQuery(tags=(("team", "risk"), ("env", "prod"))), [("fraud", 1)]),
    "tag-none": (VersionQuery(tags=(("team", "nobody"),)), []),
    "metric": (
        VersionQuery(metrics=(MetricCondition("auc", ">=", 0.85),)),
        [("fraud-ranker", 1), ("fraud", 3), ("fraud", 2)],
    ),
    "metric-ops": (
        VersionQuery(metrics=(MetricCondition("auc", "<", 0.95), MetricCondition("auc", "!=", 0.8))),
        [("churn", 1), ("fraud", 3)],
    ),
    "metric-equal": (VersionQuery(metrics=(MetricCondition("accuracy", "=", 0.5),)), [("churn", 2)]),
    "metric-none": (VersionQuery(metrics=(MetricCondition("auc", ">", 1.0),)), []),
    "metric-absent": (VersionQuery(metrics=(MetricCondition("f1", ">", 0.0),)), []),
    "framework": (VersionQuery(framework="xgboost"), [("fraud", 2)]),
    "framework-none": (VersionQuery(framework="torch"), []),
    "format": (VersionQuery(format="joblib"), [("fraud", 2)]),
    "format-none": (VersionQuery(format="safetensors"), []),
    "status": (VersionQuery(status="pending_upload"), [("fraud", 3)]),
    "status-none": (VersionQuery(status="archived"), []),
    "stage": (VersionQuery(stage="production"), [("fraud", 2)]),
    "stage-none": (VersionQuery(stage="canary"), []),
    "alias": (VersionQuery(alias="champion"), [("fraud", 1)]),
    "alias-none": (VersionQuery(alias="shadow"), []),
    "data-uri": (VersionQuery(data_uri="s3://data/fraud"), [("fraud", 1)]),
    "data-uri-none": (VersionQuery(data_uri="s3://data/other"), []),
    "data-version": (VersionQuery(data_version="2026-11"), [("churn", 1), ("fraud", 2)]),
    "data-version-none": (VersionQuery(data_version="2025-01"), []),
    "data-digest": (VersionQuery(data_digest="sha256:aaaa"), [("fraud", 1)]),
    "data-digest-none": (VersionQuery(data_digest="sha256:bbbb"), []),
    "commit": (VersionQuery(commit=COMMIT_B), [("fraud", 2)]),
    "commit-prefix": (VersionQuery(commit=COMMIT_A[:7]), [("fraud", 1)]),
    "commit-none": (VersionQuery(commit="0000000"), []),
    "workflow": (VersionQuery(workflow=TRAIN), [("churn", 1), ("fraud", 1)]),
    "workflow-none": (VersionQuery(workflow="acme/train/.github/workflows/other.yml"), []),
    "parent": (VersionQuery(parent="models:/fraud/1"), [("churn", 1), ("fraud", 2)]),
    "parent-none": (VersionQuery(parent="models:/fraud/2"), []),
    "model-and-tag": (VersionQuery(model="fraud", tags=(("team", "risk"),)), [("fraud", 2), ("fraud", 1)]),
    "model-and-parent": (VersionQuery(model="churn", parent="models:/fraud/1"), [("churn", 1)]),
    "model-and-stage": (VersionQuery(model="churn", stage="production"), []),
    "tag-and-metric-and-status": (
        VersionQuery(tags=(("team", "risk"),), metrics=(MetricCondition("auc", ">", 0.75),), status="ready"),
        [("fraud-ranker", 1), ("fraud", 2), ("fraud", 1)],
    ),
    "data-version-and-prefix": (VersionQuery(data_version="2026-11", model_prefix="fraud"), [("fraud", 2)]),
    "parent-and-stage": (VersionQuery(parent="models:/fraud/1", stage="staging"), [("churn", 1)]),
    "oldest-first": (
        VersionQuery(model_prefix="fraud", order=VersionOrder(descending=False)),
        [("fraud", 1), ("fraud", 2), ("fraud", 3), ("fraud-ranker", 1)],
    ),
}


@pytest.mark.parametrize("case", sorted(FILTERS))
def test_each_filter_finds_exactly_its_versions(catalog: Catalog, backend: Backend, case: str) -> None:
    query, expected = FILTERS[case]
    assert found(backend, query) == expected
    assert found(backend, query, limit=1) == expected  # and page by page, the same


def test_created_after_and_before_bound_the_search(catalog: Catalog, backend: Backend) -> None:
    after = catalog.churn1.created_at
    assert found(backend, VersionQuery(created_after=after)) == [("fraud-ranker", 1), ("churn", 2), ("churn", 1)]
    assert found(backend, VersionQuery(created_before=after)) == [("fraud", 3), ("fraud", 2), ("fraud", 1)]
    window = VersionQuery(created_after=catalog.fraud2.created_at, created_before=catalog.churn2.created_at)
    assert found(backend, window) == [("churn", 1), ("fraud", 3), ("fraud", 2)]
    assert found(backend, VersionQuery(model="fraud", created_after=catalog.ranker1.created_at)) == []


def test_a_match_says_which_stages_and_aliases_hold_it(catalog: Catalog, backend: Backend) -> None:
    catalog.registry.move("fraud", "alias", "shadow", catalog.fraud2, action="set")
    held = {(m.version.model, m.version.version): (m.stages, m.aliases) for m in every_match(backend, VersionQuery())}
    assert held[("fraud", 2)] == (("production",), ("shadow",))
    assert held[("fraud", 1)] == ((), ("champion",))
    assert held[("churn", 1)] == (("staging",), ())
    assert held[("churn", 2)] == ((), ())


def test_stage_and_alias_are_the_holders_after_moves(catalog: Catalog, backend: Backend) -> None:
    registry = catalog.registry
    registry.move("fraud", "stage", "production", catalog.fraud1, action="rollback")
    registry.move("churn", "stage", "production", catalog.churn2)
    registry.move("fraud", "alias", "champion", None, action="delete")
    assert found(backend, VersionQuery(stage="production")) == [("churn", 2), ("fraud", 1)]
    assert found(backend, VersionQuery(model="fraud", stage="production")) == [("fraud", 1)]
    assert found(backend, VersionQuery(alias="champion")) == []
    [fraud2] = every_match(backend, VersionQuery(model="fraud", framework="xgboost"))
    assert fraud2.stages == ()


def test_status_is_the_status_after_archive(catalog: Catalog, backend: Backend, registry: Driver) -> None:
    backend.versions.set_version_status(
        "churn", 2, "archived", "superseded", ["ready"], registry.event("churn", "model.version.archived", 2), [], 0
    )
    assert found(backend, VersionQuery(status="archived")) == [("churn", 2)]
    assert found(backend, VersionQuery(model="churn", status="ready")) == [("churn", 1)]
    [archived] = every_match(backend, VersionQuery(model="churn", status="archived"))
    assert archived.version.status == "archived"


def test_abandoned_uploads_are_their_own_status(catalog: Catalog, backend: Backend, registry: Driver) -> None:
    registry.abandon(catalog.fraud3)
    assert found(backend, VersionQuery(status="abandoned")) == [("fraud", 3)]
    assert found(backend, VersionQuery(status="pending_upload")) == []


@pytest.mark.parametrize("descending", [True, False])
def test_order_by_a_metric_leaves_out_versions_without_it(
    catalog: Catalog, backend: Backend, registry: Driver, descending: bool
) -> None:
    registry.register("fraud", metrics={"auc": 0.95})  # fraud/4 ties with fraud/2: the version breaks the tie
    registry.register("fraud", metrics={"loss": 0.1})  # fraud/5 has no auc
    order = VersionOrder(by="metric", metric="auc", descending=descending)
    by_auc = [("fraud", 4), ("fraud", 2), ("fraud", 3), ("fraud", 1)]
    expected = by_auc if descending else by_auc[::-1]
    assert found(backend, VersionQuery(model="fraud", order=order)) == expected
    assert found(backend, VersionQuery(model="fraud", order=order), limit=1) == expected
    filtered = VersionQuery(model="fraud", order=order, tags=(("team", "risk"),))
    assert found(backend, filtered, limit=1) == [v for v in expected if v in {("fraud", 2), ("fraud", 1)}]


def test_many_versions_page_without_duplicates_or_gaps(registry: Driver, clock: Clock, backend: Backend) -> None:
    for name in ("alpha", "beta", "gamma"):
        registry.create_model(name)
    registered: Found = []
    created = {}
    for i in range(24):
        name = ("alpha", "beta", "gamma")[i % 3]
        if i % 4 == 0:
            clock.advance(timedelta(seconds=1))  # the rest share instants with others: ties by model, version
        version = registry.register(name, tags={"parity": str(i % 2)}, metrics={"score": float(i % 5)})
        registered.append((name, version.version))
        created[(name, version.version)] = version.created_at
    everything = found(backend, VersionQuery())
    assert everything == sorted(registered, key=lambda key: (created[key], key), reverse=True)
    for limit in (1, 5, 7, 100):
        assert found(backend, VersionQuery(), limit=limit) == everything
        assert found(backend, VersionQuery(order=VersionOrder(descending=False)), limit=limit) == everything[::-1]
    even = found(backend, VersionQuery(tags=(("parity", "0"),)), limit=4)
    assert even == [key for key in everything if registered.index(key) % 2 == 0]
    scored = found(backend, VersionQuery(model="beta", order=VersionOrder(by="metric", metric="score")), limit=3)
    assert len(scored) == 8 and len(set(scored)) == 8


def test_a_token_continues_only_the_query_that_issued_it(catalog: Catalog, backend: Backend) -> None:
    page = backend.search.search_versions(VersionQuery(), 2, None)
    assert page.next_token is not None
    with pytest.raises(BadPageToken):
        backend.search.search_versions(VersionQuery(model="fraud"), 2, page.next_token)
    with pytest.raises(BadPageToken):
        backend.search.search_versions(VersionQuery(), 2, "not-a-token")


def test_the_record_found_is_the_version_as_stored(catalog: Catalog, backend: Backend) -> None:
    [match] = every_match(backend, VersionQuery(data_digest="sha256:aaaa"))
    stored = backend.versions.get_version("fraud", 1)
    assert stored is not None
    assert match.version.model_dump() == stored.model_dump()
