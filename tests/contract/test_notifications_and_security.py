"""Notification config and sent-markers; the security log's quota per caller and hour."""

from __future__ import annotations

from datetime import timedelta

import pytest

from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConfigChanged
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver, event_types


def test_the_notification_config_is_revision_guarded(registry: Driver, backend: Backend) -> None:
    store = backend.notifications
    assert store.get_config() is None
    assert store.put_config({"routes": [1]}, 0, registry.audit("notifications.set")) == 1
    with pytest.raises(ConfigChanged):
        store.put_config({"routes": [2]}, 0, registry.audit("notifications.set"))
    assert store.put_config({"routes": [3]}, 1, registry.audit("notifications.set")) == 2
    with pytest.raises(ConfigChanged):
        store.put_config({"routes": [4]}, 1, registry.audit("notifications.set"))
    assert store.get_config() == ({"routes": [3]}, 2)


def test_a_sent_notification_is_remembered_for_a_week(backend: Backend, clock: Clock) -> None:
    store = backend.notifications
    assert not store.already_sent("e-1", "slack")
    store.mark_sent("e-1", "slack")
    assert store.already_sent("e-1", "slack")
    assert not store.already_sent("e-1", "teams")
    clock.advance(timedelta(days=8))
    assert not store.already_sent("e-1", "slack")


def test_refusals_are_kept_up_to_the_callers_hourly_quota(registry: Driver, backend: Backend, clock: Clock) -> None:
    security = backend.security
    kept = [
        security.record_refusal(registry.event("fraud", "registry.write.refused"), "repo-1", 3, 90) for _ in range(5)
    ]
    assert kept == [True, True, True, False, False]
    assert security.record_refusal(registry.event("fraud"), "repo-2", 3, 90)  # per caller
    assert len(security.list_refusals(100, None).items) == 4
    clock.advance(timedelta(hours=1))
    assert security.record_refusal(registry.event("fraud"), "repo-1", 3, 90)  # a new hour
    assert len(security.list_refusals(100, None).items) == 5


def test_refusals_stay_out_of_the_models_trail(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    backend.security.record_refusal(registry.event("fraud", "registry.write.refused"), "repo-1", 3, 90)
    assert event_types(backend, "fraud") == ["model.created"]
