"""Version numbers: claimed through the model's counter, never shared, never skipped; idempotent replays
and semver labels claimed in the same transaction."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed
from tests.contract.conftest import Clock
from tests.contract.registry_driver import STALE_COUNTER, Driver, event_types


def test_versions_are_numbered_one_after_another(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    numbers = [registry.register("fraud").version for _ in range(3)]
    assert numbers == [1, 2, 3]
    model = backend.models.get_model("fraud", consistent=True)
    assert model is not None
    assert model.latest_version == 3


def test_a_stale_counter_claims_nothing(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.register("fraud")
    stale = registry.version_record("fraud", 1)
    with pytest.raises(ConditionFailed) as lost:
        backend.versions.insert_version_claiming_number(stale, 0, registry.event("fraud"), ("key-1", "hash"))
    assert "counter" in lost.value.failed
    assert lost.value.failed <= STALE_COUNTER
    assert backend.versions.get_idempotency_record("fraud", "key-1") is None
    assert event_types(backend, "fraud") == ["model.created", "model.version.registered"]


def test_a_model_that_does_not_exist_has_no_counter(registry: Driver, backend: Backend) -> None:
    with pytest.raises(ConditionFailed) as lost:
        backend.versions.insert_version_claiming_number(
            registry.version_record("ghost", 1), 0, registry.event("ghost"), None
        )
    assert lost.value.failed == {"counter"}
    assert backend.versions.get_version("ghost", 1) is None


def test_twenty_concurrent_registrations_get_distinct_consecutive_numbers(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    numbers: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def register() -> None:
        try:
            start.wait()
            numbers.append(registry.register("fraud").version)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=register) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 21))
    listed = backend.versions.list_versions("fraud", 100, None, None, None)
    assert [v.version for v in listed.items] == list(range(20, 0, -1))
    assert event_types(backend, "fraud").count("model.version.registered") == 20


def test_an_idempotency_key_is_claimed_once(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    first = registry.register("fraud", idempotency=("key-1", "hash-a"))
    record = backend.versions.get_idempotency_record("fraud", "key-1")
    assert record is not None
    assert (record.request_hash, record.version) == ("hash-a", first.version)

    retry = registry.version_record("fraud", 2)
    with pytest.raises(ConditionFailed) as lost:
        backend.versions.insert_version_claiming_number(retry, 1, registry.event("fraud"), ("key-1", "hash-a"))
    assert lost.value.failed == {"idempotency"}
    assert backend.versions.get_version("fraud", 2) is None


def test_an_idempotency_record_expires_after_a_day(registry: Driver, backend: Backend, clock: Clock) -> None:
    registry.create_model("fraud")
    registry.register("fraud", idempotency=("key-1", "hash-a"))
    clock.advance(timedelta(hours=23))
    assert backend.versions.get_idempotency_record("fraud", "key-1") is not None
    clock.advance(timedelta(hours=2))
    assert backend.versions.get_idempotency_record("fraud", "key-1") is None
    again = registry.register("fraud", idempotency=("key-1", "hash-b"))  # an expired key is free again
    record = backend.versions.get_idempotency_record("fraud", "key-1")
    assert record is not None
    assert (record.request_hash, record.version) == ("hash-b", again.version)


def test_a_semver_label_names_one_version(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.register("fraud", semver="1.0.0")
    assert backend.versions.get_semver_claim("fraud", "1.0.0") == 1
    assert backend.versions.get_semver_claim("fraud", "2.0.0") is None

    duplicate = registry.version_record("fraud", 2, semver="1.0.0")
    with pytest.raises(ConditionFailed) as lost:
        backend.versions.insert_version_claiming_number(duplicate, 1, registry.event("fraud"), ("k", "h"))
    assert lost.value.failed == {"semver"}
    assert backend.versions.get_version("fraud", 2) is None
    assert backend.versions.get_idempotency_record("fraud", "k") is None
    registry.create_model("other")
    registry.register("other", semver="1.0.0")  # labels are per model
    assert backend.versions.get_semver_claim("other", "1.0.0") == 1


def test_every_lost_guard_is_named(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.register("fraud", semver="1.0.0", idempotency=("key-1", "h"))
    stale = registry.version_record("fraud", 1, semver="1.0.0")
    with pytest.raises(ConditionFailed) as lost:
        backend.versions.insert_version_claiming_number(stale, 0, registry.event("fraud"), ("key-1", "h"))
    assert lost.value.failed - {"version"} == {"counter", "idempotency", "semver"}
