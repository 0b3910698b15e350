"""Namespace records in the registry table.

==============================  ===============================================================
key (PK / SK)                   item
==============================  ===============================================================
``NAMESPACES`` / ``NS#<name>``  a namespace (record, revision), item kind ``namespace``
``NAMESPACES`` / ``P#<name>``   its policy layer (record, revision), item kind ``policy``
==============================  ===============================================================

One partition holds them all: they are few (a namespace per team or product, not per model), so listing
every one is a single Query, and a change is rare. Each change and its governance event are one
TransactWriteItems, conditioned on the name being free (create) or on the revision read (update).

A deleted namespace, and its policy layer, stay as tombstones (``deleted``), as revoked role grants do: the
API function deletes no item (its IAM policy has no DeleteItem). Reads skip them; creating a namespace of
the same name (or its first policy) overwrites them, so nothing of the old one is inherited.

Why a delete cannot orphan a model: "no model in the namespace" is a Query, and a transaction cannot be
conditioned on a Query (and the models index is eventually consistent). So each model created in a namespace
also adds one to the namespace item's ``models`` counter in its own transaction, conditioned on the namespace
being there and not deleted; the delete is conditioned on the counter being absent and on the revision read.
Whichever of the two commits first makes the other's condition fail. Models created before the counter
existed are long in the index, where the domain's Query finds them. Role grants at the namespace are counted
the same way (``grants``, `namespace_keys.count_grant_at`), so none made while the delete runs outlives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelyard_server.adapters.dynamodb.governance_trail import governance_event_item
from modelyard_server.adapters.dynamodb.items import (
    ModelItem,
    NamespaceItem,
    PolicyItem,
    RegistryItem,
    RoleGrantItem,
    json_record,
)
from modelyard_server.adapters.dynamodb.namespace_keys import LIVE, NAMESPACE_PREFIX, NAMESPACES_PK, POLICY_PREFIX
from modelyard_server.adapters.dynamodb.roles import ROLES_PK, grant_sort_key
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.namespace_records import NamespaceRecord
from modelyard_server.domain.role_grants import GrantKey
from modelyard_server.ports.records import ConditionFailed

_PREFIX = NAMESPACE_PREFIX
_POLICY = POLICY_PREFIX


def _record(item: NamespaceItem) -> NamespaceRecord:
    return NamespaceRecord.model_validate({**item.record, "revision": int(item.revision)})


def _stored(record: NamespaceRecord) -> Any:
    stored = json_record(record)
    stored.pop("revision", None)  # the item's own attribute holds it, and guards writes
    return stored


def count_model_in(transaction: LabelledTransaction, namespace: str) -> None:
    """Add to `transaction` (a model's creation) one to the namespace's model counter, iff it is there
    (ConditionFailed({'namespace'}) otherwise): see the module's note on deletes."""
    item = NamespaceItem(NAMESPACES_PK, _PREFIX + namespace)
    transaction.update("namespace", item, [NamespaceItem.models.add(1)], LIVE)


def _grant_counter(name: str) -> int | None:
    try:
        item = NamespaceItem.get(NAMESPACES_PK, _PREFIX + name, consistent_read=True)
    except NamespaceItem.DoesNotExist:
        return None
    return None if item.grants is None else int(item.grants)


def _held_at(name: str) -> set[str]:
    """The sort keys of the grants held at namespace `name`, read strongly consistent."""
    items = RoleGrantItem.query(ROLES_PK, RegistryItem.sk.startswith(f"G#{name}#"), consistent_read=True)
    return {item.sk for item in items if not item.revoked}


class DynamoNamespaceStore:
    def get_namespace(self, name: str) -> NamespaceRecord | None:
        try:
            item = NamespaceItem.get(NAMESPACES_PK, _PREFIX + name, consistent_read=True)
        except NamespaceItem.DoesNotExist:
            return None
        return None if item.deleted else _record(item)

    def list_namespaces(self) -> list[NamespaceRecord]:
        # One Query (a page holds 1 MB: thousands of namespaces); strongly consistent, as a single read is.
        items = RegistryItem.query(NAMESPACES_PK, RegistryItem.sk.startswith(_PREFIX), consistent_read=True)
        return [_record(item) for item in items if isinstance(item, NamespaceItem) and not item.deleted]

    def create_namespace_once(self, record: NamespaceRecord, audit: EventRecord) -> None:
        transaction = LabelledTransaction()
        item = NamespaceItem(NAMESPACES_PK, _PREFIX + record.name, record=_stored(record), revision=1)
        transaction.put("namespace", item, RegistryItem.sk.does_not_exist() | (NamespaceItem.deleted == True))  # noqa: E712
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()

    def update_namespace(self, record: NamespaceRecord, expected_revision: int, audit: EventRecord) -> None:
        # An update, not a put: the model counter (module note) stays as it is.
        transaction = LabelledTransaction()
        item = NamespaceItem(NAMESPACES_PK, _PREFIX + record.name)
        actions = [NamespaceItem.record.set(_stored(record)), NamespaceItem.revision.set(expected_revision + 1)]
        unchanged = (NamespaceItem.revision == expected_revision) & NamespaceItem.deleted.does_not_exist()
        transaction.update("namespace", item, actions, unchanged)
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()

    def get_namespace_policy(self, name: str) -> tuple[dict[str, Any], int] | None:
        try:
            item = PolicyItem.get(NAMESPACES_PK, _POLICY + name, consistent_read=True)
        except PolicyItem.DoesNotExist:
            return None
        if item.deleted:
            return None
        record: dict[str, Any] = item.record
        return record, int(item.revision)

    def put_namespace_policy(self, name: str, record: dict[str, Any], expected: int, audit: EventRecord) -> int:
        revision = expected + 1
        if expected == 0:
            condition = RegistryItem.sk.does_not_exist() | (PolicyItem.deleted == True)  # noqa: E712
        else:
            condition = (PolicyItem.revision == expected) & PolicyItem.deleted.does_not_exist()
        transaction = LabelledTransaction()
        transaction.check("policy", NamespaceItem, NAMESPACES_PK, _PREFIX + name, LIVE)
        transaction.put(
            "policy", PolicyItem(NAMESPACES_PK, _POLICY + name, record=record, revision=revision), condition
        )
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()
        return revision

    def models_in_namespace(self, name: str) -> list[str]:
        prefix = name + "/"
        found = RegistryItem.list_models_index.query("MODELS", RegistryItem.gsi1sk.startswith(prefix))
        return [item.gsi1sk for item in found if isinstance(item, ModelItem) and item.gsi1sk]

    def delete_namespace(
        self, name: str, expected_revision: int, policy_revision: int, grants: Sequence[GrantKey], audit: EventRecord
    ) -> None:
        # One transaction holds at most 100 items: the namespace, its policy, the event and 97 grants (the
        # domain refuses more). `grants` were read before this: one made since then is in the grants read here,
        # after the counter (so they differ), or it changes the counter the write is conditioned on.
        granted = _grant_counter(name)
        if _held_at(name) != {grant_sort_key(key) for key in grants}:
            raise ConditionFailed({"grant"})
        transaction = LabelledTransaction()
        unchanged = (
            (NamespaceItem.revision == expected_revision)
            & NamespaceItem.deleted.does_not_exist()
            & NamespaceItem.models.does_not_exist()
            & (NamespaceItem.grants.does_not_exist() if granted is None else NamespaceItem.grants == granted)
        )
        tombstone = [NamespaceItem.deleted.set(True), NamespaceItem.revision.set(expected_revision + 1)]
        transaction.update("namespace", NamespaceItem(NAMESPACES_PK, _PREFIX + name), tombstone, unchanged)
        policy_key = _POLICY + name
        if policy_revision == 0:
            no_policy = RegistryItem.sk.does_not_exist() | (PolicyItem.deleted == True)  # noqa: E712
            transaction.check("policy", PolicyItem, NAMESPACES_PK, policy_key, no_policy)
        else:
            gone = PolicyItem(NAMESPACES_PK, policy_key, record={}, revision=0, deleted=True)
            same = (PolicyItem.revision == policy_revision) & PolicyItem.deleted.does_not_exist()
            transaction.put("policy", gone, same)
        held = RegistryItem.sk.exists() & RoleGrantItem.revoked.does_not_exist()
        for key in grants:
            grant = RoleGrantItem(ROLES_PK, grant_sort_key(key))
            transaction.update("grant", grant, [RoleGrantItem.revoked.set(True)], held)
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()
