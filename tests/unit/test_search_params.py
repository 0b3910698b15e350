"""Search parameters as sent become the port's query values: operators, instants with their offsets,
orders, and a listing's own model."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from modelyard_server.domain.search_params import (
    InvalidFilter,
    ModelFilters,
    ModelVersionFilters,
    VersionFilters,
    model_query,
    version_query,
)
from modelyard_server.ports.search import MetricCondition, ModelQuery, VersionOrder, VersionQuery

# parameter as sent -> the query field it sets, and to what
PARSED: list[tuple[str, object, str, object]] = [
    ("model_prefix", "fin", "model_prefix", "fin"),
    ("tag", ["team=risk", "note=a=b"], "tags", (("team", "risk"), ("note", "a=b"))),
    (
        "metric",
        ["accuracy>=0.9", "loss<1e-2"],
        "metrics",
        (MetricCondition("accuracy", ">=", 0.9), MetricCondition("loss", "<", 0.01)),
    ),
    ("metric", ["f1!=-.5", "auc=1"], "metrics", (MetricCondition("f1", "!=", -0.5), MetricCondition("auc", "=", 1.0))),
    ("format", "onnx", "format", "onnx"),
    ("status", "abandoned", "status", "abandoned"),
    ("alias", "champion", "alias", "champion"),
    ("commit", "abcdef0", "commit", "abcdef0"),
    ("workflow", "acme/train/.github/workflows/train.yml", "workflow", "acme/train/.github/workflows/train.yml"),
    ("parent", "models:/fraud/3", "parent", "models:/fraud/3"),
    ("created_after", "2026-11-01T01:00:00+01:00", "created_after", datetime(2026, 11, 1, tzinfo=UTC)),
    ("created_before", "2026-12-01t00:00:00.5z", "created_before", datetime(2026, 12, 1, 0, 0, 0, 500000, tzinfo=UTC)),
    ("order", "asc", "order", VersionOrder(descending=False)),
    ("data_version", "2026-11", "data_version", "2026-11"),
]


@pytest.mark.parametrize(("parameter", "sent", "field", "expected"), PARSED)
def test_each_parameter_becomes_its_query_value(parameter: str, sent: object, field: str, expected: object) -> None:
    query = version_query(VersionFilters.model_validate({parameter: sent}))
    assert getattr(query, field) == expected
    assert replace(query, **{field: getattr(VersionQuery(), field)}) == VersionQuery()  # and nothing else


def test_a_models_listing_may_order_by_a_metric_and_the_registry_may_not() -> None:
    ordered = version_query(ModelVersionFilters(order_by="metric:auc"), model="fraud")
    assert ordered == VersionQuery(model="fraud", order=VersionOrder(by="metric", metric="auc"))
    assert version_query(VersionFilters(model="fraud", order_by="metric:auc")).order.metric == "auc"
    with pytest.raises(InvalidFilter, match="needs an exact `model`"):
        version_query(VersionFilters(model_prefix="fraud", order_by="metric:auc"))


def test_no_parameters_is_everything_newest_first() -> None:
    assert version_query(VersionFilters()) == VersionQuery()
    assert model_query(ModelFilters()) == ModelQuery()


def test_model_filters_become_the_model_query() -> None:
    filters = ModelFilters(name_prefix="fr", tag=["team=risk"], owner="acme/models", stage="production")
    assert model_query(filters) == ModelQuery(
        name_prefix="fr", tags=(("team", "risk"),), owner="acme/models", holds_stage="production"
    )


@pytest.mark.parametrize("parent", ["models:/a..b/1", "models:/fraud/0", "models:/fraud/1.2.0", "fraud/1"])
def test_a_parent_must_be_a_numbered_version_uri(parent: str) -> None:
    with pytest.raises(InvalidFilter) as refused:
        version_query(VersionFilters(parent=parent))
    assert refused.value.extra["errors"][0]["field"] == "parent"
