"""Search at the edges of what a query or a version may hold: the far ends of time, metric values at the
ends of the float range. Both backends give the same answers; none of these is a storage error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from modelyard_server.ports import Backend
from modelyard_server.ports.search import MetricCondition, VersionQuery
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver
from tests.contract.test_search_versions import found


def test_an_instant_before_the_year_1000_bounds_a_search_as_time_does(
    registry: Driver, backend: Backend, clock: Clock
) -> None:
    registry.create_model("fraud")
    registry.ready_version("fraud")
    long_ago = datetime(999, 1, 1, tzinfo=UTC)
    assert found(backend, VersionQuery(created_after=long_ago)) == [("fraud", 1)]
    assert found(backend, VersionQuery(created_before=long_ago)) == []
    assert found(backend, VersionQuery(model="fraud", created_after=long_ago)) == [("fraud", 1)]
    far_ahead = clock.now() + timedelta(days=365 * 7000)
    assert found(backend, VersionQuery(created_after=long_ago, created_before=far_ahead)) == [("fraud", 1)]


def test_metrics_at_the_ends_of_the_float_range_are_registered_and_found(registry: Driver, backend: Backend) -> None:
    registry.create_model("physics")
    registry.ready_version("physics", metrics={"energy": 1e200, "error": 1e-200, "auc": 0.9})
    assert found(backend, VersionQuery(metrics=(MetricCondition("energy", ">", 1e199),))) == [("physics", 1)]
    assert found(backend, VersionQuery(metrics=(MetricCondition("error", "<", 1e-150),))) == [("physics", 1)]
    assert found(backend, VersionQuery(metrics=(MetricCondition("auc", ">=", 0.5),))) == [("physics", 1)]
    assert found(backend, VersionQuery(metrics=(MetricCondition("auc", ">=", 1e200),))) == []
