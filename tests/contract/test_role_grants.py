"""Role grants: all read at once, granted and revoked each with its governance event, a no-op with none."""

from __future__ import annotations

import pytest

from modelyard_server.domain.audit_records import Actor
from modelyard_server.domain.namespace_records import Grantee, NamespaceRecord
from modelyard_server.domain.role_grants import GranteeKind, GrantKey, Role, RoleGrant
from modelyard_server.ports import Backend
from modelyard_server.ports.records import AuditQuery, ConditionFailed
from tests.contract.registry_driver import Driver

ALL = AuditQuery(kinds=(), actor=None, first_id=None, last_id=None, newest_first=False)
ADMIN = Actor(subject="github-user:1", kind="person", issuer="urn:test", user_id="1", login="root")


def _grant(
    registry: Driver, role: Role = "ops", scope: str = "*", kind: GranteeKind = "team", who: str = "acme/sre"
) -> RoleGrant:
    return RoleGrant(
        scope=scope,
        role=role,
        grantee_kind=kind,
        grantee=who,
        label=None,
        granted_by=ADMIN,
        granted_at=registry.now(),
    )


def _create_marketing(registry: Driver, backend: Backend) -> None:
    """Namespace `marketing`: a grant at a namespace needs it."""
    at = registry.now()
    owners = [Grantee(team="acme/ml")]
    record = NamespaceRecord(
        name="marketing", owners=owners, created_by="contract-test", created_at=at, updated_at=at, revision=1
    )
    backend.namespaces.create_namespace_once(record, registry.audit("namespace.created"))


def _trail(backend: Backend) -> list[str]:
    return [event.type for event in backend.governance.governance_events(ALL, 100, None).items]


def test_every_grant_is_read_back_in_one_call(registry: Driver, backend: Backend) -> None:
    _create_marketing(registry, backend)
    grants = [
        _grant(registry),
        _grant(registry, "developer", "marketing", "repository", "123456"),
        _grant(registry, "reviewer", "marketing", "person", "583231"),
    ]
    for grant in grants:
        assert backend.roles.add_grant(grant, registry.audit("roles.granted"))
    assert sorted(backend.roles.all_grants(), key=lambda g: g.role) == sorted(grants, key=lambda g: g.role)


def test_granting_twice_keeps_one_grant_and_one_event(registry: Driver, backend: Backend) -> None:
    first, again = _grant(registry), _grant(registry).model_copy(update={"label": "another label"})
    assert backend.roles.add_grant(first, registry.audit("roles.granted")) is True
    assert backend.roles.add_grant(again, registry.audit("roles.granted")) is False
    assert backend.roles.all_grants() == [first]  # the first stays as it was
    assert _trail(backend) == ["roles.granted"]


def test_the_same_grantee_may_hold_several_roles_and_scopes(registry: Driver, backend: Backend) -> None:
    _create_marketing(registry, backend)
    for role, scope in (("ops", "*"), ("reviewer", "*"), ("ops", "marketing")):
        assert backend.roles.add_grant(_grant(registry, role, scope), registry.audit("roles.granted"))
    assert len(backend.roles.all_grants()) == 3


def test_revoking_removes_the_grant_with_its_event(registry: Driver, backend: Backend) -> None:
    kept, revoked = _grant(registry, "reader"), _grant(registry, "ops")
    for grant in (kept, revoked):
        backend.roles.add_grant(grant, registry.audit("roles.granted"))
    assert backend.roles.remove_grant(revoked.key(), registry.audit("roles.revoked")) is True
    assert backend.roles.all_grants() == [kept]
    assert _trail(backend) == ["roles.granted", "roles.granted", "roles.revoked"]


def test_revoking_a_missing_grant_changes_nothing_and_leaves_no_event(registry: Driver, backend: Backend) -> None:
    backend.roles.add_grant(_grant(registry, "ops"), registry.audit("roles.granted"))
    missing = GrantKey(scope="*", role="ops", grantee_kind="team", grantee="acme/other")
    assert backend.roles.remove_grant(missing, registry.audit("roles.revoked")) is False
    revoked = _grant(registry, "ops").key()
    assert backend.roles.remove_grant(revoked, registry.audit("roles.revoked")) is True
    assert backend.roles.remove_grant(revoked, registry.audit("roles.revoked")) is False  # revoked twice
    assert backend.roles.all_grants() == []
    assert _trail(backend) == ["roles.granted", "roles.revoked"]


def test_a_revoked_grant_can_be_granted_again(registry: Driver, backend: Backend) -> None:
    grant = _grant(registry)
    backend.roles.add_grant(grant, registry.audit("roles.granted"))
    backend.roles.remove_grant(grant.key(), registry.audit("roles.revoked"))
    regranted = grant.model_copy(update={"label": "back"})
    assert backend.roles.add_grant(regranted, registry.audit("roles.granted")) is True
    assert backend.roles.all_grants() == [regranted]
    assert _trail(backend) == ["roles.granted", "roles.revoked", "roles.granted"]


def test_a_grant_at_a_namespace_that_is_not_there_is_refused_and_leaves_no_event(
    registry: Driver, backend: Backend
) -> None:
    with pytest.raises(ConditionFailed) as refused:
        backend.roles.add_grant(_grant(registry, "ops", "nowhere"), registry.audit("roles.granted"))

    assert "namespace" in refused.value.failed
    assert backend.roles.all_grants() == []
    assert _trail(backend) == []
