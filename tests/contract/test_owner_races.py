"""Changes of a model's own record (owners, description, tags) made at the same time: none is lost.

Each race is staged through the domain: the first request reads the model, a second request changes it and
finishes, then the first request writes what it computed from its (now stale) read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from modelyard_server import ports
from modelyard_server.domain import catalog, model_owners
from modelyard_server.domain.audit_records import Actor
from modelyard_server.domain.errors import ModelChanged
from modelyard_server.domain.model_records import ModelRecord, UpdateModelRequest
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.role_grants import RoleGrant
from modelyard_server.ports import Backend
from modelyard_server.ports.records import AuditQuery, ConditionFailed
from modelyard_server.ports.storage import ModelStore
from tests.contract.registry_driver import Driver, event_types

ADA = Principal({"sub": "github-user:1", "login": "ada", "teams": ["acme/admins"]}, kind="person")
BOB = Principal({"sub": "github-user:2", "login": "bob", "teams": ["acme/admins"]}, kind="person")


class ReadThenMeanwhile:
    """The models port, except that the next `get_model`s return what they read and *then* let another
    request change the model (once each), so the caller decides on a model that is no longer there."""

    def __init__(self, inner: ModelStore) -> None:
        self._inner = inner
        self.meanwhile: list[Callable[[], object]] = []
        self._busy = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get_model(self, name: str, *, consistent: bool = False) -> ModelRecord | None:
        model = self._inner.get_model(name, consistent=consistent)
        if self.meanwhile and not self._busy:
            self._busy = True  # the other request's own reads are not stale
            try:
                self.meanwhile.pop(0)()
            finally:
                self._busy = False
        return model


@pytest.fixture
def models(registry: Driver, backend: Backend) -> Iterator[ReadThenMeanwhile]:
    store = ReadThenMeanwhile(backend.models)
    staged = dataclasses.replace(backend, models=store, close=lambda: None)  # type: ignore[arg-type]
    ports.set_builder(lambda: staged)
    admins = RoleGrant(
        scope="*",
        role="admin",
        grantee_kind="team",
        grantee="acme/admins",
        granted_by=Actor(subject="github-user:9", kind="person", issuer="urn:test", user_id="9", login="root"),
        granted_at=registry.now(),
    )
    backend.roles.add_grant(admins, registry.audit("roles.granted"))
    registry.create_model("fraud", owners=["octo/models"])  # owner id 42
    try:
        yield store
    finally:
        ports.set_builder(None)


def _add(repository_id: str, repository: str, principal: Principal) -> Callable[[], ModelRecord]:
    request = model_owners.AddModelOwnerRequest(repository_id=repository_id, repository=repository)
    return lambda: model_owners.add_model_owner("fraud", request, principal)


def _owners(backend: Backend) -> list[tuple[str, str]]:
    model = backend.models.get_model("fraud", consistent=True)
    assert model is not None
    return list(zip(model.owners, model.owner_ids, strict=True))


def _owner_changes_in_the_governance_trail(backend: Backend) -> int:
    trail = backend.governance.governance_events(AuditQuery(newest_first=False), 100, None).items
    return sum(event.type == "model.owners.changed" for event in trail)


def test_two_owners_added_at_the_same_time_are_both_owners(models: ReadThenMeanwhile, backend: Backend) -> None:
    models.meanwhile.append(_add("8", "acme/eight", BOB))
    answer = _add("7", "acme/seven", ADA)()

    assert _owners(backend) == [("octo/models", "42"), ("acme/eight", "8"), ("acme/seven", "7")]
    assert answer.owners == ["octo/models", "acme/eight", "acme/seven"]
    assert event_types(backend, "fraud").count("model.owners.changed") == 2
    assert _owner_changes_in_the_governance_trail(backend) == 2


def test_an_owner_removed_while_another_is_added_leaves_the_added_one(
    models: ReadThenMeanwhile, backend: Backend
) -> None:
    _add("8", "acme/eight", BOB)()
    models.meanwhile.append(_add("9", "acme/nine", BOB))
    model_owners.remove_model_owner("fraud", "42", ADA)

    assert _owners(backend) == [("acme/eight", "8"), ("acme/nine", "9")]


def test_a_description_changed_while_an_owner_is_added_keeps_both(models: ReadThenMeanwhile, backend: Backend) -> None:
    models.meanwhile.append(_add("8", "acme/eight", BOB))
    catalog.update_model("fraud", UpdateModelRequest(description="scores card payments"), ADA)

    stored = backend.models.get_model("fraud", consistent=True)
    assert stored is not None
    assert stored.description == "scores card payments"
    assert _owners(backend) == [("octo/models", "42"), ("acme/eight", "8")]


def test_tags_changed_while_an_owner_is_removed_keep_both(models: ReadThenMeanwhile, backend: Backend) -> None:
    _add("8", "acme/eight", BOB)()
    models.meanwhile.append(lambda: model_owners.remove_model_owner("fraud", "42", BOB))
    catalog.update_model("fraud", UpdateModelRequest(tags={"team": "risk"}), ADA)

    stored = backend.models.get_model("fraud", consistent=True)
    assert stored is not None
    assert stored.tags == {"team": "risk"}
    assert _owners(backend) == [("acme/eight", "8")]


def test_a_model_that_never_stops_changing_answers_409_and_keeps_the_others_changes(
    models: ReadThenMeanwhile, backend: Backend
) -> None:
    others = [("8", "acme/eight"), ("9", "acme/nine"), ("10", "acme/ten")]  # one before each of its writes
    models.meanwhile += [_add(repository_id, repository, BOB) for repository_id, repository in others]
    with pytest.raises(ModelChanged):
        _add("7", "acme/seven", ADA)()

    assert _owners(backend) == [("octo/models", "42"), *((name, i) for i, name in others)]
    assert event_types(backend, "fraud").count("model.owners.changed") == 3


def test_a_write_on_a_stale_revision_is_refused_and_leaves_no_event(registry: Driver, backend: Backend) -> None:
    registry.create_model("churn")
    read = backend.models.get_model("churn")
    assert read is not None and read.revision == 0
    first = read.model_copy(update={"description": "first", "revision": 1})
    backend.models.update_model_with_event(first, 0, registry.event("churn", "model.updated"))
    with pytest.raises(ConditionFailed) as refused:
        backend.models.update_model_with_event(
            read.model_copy(update={"description": "second", "revision": 1}), 0, registry.event("churn", "lost")
        )

    assert refused.value.failed == {"model"}
    stored = backend.models.get_model("churn", consistent=True)
    assert stored is not None
    assert (stored.description, stored.revision) == ("first", 1)
    assert "lost" not in event_types(backend, "churn")
    backend.models.update_model_with_event(
        stored.model_copy(update={"description": "second", "revision": 2}), 1, registry.event("churn", "model.updated")
    )
    again = backend.models.get_model("churn", consistent=True)
    assert again is not None and (again.description, again.revision) == ("second", 2)
