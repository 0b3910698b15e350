"""A model's events from a moment on: one read that starts where the moment is and goes on as the trail does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from modelyard_server.domain.ids import first_ulid_at, ulid_at
from modelyard_server.ports import Backend
from tests.contract.registry_driver import Driver


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
