"""Searches leave out the models of the namespaces the caller may not see, as the store reads: every plan,
full pages, and a page token that outlives a change of the caller's memberships."""

from __future__ import annotations

from dataclasses import replace

import pytest

from modelyard_server.domain.version_records import Lineage
from modelyard_server.ports import Backend
from modelyard_server.ports.search import MetricCondition, ModelQuery, VersionOrder, VersionQuery
from tests.contract.registry_driver import Driver

HIDDEN = ("secret",)


@pytest.fixture
def catalog(registry: Driver) -> Driver:
    """secret/churn, secret-sauce/x (another namespace sharing the prefix), open/churn, plain and secretive:
    two ready versions each (tagged team=risk, metric auc, the second derived from plain/1), each model's
    newest in production."""
    for name in ("plain", "secret/churn", "secret-sauce/x", "open/churn", "secretive"):
        registry.create_model(name)
        registry.ready_version(name, tags={"team": "risk"}, metrics={"auc": 0.8})
        derived = Lineage(parents=["models:/plain/1"])
        second = registry.ready_version(name, tags={"team": "risk"}, metrics={"auc": 0.9}, lineage=derived)
        registry.move(name, "stage", "production", second)
    return registry


def _versions(backend: Backend, query: VersionQuery, limit: int = 2) -> list[str]:
    found: list[str] = []
    token: str | None = None
    for _ in range(100):
        page = backend.search.search_versions(query, limit, token)
        found += [f"{m.version.model}/{m.version.version}" for m in page.items]
        token = page.next_token
        if token is None:
            return found
    raise AssertionError("the search never ended")


VERSION_QUERIES = {
    "everything": VersionQuery(),
    "tag": VersionQuery(tags=(("team", "risk"),)),
    "framework": VersionQuery(framework="sklearn"),
    "format": VersionQuery(format="onnx"),
    "metric": VersionQuery(metrics=(MetricCondition("auc", ">=", 0.85),)),
    "parent": VersionQuery(parent="models:/plain/1"),
    "stage": VersionQuery(stage="production"),
    "prefix": VersionQuery(model_prefix="secret"),
    "model": VersionQuery(model="secret/churn"),
}


@pytest.mark.parametrize("query", list(VERSION_QUERIES.values()), ids=list(VERSION_QUERIES))
def test_versions_of_hidden_namespaces_are_left_out_by_every_plan(
    catalog: Driver, backend: Backend, query: VersionQuery
) -> None:
    everything = _versions(backend, query, limit=100)
    shown = _versions(backend, replace(query, excluded_namespaces=HIDDEN))
    assert shown == [found for found in everything if not found.startswith("secret/churn/")]
    assert any(found.startswith("secret-sauce/") for found in everything) == any(
        found.startswith("secret-sauce/") for found in shown
    )


def test_versions_ordered_by_a_metric_leave_hidden_ones_out(catalog: Driver, backend: Backend) -> None:
    by_auc = VersionQuery(model="secret/churn", order=VersionOrder(by="metric", metric="auc"))
    assert _versions(backend, by_auc) == ["secret/churn/2", "secret/churn/1"]
    assert _versions(backend, replace(by_auc, excluded_namespaces=HIDDEN)) == []


def test_a_page_is_full_when_hidden_versions_come_first(catalog: Driver, backend: Backend) -> None:
    catalog.ready_version("secret/churn")  # the newest versions of all are hidden
    catalog.ready_version("secret/churn")
    page = backend.search.search_versions(VersionQuery(excluded_namespaces=HIDDEN), 3, None)
    assert len(page.items) == 3
    assert all(not m.version.model.startswith("secret/") for m in page.items)


def test_a_page_token_outlives_a_change_of_memberships(catalog: Driver, backend: Backend) -> None:
    first = backend.search.search_versions(VersionQuery(excluded_namespaces=HIDDEN), 2, None)
    assert first.next_token is not None
    after = backend.search.search_versions(VersionQuery(), 100, first.next_token)  # now a member
    assert after.items


def test_models_of_hidden_namespaces_are_left_out(catalog: Driver, backend: Backend) -> None:
    def listed(query: ModelQuery) -> list[str]:
        found: list[str] = []
        token: str | None = None
        for _ in range(100):
            page = backend.search.search_models(query, 1, token)
            found += [m.model.name for m in page.items]
            token = page.next_token
            if token is None:
                return found
        raise AssertionError("the search never ended")

    for query in (ModelQuery(), ModelQuery(name_prefix="secret"), ModelQuery(holds_stage="production")):
        everything = listed(query)
        assert "secret/churn" in everything
        assert listed(replace(query, excluded_namespaces=HIDDEN)) == [n for n in everything if n != "secret/churn"]
