"""Model search: by name prefix, tag, owner and a stage held, by name, each model with the version in
each of its stages as the pointers are now."""

from __future__ import annotations

import pytest

from modelyard_server.ports import Backend
from modelyard_server.ports.records import BadPageToken
from modelyard_server.ports.search import ModelMatch, ModelQuery
from tests.contract.registry_driver import Driver


def every_match(backend: Backend, query: ModelQuery, limit: int = 100) -> list[ModelMatch]:
    matches: list[ModelMatch] = []
    token: str | None = None
    for _ in range(1000):
        page = backend.search.search_models(query, limit, token)
        matches += page.items
        token = page.next_token
        if token is None:
            return matches
    raise AssertionError("the search never ended")


def names(backend: Backend, query: ModelQuery, limit: int = 100) -> list[str]:
    return [match.model.name for match in every_match(backend, query, limit)]


@pytest.fixture
def catalog(registry: Driver) -> Driver:
    """churn (risk, octo/churn), fraud (risk, octo/models) in production v2 and staging v1,
    fraud-ranker (growth) in production v1, zeta (no tags)."""
    registry.create_model("fraud", tags={"team": "risk", "tier": "1"})
    registry.create_model("fraud-ranker", tags={"team": "growth"}, owners=["octo/models", "octo/ranking"])
    registry.create_model("churn", tags={"team": "risk"}, owners=["octo/churn"])
    registry.create_model("zeta", tags={})
    fraud1, fraud2 = registry.ready_version("fraud"), registry.ready_version("fraud")
    ranker1 = registry.ready_version("fraud-ranker")
    registry.ready_version("churn")
    registry.move("fraud", "stage", "production", fraud2)
    registry.move("fraud", "stage", "staging", fraud1)
    registry.move("fraud", "alias", "champion", fraud2, action="set")
    registry.move("fraud-ranker", "stage", "production", ranker1)
    return registry


FILTERS: dict[str, tuple[ModelQuery, list[str]]] = {
    "everything": (ModelQuery(), ["churn", "fraud", "fraud-ranker", "zeta"]),
    "prefix": (ModelQuery(name_prefix="fraud"), ["fraud", "fraud-ranker"]),
    "prefix-whole-name": (ModelQuery(name_prefix="fraud-ranker"), ["fraud-ranker"]),
    "prefix-none": (ModelQuery(name_prefix="x"), []),
    "tag": (ModelQuery(tags=(("team", "risk"),)), ["churn", "fraud"]),
    "tags-all": (ModelQuery(tags=(("team", "risk"), ("tier", "1"))), ["fraud"]),
    "tag-none": (ModelQuery(tags=(("team", "nobody"),)), []),
    "owner": (ModelQuery(owner="octo/models"), ["fraud", "fraud-ranker", "zeta"]),
    "owner-second": (ModelQuery(owner="octo/ranking"), ["fraud-ranker"]),
    "owner-none": (ModelQuery(owner="octo/nobody"), []),
    "stage": (ModelQuery(holds_stage="production"), ["fraud", "fraud-ranker"]),
    "stage-none": (ModelQuery(holds_stage="canary"), []),
    "stage-and-tag": (ModelQuery(holds_stage="production", tags=(("team", "risk"),)), ["fraud"]),
    "stage-and-prefix": (ModelQuery(holds_stage="production", name_prefix="fraud-"), ["fraud-ranker"]),
    "prefix-and-owner": (ModelQuery(name_prefix="fraud", owner="octo/ranking"), ["fraud-ranker"]),
}


@pytest.mark.parametrize("case", sorted(FILTERS))
def test_each_filter_finds_exactly_its_models(catalog: Driver, backend: Backend, case: str) -> None:
    query, expected = FILTERS[case]
    assert names(backend, query) == expected
    assert names(backend, query, limit=1) == expected


def test_a_match_names_the_version_in_each_stage(catalog: Driver, backend: Backend) -> None:
    matches = {m.model.name: m for m in every_match(backend, ModelQuery())}
    assert list(matches["fraud"].stage_versions) == [("production", 2), ("staging", 1)]
    assert {stage: state.version for stage, state in matches["fraud"].model.stages.items()} == {
        "production": 2,
        "staging": 1,
    }
    assert matches["fraud"].model.aliases["champion"].version == 2
    assert list(matches["fraud-ranker"].stage_versions) == [("production", 1)]
    assert list(matches["zeta"].stage_versions) == []
    assert matches["zeta"].model.stages == {}


def test_holding_a_stage_is_read_after_moves(catalog: Driver, backend: Backend) -> None:
    fraud1 = backend.versions.get_version("fraud", 1)
    churn1 = backend.versions.get_version("churn", 1)
    assert fraud1 is not None and churn1 is not None
    catalog.move("fraud-ranker", "stage", "production", None, action="delete")
    catalog.move("churn", "stage", "production", churn1)
    catalog.move("fraud", "stage", "production", fraud1, action="rollback")
    [churn, fraud] = every_match(backend, ModelQuery(holds_stage="production"))
    assert (churn.model.name, list(churn.stage_versions)) == ("churn", [("production", 1)])
    assert (fraud.model.name, list(fraud.stage_versions)) == ("fraud", [("production", 1), ("staging", 1)])


def test_updated_tags_are_searched_as_they_are_now(catalog: Driver, backend: Backend) -> None:
    zeta = backend.models.get_model("zeta")
    assert zeta is not None
    retagged = zeta.model_copy(update={"tags": {"team": "risk"}, "revision": 1})
    backend.models.update_model_with_event(retagged, 0, catalog.event("zeta"))
    assert names(backend, ModelQuery(tags=(("team", "risk"),))) == ["churn", "fraud", "zeta"]


def test_many_models_page_by_name_without_duplicates_or_gaps(registry: Driver, backend: Backend) -> None:
    created = [f"m-{i:02d}" for i in range(13)]
    for name in reversed(created):
        registry.create_model(name, tags={"parity": str(int(name[-2:]) % 2)})
    for limit in (1, 4, 100):
        assert names(backend, ModelQuery(), limit) == created
        assert names(backend, ModelQuery(tags=(("parity", "1"),)), limit) == created[1::2]


def test_a_token_continues_only_the_query_that_issued_it(catalog: Driver, backend: Backend) -> None:
    page = backend.search.search_models(ModelQuery(), 1, None)
    assert page.next_token is not None
    with pytest.raises(BadPageToken):
        backend.search.search_models(ModelQuery(name_prefix="f"), 1, page.next_token)
