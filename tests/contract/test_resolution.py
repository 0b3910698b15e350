"""What a URI names, on every backend: MLflow's `latest` and bare stage names, and the ETag of a resolution."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelyard_server import ports
from modelyard_server.domain import resolution
from modelyard_server.domain.errors import ModelNotFound, PointerNotFound, VersionNotFound
from modelyard_server.ports import Backend
from tests.contract.registry_driver import Driver


@pytest.fixture
def installed(backend: Backend) -> Iterator[None]:
    ports.set_builder(lambda: backend)  # the domain reads the backend under test
    try:
        yield
    finally:
        ports.set_builder(None)


def test_latest_is_the_newest_ready_version(registry: Driver, installed: None) -> None:
    registry.create_model("fraud")
    registry.ready_version("fraud")
    second = registry.ready_version("fraud")
    registry.register("fraud")  # 3: waiting for its bytes
    registry.abandon(registry.register("fraud"))  # 4: its upload window is long over
    assert resolution.resolve_uri("models:/fraud/latest").version == second.version == 2
    assert resolution.resolve_record("models:/fraud/LATEST").version == 2


def test_latest_with_no_ready_version_and_of_no_model(registry: Driver, installed: None) -> None:
    registry.create_model("fraud")
    registry.register("fraud")
    with pytest.raises(VersionNotFound, match="has no ready version"):
        resolution.resolve("models:/fraud/latest")
    with pytest.raises(ModelNotFound):
        resolution.resolve("models:/nobody/latest")


def test_a_bare_stage_name_resolves_in_any_case_and_an_unknown_one_says_so(registry: Driver, installed: None) -> None:
    registry.create_model("fraud")
    held = registry.ready_version("fraud")
    registry.move("fraud", "stage", "staging", held)
    for uri in ("models:/fraud/Staging", "models:/fraud/staging", "models:/fraud/stage/staging"):
        assert resolution.resolve(uri).summary.version == held.version
    with pytest.raises(PointerNotFound, match="'canary' is not a stage of this registry"):
        resolution.resolve("models:/fraud/Canary")
    with pytest.raises(PointerNotFound, match="no version of model 'fraud' is in stage 'production'"):
        resolution.resolve("models:/fraud/Production")


def test_the_etag_follows_the_pointer_not_only_the_version(registry: Driver, installed: None) -> None:
    registry.create_model("fraud")
    one, two = registry.ready_version("fraud"), registry.ready_version("fraud")
    registry.move("fraud", "alias", "champion", one)
    first = resolution.resolve("models:/fraud@champion")
    assert resolution.resolve("models:/fraud@champion").etag == first.etag  # nothing moved: the same tag
    registry.move("fraud", "alias", "champion", two)
    registry.move("fraud", "alias", "champion", one)
    back = resolution.resolve("models:/fraud@champion")
    assert back.summary == first.summary and back.etag != first.etag
    assert resolution.resolve("models:/fraud/1").etag != first.etag  # the version itself, through no pointer
