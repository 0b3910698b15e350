"""Deleting a namespace: only an empty one, with its policy layer and role grants, atomically with its governance
event; and a model registered into it while it is being deleted is never left without its namespace.

Each race is staged through the domain, as `test_owner_races` does: one request reads, a second request runs
to its end, then the first writes what it decided from its (now stale) read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from modelyard_server import ports
from modelyard_server.domain import catalog, namespace_deletion, namespaces, policies, roles
from modelyard_server.domain.audit_records import Actor
from modelyard_server.domain.errors import (
    NamespaceChanged,
    NamespaceGrantsTooMany,
    NamespaceNotEmpty,
    NamespaceNotFound,
)
from modelyard_server.domain.model_records import CreateModelRequest
from modelyard_server.domain.namespace_records import CreateNamespaceRequest, Grantee, NamespaceRecord
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.role_grants import GrantRoleRequest, RoleGrant
from modelyard_server.ports import Backend
from modelyard_server.ports.records import AuditQuery, ConditionFailed
from modelyard_server.ports.storage import NamespaceStore
from tests.contract.registry_driver import Driver

ADA = Principal({"sub": "github-user:1", "login": "ada", "teams": ["acme/admins"]}, kind="person")
# A workflow of the repository that owns namespace 'marketing' (id 4242), on a trusted ref.
OWNER_RUN = Principal(
    {
        "sub": "repo:acme/churn:ref:refs/heads/main",
        "repository": "acme/churn",
        "repository_id": "4242",
        "ref": "refs/heads/main",
    }
)


class ReadThenMeanwhile:
    """The namespaces port, except that the next read named in `meanwhile` returns what it read and *then* lets
    another request run (once), so the caller decides on a registry that is no longer there."""

    def __init__(self, inner: NamespaceStore) -> None:
        self._inner = inner
        self.meanwhile: dict[str, Callable[[], object]] = {}

    def __getattr__(self, name: str) -> Any:
        read = getattr(self._inner, name)
        if name not in self.meanwhile:
            return read

        def then_meanwhile(*args: Any, **kwargs: Any) -> Any:
            answer = read(*args, **kwargs)
            self.meanwhile.pop(name)()
            return answer

        return then_meanwhile


def _grant(registry: Driver, scope: str, team: str, role: str = "developer") -> RoleGrant:
    granter = Actor(subject="github-user:9", kind="person", issuer="urn:test", user_id="9", login="root")
    return RoleGrant(
        scope=scope, role=role, grantee_kind="team", grantee=team, granted_by=granter, granted_at=registry.now()
    )  # type: ignore[arg-type]


@pytest.fixture
def staged(registry: Driver, backend: Backend) -> Iterator[ReadThenMeanwhile]:
    store = ReadThenMeanwhile(backend.namespaces)
    ports.set_builder(lambda: dataclasses.replace(backend, namespaces=store, close=lambda: None))  # type: ignore[arg-type]
    backend.roles.add_grant(_grant(registry, "*", "acme/admins", "admin"), registry.audit("roles.granted"))
    owners = [Grantee(repository="4242", label="acme/churn")]
    namespaces.create_namespace(CreateNamespaceRequest(name="marketing", owners=owners), ADA)
    try:
        yield store
    finally:
        ports.set_builder(None)


def _register(name: str) -> Callable[[], object]:
    return lambda: catalog.create_model(CreateModelRequest(name=name), OWNER_RUN)


def _kinds(backend: Backend) -> list[str]:
    return [
        event.type for event in backend.governance.governance_events(AuditQuery(newest_first=False), 100, None).items
    ]


def test_an_empty_namespace_goes_with_its_policy_and_grants_and_its_name_starts_clean(
    staged: ReadThenMeanwhile, registry: Driver, backend: Backend
) -> None:
    policies.set_namespace_policy("marketing", policies.SetPolicyRequest(document={}, expected_revision=0), ADA)
    backend.roles.add_grant(_grant(registry, "marketing", "acme/growth"), registry.audit("roles.granted"))
    backend.roles.add_grant(_grant(registry, "*", "acme/growth", "reader"), registry.audit("roles.granted"))

    answer = namespace_deletion.delete_namespace("marketing", OWNER_RUN, expected=1)

    assert (answer.deleted, answer.policy_removed, answer.role_grants_removed) == ("marketing", True, 1)
    assert backend.namespaces.get_namespace("marketing") is None
    assert backend.namespaces.list_namespaces() == []
    assert backend.namespaces.get_namespace_policy("marketing") is None
    assert [(g.scope, g.grantee) for g in backend.roles.all_grants()] == [
        ("*", "acme/admins"),
        ("*", "acme/growth"),
    ]
    deleted = backend.governance.governance_events(AuditQuery(newest_first=True), 1, None).items[0]
    assert deleted.type == "namespace.deleted"
    assert (deleted.before or {})["role_grants"][0]["grantee"] == "acme/growth"
    assert (deleted.before or {})["policy"]["revision"] == 1

    again = namespaces.create_namespace(
        CreateNamespaceRequest(name="marketing", owners=[Grantee(team="acme/other")]), ADA
    )
    assert again.revision == 1
    assert backend.namespaces.get_namespace("marketing") == again
    assert backend.namespaces.get_namespace_policy("marketing") is None
    assert (
        policies.set_namespace_policy(
            "marketing", policies.SetPolicyRequest(document={}, expected_revision=0), ADA
        ).revision
        == 1
    )


def test_a_namespace_holding_a_model_is_refused_and_keeps_everything(
    staged: ReadThenMeanwhile, backend: Backend
) -> None:
    _register("marketing/churn")()
    _register("marketing/uplift")()
    _register("marketingx")()  # a name that merely starts alike is not in it

    with pytest.raises(NamespaceNotEmpty) as refused:
        namespace_deletion.delete_namespace("marketing", ADA, expected=None)

    assert "2 models" in refused.value.detail and "'marketing/churn'" in refused.value.detail
    assert backend.namespaces.get_namespace("marketing") is not None
    assert "namespace.deleted" not in _kinds(backend)


def test_a_stale_revision_is_refused(staged: ReadThenMeanwhile, backend: Backend) -> None:
    with pytest.raises(NamespaceChanged):
        namespace_deletion.delete_namespace("marketing", ADA, expected=2)
    assert backend.namespaces.get_namespace("marketing") is not None
    assert "namespace.deleted" not in _kinds(backend)


def test_a_model_registered_while_the_delete_runs_keeps_its_namespace(
    staged: ReadThenMeanwhile, backend: Backend
) -> None:
    staged.meanwhile["models_in_namespace"] = _register("marketing/churn")  # after the delete saw none

    with pytest.raises(NamespaceNotEmpty):
        namespace_deletion.delete_namespace("marketing", ADA, expected=1)

    assert backend.models.get_model("marketing/churn", consistent=True) is not None
    assert backend.namespaces.get_namespace("marketing") is not None
    assert "namespace.deleted" not in _kinds(backend)


def test_a_namespace_deleted_while_a_model_is_registered_refuses_the_model(
    staged: ReadThenMeanwhile, backend: Backend
) -> None:
    staged.meanwhile["get_namespace"] = lambda: namespace_deletion.delete_namespace("marketing", ADA, expected=1)

    with pytest.raises(NamespaceNotFound):
        _register("marketing/churn")()

    assert backend.models.get_model("marketing/churn", consistent=True) is None
    assert backend.namespaces.get_namespace("marketing") is None


def test_a_grant_made_while_the_namespace_is_deleted_is_refused(staged: ReadThenMeanwhile, backend: Backend) -> None:
    staged.meanwhile["get_namespace"] = lambda: namespace_deletion.delete_namespace("marketing", ADA, expected=1)
    request = GrantRoleRequest(role="developer", scope="marketing", team="acme/growth")

    with pytest.raises(NamespaceNotFound):
        roles.grant_role(request, ADA)

    assert [grant.scope for grant in backend.roles.all_grants()] == ["*"]


def test_a_grant_revoked_while_the_delete_runs_refuses_the_delete(
    staged: ReadThenMeanwhile, registry: Driver, backend: Backend
) -> None:
    grant = _grant(registry, "marketing", "acme/growth")
    backend.roles.add_grant(grant, registry.audit("roles.granted"))
    staged.meanwhile["get_namespace_policy"] = lambda: backend.roles.remove_grant(grant.key(), registry.audit())

    with pytest.raises(NamespaceChanged):
        namespace_deletion.delete_namespace("marketing", ADA, expected=1)

    assert backend.namespaces.get_namespace("marketing") is not None


def test_a_model_cannot_be_stored_in_a_namespace_that_is_not_there(registry: Driver, backend: Backend) -> None:
    model = registry.model_record("ghost/churn")
    with pytest.raises(ConditionFailed) as refused:
        backend.models.create_model_once(model, registry.event("ghost/churn", "model.created"), "ghost")

    assert "namespace" in refused.value.failed
    assert backend.models.get_model("ghost/churn", consistent=True) is None


def test_a_deleted_namespace_can_no_longer_be_changed(
    staged: ReadThenMeanwhile, registry: Driver, backend: Backend
) -> None:
    record = backend.namespaces.get_namespace("marketing")
    assert isinstance(record, NamespaceRecord)
    namespace_deletion.delete_namespace("marketing", ADA, expected=1)

    with pytest.raises(ConditionFailed):
        backend.namespaces.update_namespace(record.model_copy(update={"revision": 2}), 1, registry.audit())
    assert backend.namespaces.get_namespace("marketing") is None


def test_a_namespace_with_more_grants_than_one_write_takes_is_refused_and_keeps_them(
    staged: ReadThenMeanwhile, registry: Driver, backend: Backend
) -> None:
    # DynamoDB writes at most 100 items in one transaction: the namespace, its policy, the event and the grants.
    for team in range(namespace_deletion.MAX_GRANTS_REMOVED + 1):
        backend.roles.add_grant(_grant(registry, "marketing", f"acme/team-{team}"), registry.audit("roles.granted"))

    with pytest.raises(NamespaceGrantsTooMany) as refused:
        namespace_deletion.delete_namespace("marketing", ADA, expected=1)

    assert refused.value.status == 409 and f"{namespace_deletion.MAX_GRANTS_REMOVED + 1} role grants" in str(
        refused.value.detail
    )
    assert backend.namespaces.get_namespace("marketing") is not None
    backend.roles.remove_grant(_grant(registry, "marketing", "acme/team-0").key(), registry.audit("roles.revoked"))
    answer = namespace_deletion.delete_namespace("marketing", ADA, expected=1)
    assert answer.role_grants_removed == namespace_deletion.MAX_GRANTS_REMOVED
    assert [grant.scope for grant in backend.roles.all_grants()] == ["*"]


def test_a_grant_made_after_the_delete_read_the_grants_is_not_passed_on_to_a_new_namespace(
    staged: ReadThenMeanwhile, backend: Backend
) -> None:
    request = GrantRoleRequest(role="developer", scope="marketing", team="acme/growth")
    staged.meanwhile["get_namespace_policy"] = lambda: roles.grant_role(request, ADA)  # the delete read no grant

    with pytest.raises(NamespaceChanged):
        namespace_deletion.delete_namespace("marketing", ADA, expected=1)

    assert backend.namespaces.get_namespace("marketing") is not None
    assert [grant.grantee for grant in backend.roles.all_grants() if grant.scope == "marketing"] == ["acme/growth"]
