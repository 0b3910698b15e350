"""Policies, validations and the deployment protection rule's records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelyard_server.domain.version_records import ValidationSummary
from modelyard_server.ports import Backend
from modelyard_server.ports.records import ConditionFailed
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver, event_types


def test_the_registry_policy_moves_one_revision_at_a_time(registry: Driver, backend: Backend) -> None:
    governance = backend.governance
    assert governance.get_registry_policy() is None
    assert governance.put_registry_policy({"document": {"n": 1}}, 0, registry.audit()) == 1
    assert governance.put_registry_policy({"document": {"n": 2}}, 1, registry.audit()) == 2
    with pytest.raises(ConditionFailed) as stale:
        governance.put_registry_policy({"document": {"n": 3}}, 1, registry.audit())
    assert stale.value.failed == {"policy"}
    with pytest.raises(ConditionFailed):
        governance.put_registry_policy({"document": {"n": 3}}, 0, registry.audit())
    assert governance.get_registry_policy() == ({"document": {"n": 2}}, 2)
    assert governance.registry_policy_history(10).items == [(2, {"document": {"n": 2}}), (1, {"document": {"n": 1}})]
    first = governance.registry_policy_history(1)
    assert first.items == [(2, {"document": {"n": 2}})]
    assert first.next_token is not None
    rest = governance.registry_policy_history(1, first.next_token)
    assert rest.items == [(1, {"document": {"n": 1}})]
    assert rest.next_token is None or governance.registry_policy_history(1, rest.next_token).items == []


def test_a_model_policy_is_revision_guarded_and_loaded_with_the_model(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    governance = backend.governance
    assert (
        governance.put_model_policy("fraud", {"document": {"a": 1}}, 0, registry.event("fraud", "p1"), registry.audit())
        == 1
    )
    with pytest.raises(ConditionFailed) as stale:
        governance.put_model_policy("fraud", {"document": {"a": 2}}, 0, registry.event("fraud", "p2"), registry.audit())
    assert stale.value.failed == {"policy"}
    assert (
        governance.put_model_policy("fraud", {"document": {"a": 3}}, 1, registry.event("fraud", "p3"), registry.audit())
        == 2
    )
    loaded = backend.models.load_model("fraud")
    assert loaded is not None
    assert (loaded.policy_override, loaded.policy_revision) == ({"a": 3}, 2)
    assert "p2" not in event_types(backend, "fraud")


def _summary(report_id: str) -> ValidationSummary:
    return ValidationSummary(status="passed", report_id=report_id, at=datetime.now(UTC), policy_digest="digest")


def test_a_validation_is_saved_only_on_a_ready_version(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    registry.register("fraud")
    with pytest.raises(ConditionFailed) as pending:
        backend.governance.save_validation("fraud", 1, {"r": 0}, _summary("r0"), registry.event("fraud", "v0"))
    assert pending.value.failed == {"version"}
    assert backend.governance.latest_report("fraud", 1) is None
    assert "v0" not in event_types(backend, "fraud")

    registry.ready_version("fraud")
    backend.governance.save_validation("fraud", 2, {"r": 1}, _summary("01A"), registry.event("fraud", "v1"))
    backend.governance.save_validation("fraud", 2, {"r": 2}, _summary("01B"), registry.event("fraud", "v2"))
    assert backend.governance.latest_report("fraud", 2) == {"r": 2}
    stored = backend.versions.get_version("fraud", 2)
    assert stored is not None
    assert stored.validation is not None
    assert stored.validation.report_id == "01B"


def test_a_promotion_request_is_kept_31_days(backend: Backend, clock: Clock) -> None:
    governance = backend.governance
    governance.save_promotion_request("octo/app", "99", "production", {"version": 3})
    assert governance.get_promotion_request("octo/app", "99", "production") == {"version": 3}
    assert governance.get_promotion_request("octo/app", "99", "staging") is None
    clock.advance(timedelta(days=32))
    assert governance.get_promotion_request("octo/app", "99", "production") is None


def test_a_webhook_delivery_is_claimed_once_until_it_expires(backend: Backend, clock: Clock) -> None:
    governance = backend.governance
    assert not governance.delivery_seen("d-1")
    assert governance.claim_delivery("d-1")
    assert governance.delivery_seen("d-1")
    assert not governance.claim_delivery("d-1")
    clock.advance(timedelta(days=32))
    assert not governance.delivery_seen("d-1")
    assert governance.claim_delivery("d-1")
