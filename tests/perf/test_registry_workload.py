"""The comparison's workload and figures, against an in-memory registry (no servers: runs in `make test`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.perf import registry_workload
from tests.perf.comparison import growth, ops_per_second


class InMemoryRegistry:
    """A registry that answers correctly, unless told to skip a version number."""

    def __init__(self, skip_after: int | None = None) -> None:
        self.versions: dict[str, list[bytes]] = {}
        self.aliases: dict[tuple[str, str], int] = {}
        self.skip_after = skip_after

    def create_model(self, name: str) -> None:
        self.versions[name] = []

    def register(self, name: str, artifact: Path) -> int:
        self.versions[name].append(artifact.read_bytes())
        number = len(self.versions[name])
        return number + 1 if self.skip_after is not None and number > self.skip_after else number

    def set_alias(self, name: str, alias: str, version: int) -> None:
        self.aliases[name, alias] = version

    def resolve_alias(self, name: str, alias: str) -> int:
        return self.aliases[name, alias]

    def get_version(self, name: str, version: int) -> int:
        return version if version <= len(self.versions[name]) else 0

    def list_page(self, name: str, size: int) -> int:
        return min(size, len(self.versions[name]))


def test_every_operation_is_timed_once_per_round_on_distinct_artifacts(tmp_path: Path) -> None:
    registry = InMemoryRegistry()
    samples = registry_workload.run(registry, "m", 12, tmp_path)

    assert {operation: len(seconds) for operation, seconds in samples.items()} == dict.fromkeys(
        registry_workload.OPERATIONS, 12
    )
    artifacts = registry.versions["m"]
    assert len(set(artifacts)) == 12  # no registry may skip an upload as a duplicate
    assert {len(artifact) for artifact in artifacts} == {registry_workload.ARTIFACT_BYTES}
    assert list(tmp_path.iterdir()) == []


def test_a_registry_that_skips_a_number_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"#6: expected 6, the registry answered 7"):
        registry_workload.run(InMemoryRegistry(skip_after=5), "m", 10, tmp_path)


def test_growth_compares_the_last_tenth_of_the_rounds_with_the_first() -> None:
    flat, doubling = [0.01] * 20, [0.01] * 18 + [0.02] * 2

    assert growth(flat) == pytest.approx(1.0)
    assert growth(doubling) == pytest.approx(2.0)
    assert ops_per_second(flat) == pytest.approx(100.0)
