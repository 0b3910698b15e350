"""The governance trail: stored with its change or not at all, listed both ways, filtered, paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.ids import first_ulid_at, last_ulid_before
from modelyard_server.ports import Backend
from modelyard_server.ports.records import AuditQuery, BadPageToken, ConditionFailed, ConfigChanged
from tests.contract.registry_driver import Driver, event_types

ADMIN = "repo:acme/platform:ref:refs/heads/main"
PERSON = "github-user:4242"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _all(backend: Backend, query: AuditQuery, limit: int = 100) -> list[EventRecord]:
    """Every page of `query`, checking that a page never exceeds `limit`."""
    found: list[EventRecord] = []
    token: str | None = None
    for _ in range(1000):
        page = backend.governance.governance_events(query, limit, token)
        assert len(page.items) <= limit
        found += page.items
        token = page.next_token
        if token is None:
            return found
    raise AssertionError("the listing never ended")


def _ids(events: list[EventRecord]) -> list[str]:
    return [event.id for event in events]


def _history(registry: Driver, backend: Backend) -> list[EventRecord]:
    """Seven changes, an hour apart, by two actors, of three kinds (stored through the real writes)."""
    kinds = ["policy.registry.set", "notifications.set", "policy.model.set"]
    made: list[EventRecord] = []
    registry.create_model("fraud")
    for hour in range(7):
        audit = registry.audit(kinds[hour % 3], PERSON if hour % 2 else ADMIN, at=T0 + timedelta(hours=hour))
        made.append(audit)
        if audit.type == "policy.registry.set":
            revision = (backend.governance.get_registry_policy() or ({}, 0))[1]
            backend.governance.put_registry_policy({"document": {"h": hour}}, revision, audit)
        elif audit.type == "notifications.set":
            revision = (backend.notifications.get_config() or ({}, 0))[1]
            backend.notifications.put_config({"routes": [hour]}, revision, audit)
        else:
            loaded = backend.models.load_model("fraud")
            assert loaded is not None
            model_event = registry.event("fraud", "model.policy.set")
            backend.governance.put_model_policy("fraud", {"document": {}}, loaded.policy_revision, model_event, audit)
    return made


def test_a_refused_conditional_write_leaves_no_governance_event(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    kept = registry.audit()
    backend.governance.put_registry_policy({"document": {"n": 1}}, 0, kept)
    with pytest.raises(ConditionFailed):
        backend.governance.put_registry_policy({"document": {"n": 2}}, 0, registry.audit())
    with pytest.raises(ConditionFailed):
        backend.governance.put_model_policy(
            "fraud", {"document": {}}, 3, registry.event("fraud", "refused"), registry.audit("policy.model.set")
        )
    backend.notifications.put_config({"routes": []}, 0, notifications := registry.audit("notifications.set"))
    with pytest.raises(ConfigChanged):
        backend.notifications.put_config({"routes": [1]}, 0, registry.audit("notifications.set"))

    assert _ids(_all(backend, AuditQuery(newest_first=False))) == [kept.id, notifications.id]
    assert "refused" not in event_types(backend, "fraud")
    assert backend.governance.get_registry_policy() == ({"document": {"n": 1}}, 1)


def test_a_model_policy_change_is_in_the_models_trail_and_the_governance_trail(
    registry: Driver, backend: Backend
) -> None:
    registry.create_model("fraud")
    audit = registry.audit("policy.model.set")
    backend.governance.put_model_policy(
        "fraud", {"document": {}}, 0, registry.event("fraud", "model.policy.set"), audit
    )
    assert event_types(backend, "fraud")[-1] == "model.policy.set"
    assert _all(backend, AuditQuery()) == [audit]


def test_newest_first_by_default_and_oldest_first_on_request(registry: Driver, backend: Backend) -> None:
    made = _history(registry, backend)
    assert _ids(_all(backend, AuditQuery())) == _ids(made)[::-1]
    assert _ids(_all(backend, AuditQuery(newest_first=False))) == _ids(made)
    assert _all(backend, AuditQuery(newest_first=False))[0] == made[0]  # stored as given, detail and all


@pytest.mark.parametrize("newest_first", [True, False], ids=["newest", "oldest"])
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_paging_neither_skips_nor_repeats(registry: Driver, backend: Backend, limit: int, newest_first: bool) -> None:
    made = _history(registry, backend)
    expected = _ids(made)[::-1] if newest_first else _ids(made)
    assert _ids(_all(backend, AuditQuery(newest_first=newest_first), limit)) == expected
    by_person = AuditQuery(actor=PERSON, newest_first=newest_first)
    assert _ids(_all(backend, by_person, limit)) == [i for i in expected if i in _ids(made[1::2])]


def test_filters_by_kind_actor_and_time_combine(registry: Driver, backend: Backend) -> None:
    made = _history(registry, backend)

    def listed(**filters: object) -> list[str]:
        return _ids(_all(backend, AuditQuery(**{"newest_first": False, **filters}), limit=2))  # type: ignore[arg-type]

    assert listed(kinds=("notifications.set",)) == _ids(made[1::3])
    two_kinds = ("notifications.set", "policy.model.set")
    assert listed(kinds=two_kinds) == [event.id for event in made if event.type in two_kinds]
    assert listed(actor=ADMIN) == _ids(made[0::2])
    assert listed(actor="github-user:1") == []
    window = {"first_id": first_ulid_at(T0 + timedelta(hours=2)), "last_id": last_ulid_before(T0 + timedelta(hours=5))}
    assert listed(**window) == _ids(made[2:5])  # at or after 14:00, before 17:00
    assert listed(**window, actor=PERSON, kinds=("policy.registry.set",)) == _ids([made[3]])


def test_a_page_token_not_issued_by_the_trail_is_refused(registry: Driver, backend: Backend) -> None:
    for _ in range(2):
        backend.security.record_refusal(registry.event("fraud"), "outsider", 10, 90)
    foreign = backend.security.list_refusals(1, None).next_token
    assert foreign is not None
    with pytest.raises(BadPageToken):
        backend.governance.governance_events(AuditQuery(), 2, foreign)
    with pytest.raises(BadPageToken):
        backend.governance.governance_events(AuditQuery(), 2, "not-a-token")
