"""Namespace records: created once, updated on the revision read, each change stored with its governance event."""

from __future__ import annotations

import pytest

from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.namespace_records import Grantee, NamespaceRecord
from modelyard_server.ports import Backend
from modelyard_server.ports.records import AuditQuery, ConditionFailed
from tests.contract.registry_driver import Driver, event_types


def _namespace(registry: Driver, name: str, *, private: bool = False, revision: int = 1) -> NamespaceRecord:
    at = registry.now()
    return NamespaceRecord(
        name=name,
        description=f"the {name} team's models",
        owners=[Grantee(team="acme/ml", label="ML platform"), Grantee(repository="4242")],
        private=private,
        created_by="contract-test",
        created_at=at,
        updated_at=at,
        revision=revision,
    )


def _trail(backend: Backend) -> list[EventRecord]:
    return backend.governance.governance_events(AuditQuery(newest_first=False), 100, None).items


def test_a_created_namespace_reads_back_as_stored_at_revision_one(registry: Driver, backend: Backend) -> None:
    record = _namespace(registry, "marketing", private=True)
    audit = registry.audit("namespace.created")
    backend.namespaces.create_namespace_once(record, audit)

    assert backend.namespaces.get_namespace("marketing") == record
    assert backend.namespaces.get_namespace("sales") is None
    assert _trail(backend) == [audit]


def test_a_taken_name_is_refused_and_leaves_no_event(registry: Driver, backend: Backend) -> None:
    first = _namespace(registry, "marketing")
    backend.namespaces.create_namespace_once(first, kept := registry.audit("namespace.created"))
    with pytest.raises(ConditionFailed) as refused:
        backend.namespaces.create_namespace_once(
            _namespace(registry, "marketing", private=True), registry.audit("namespace.created")
        )

    assert refused.value.failed == {"namespace"}
    assert backend.namespaces.get_namespace("marketing") == first
    assert _trail(backend) == [kept]


def test_an_update_on_the_revision_read_wins_and_a_stale_one_is_refused(registry: Driver, backend: Backend) -> None:
    backend.namespaces.create_namespace_once(_namespace(registry, "marketing"), created := registry.audit())
    private = _namespace(registry, "marketing", private=True, revision=2)
    backend.namespaces.update_namespace(private, 1, updated := registry.audit("namespace.updated"))
    with pytest.raises(ConditionFailed) as refused:
        backend.namespaces.update_namespace(
            _namespace(registry, "marketing", revision=2), 1, registry.audit("namespace.updated")
        )

    assert refused.value.failed == {"namespace"}
    assert backend.namespaces.get_namespace("marketing") == private
    assert _trail(backend) == [created, updated]


def test_updating_a_namespace_that_does_not_exist_is_refused(registry: Driver, backend: Backend) -> None:
    with pytest.raises(ConditionFailed):
        backend.namespaces.update_namespace(_namespace(registry, "ghost", revision=1), 0, registry.audit())
    assert backend.namespaces.get_namespace("ghost") is None
    assert _trail(backend) == []


def test_every_namespace_is_listed_by_name(registry: Driver, backend: Backend) -> None:
    assert backend.namespaces.list_namespaces() == []
    for name in ("sales", "fraud-ops", "marketing", "a1"):
        backend.namespaces.create_namespace_once(_namespace(registry, name), registry.audit("namespace.created"))
    registry.create_model("churn")  # other partitions and tables are not namespaces

    assert [n.name for n in backend.namespaces.list_namespaces()] == ["a1", "fraud-ops", "marketing", "sales"]


def test_a_model_owners_change_is_in_the_models_trail_and_the_governance_trail(
    registry: Driver, backend: Backend
) -> None:
    registry.create_model("churn")
    model = backend.models.get_model("churn")
    assert model is not None
    changed = model.model_copy(
        update={"owners": [*model.owners, "acme/other"], "owner_ids": [*model.owner_ids, "7"], "revision": 1}
    )
    audit = registry.audit("model.owners.changed")
    backend.models.update_model_with_event(changed, 0, registry.event("churn", "model.owners.changed"), audit)

    stored = backend.models.get_model("churn")
    assert stored is not None and stored.owners == changed.owners and stored.owner_ids == changed.owner_ids
    assert event_types(backend, "churn")[-1] == "model.owners.changed"
    assert _trail(backend) == [audit]


def test_a_namespace_policy_is_revision_guarded_and_needs_its_namespace(registry: Driver, backend: Backend) -> None:
    with pytest.raises(ConditionFailed):
        backend.namespaces.put_namespace_policy("marketing", {"document": {}}, 0, registry.audit())
    backend.namespaces.create_namespace_once(_namespace(registry, "marketing"), created := registry.audit())
    assert backend.namespaces.get_namespace_policy("marketing") is None
    first = registry.audit("policy.namespace.set")
    assert backend.namespaces.put_namespace_policy("marketing", {"document": {"n": 1}}, 0, first) == 1
    with pytest.raises(ConditionFailed):
        backend.namespaces.put_namespace_policy("marketing", {"document": {"n": 2}}, 0, registry.audit())
    second = registry.audit("policy.namespace.set")
    assert backend.namespaces.put_namespace_policy("marketing", {"document": {"n": 3}}, 1, second) == 2

    assert backend.namespaces.get_namespace_policy("marketing") == ({"document": {"n": 3}}, 2)
    assert [n.name for n in backend.namespaces.list_namespaces()] == ["marketing"]  # a policy is no namespace
    assert _trail(backend) == [created, first, second]
