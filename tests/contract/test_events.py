"""No change without its event and no event without its change; refusals on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelyard_server.domain.ids import first_ulid_at, ulid_at
from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed
from tests.contract.registry_driver import Driver, event_types


def test_every_change_has_its_event(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    model = backend.models.get_model("fraud")
    assert model is not None
    backend.models.update_model_with_event(
        model.model_copy(update={"description": "now described", "revision": 1}),
        0,
        registry.event("fraud", "model.updated"),
    )
    version = registry.ready_version("fraud")
    registry.move("fraud", "stage", "staging", version)
    backend.governance.put_model_policy(
        "fraud", {"document": {"stages": {}}}, 0, registry.event("fraud", "model.policy.set"), registry.audit()
    )
    backend.events.record_event(registry.event("fraud", "model.promotion.denied"))

    assert event_types(backend, "fraud") == [
        "model.created",
        "model.updated",
        "model.version.registered",
        "model.version.ready",
        "model.pointer.promote",
        "model.policy.set",
        "model.promotion.denied",
    ]
    stored = backend.models.get_model("fraud")
    assert stored is not None
    assert stored.description == "now described"


def test_a_refused_change_writes_no_event(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    with pytest.raises(ConditionFailed) as taken:
        backend.models.create_model_once(registry.model_record("fraud"), registry.event("fraud", "model.created"))
    assert taken.value.failed == {"model"}
    ghost = registry.model_record("ghost")
    with pytest.raises(ConditionFailed) as missing:
        backend.models.update_model_with_event(ghost, 0, registry.event("ghost", "model.updated"))
    assert missing.value.failed == {"model"}
    assert backend.models.get_model("ghost") is None
    assert event_types(backend, "fraud") == ["model.created"]
    assert event_types(backend, "ghost") == []


def test_a_model_keeps_its_counter_when_its_description_changes(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    stale = backend.models.get_model("fraud")
    assert stale is not None
    registry.register("fraud")
    backend.models.update_model_with_event(
        stale.model_copy(update={"description": "x", "revision": 1}), stale.revision, registry.event("fraud")
    )
    model = backend.models.get_model("fraud")
    assert model is not None
    assert model.latest_version == 1


def test_the_latest_events_come_newest_first_and_no_more_than_asked(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.create_model("churn")
    for description in ("one", "two", "three"):
        backend.events.record_event(registry.event("fraud", f"model.noted.{description}"))

    latest = backend.events.latest_events("fraud", 2)

    assert [event.type for event in latest] == ["model.noted.three", "model.noted.two"]
    everything = [event.type for event in backend.events.latest_events("fraud", 50)]
    assert everything == list(reversed(event_types(backend, "fraud")))
    assert backend.events.latest_events("ghost", 5) == []


def test_the_events_before_one_come_newest_first_from_the_one_older(registry: Driver, backend: Backend) -> None:
    """The trail paged back, newest first: each page starts just older than the last event shown."""
    registry.create_model("fraud")
    registry.create_model("churn")
    for description in ("one", "two", "three", "four"):
        backend.events.record_event(registry.event("fraud", f"model.noted.{description}"))
    everything = backend.events.latest_events("fraud", 50)

    newest = backend.events.latest_events("fraud", 2)
    older = backend.events.latest_events("fraud", 2, before=newest[-1].id)
    oldest = backend.events.latest_events("fraud", 50, before=older[-1].id)

    assert [event.type for event in older] == ["model.noted.two", "model.noted.one"]
    assert newest + older + oldest == everything  # nothing skipped or shown twice, and nothing of churn
    assert backend.events.latest_events("fraud", 5, before=everything[-1].id) == []
    assert backend.events.latest_events("ghost", 5, before=everything[0].id) == []


def test_events_from_a_moment_start_there_and_continue_as_the_trail_does(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.create_model("other")
    start = datetime.now(UTC) + timedelta(days=1)  # after the models' own events
    for minute in range(6):
        at = start + timedelta(minutes=minute)
        backend.events.record_event(registry.event("fraud", f"at.{minute}").model_copy(update={"id": ulid_at(at)}))
        backend.events.record_event(registry.event("other", f"at.{minute}").model_copy(update={"id": ulid_at(at, 1)}))

    first = backend.events.list_events_from("fraud", first_ulid_at(start + timedelta(minutes=2)), 3)

    assert [event.type for event in first.items] == ["at.2", "at.3", "at.4"]
    assert first.next_token is not None
    rest = backend.events.list_events("fraud", 10, first.next_token)
    assert [event.type for event in rest.items] == ["at.5"]
    later = backend.events.list_events_from("fraud", first_ulid_at(start + timedelta(hours=1)), 3)
    assert later.items == []
    assert later.next_token is None
