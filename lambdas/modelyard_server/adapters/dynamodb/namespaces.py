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
"""

from __future__ import annotations

from typing import Any

from modelyard_server.adapters.dynamodb.governance_trail import governance_event_item
from modelyard_server.adapters.dynamodb.items import NamespaceItem, PolicyItem, RegistryItem, json_record
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.namespace_records import NamespaceRecord

NAMESPACES_PK = "NAMESPACES"
_PREFIX = "NS#"
_POLICY = "P#"


def _record(item: NamespaceItem) -> NamespaceRecord:
    return NamespaceRecord.model_validate({**item.record, "revision": int(item.revision)})


def _item(record: NamespaceRecord, revision: int) -> NamespaceItem:
    stored = json_record(record)
    stored.pop("revision", None)  # the item's own attribute holds it, and guards writes
    return NamespaceItem(NAMESPACES_PK, _PREFIX + record.name, record=stored, revision=revision)


class DynamoNamespaceStore:
    def get_namespace(self, name: str) -> NamespaceRecord | None:
        try:
            return _record(NamespaceItem.get(NAMESPACES_PK, _PREFIX + name, consistent_read=True))
        except NamespaceItem.DoesNotExist:
            return None

    def list_namespaces(self) -> list[NamespaceRecord]:
        # One Query (a page holds 1 MB: thousands of namespaces); strongly consistent, as a single read is.
        items = RegistryItem.query(NAMESPACES_PK, RegistryItem.sk.startswith(_PREFIX), consistent_read=True)
        return [_record(item) for item in items if isinstance(item, NamespaceItem)]

    def create_namespace_once(self, record: NamespaceRecord, audit: EventRecord) -> None:
        transaction = LabelledTransaction()
        transaction.put("namespace", _item(record, 1), RegistryItem.sk.does_not_exist())
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()

    def update_namespace(self, record: NamespaceRecord, expected_revision: int, audit: EventRecord) -> None:
        transaction = LabelledTransaction()
        transaction.put("namespace", _item(record, expected_revision + 1), NamespaceItem.revision == expected_revision)
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()

    def get_namespace_policy(self, name: str) -> tuple[dict[str, Any], int] | None:
        try:
            item = PolicyItem.get(NAMESPACES_PK, _POLICY + name, consistent_read=True)
        except PolicyItem.DoesNotExist:
            return None
        record: dict[str, Any] = item.record
        return record, int(item.revision)

    def put_namespace_policy(self, name: str, record: dict[str, Any], expected: int, audit: EventRecord) -> int:
        revision = expected + 1
        condition = RegistryItem.sk.does_not_exist() if expected == 0 else PolicyItem.revision == expected
        transaction = LabelledTransaction()
        transaction.check("policy", NamespaceItem, NAMESPACES_PK, _PREFIX + name, RegistryItem.sk.exists())
        transaction.put(
            "policy", PolicyItem(NAMESPACES_PK, _POLICY + name, record=record, revision=revision), condition
        )
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()
        return revision
