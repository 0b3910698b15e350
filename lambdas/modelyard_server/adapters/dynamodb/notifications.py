"""Notification routing config and sent-markers in the registry table.

====================================  ==========================================================
key (PK / SK)                         item
====================================  ==========================================================
``REGISTRY`` / ``#NOTIFICATIONS``     the routing config in force (revision-guarded)
``SENT#<event id>`` / ``#<channel>``  a notification already delivered to a channel (TTL), so a
                                      redelivered event is not posted twice
====================================  ==========================================================

A new config and its governance event (``governance_trail``) are one TransactWriteItems.
"""

from __future__ import annotations

from typing import Any

from modelyard_server.adapters.dynamodb.governance_trail import governance_event_item
from modelyard_server.adapters.dynamodb.items import NotificationConfigItem, NotificationSentItem, RegistryItem
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction
from modelyard_server.domain.clock import now
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import ConditionFailed, ConfigChanged

REGISTRY_PK = "REGISTRY"
CONFIG_SK = "#NOTIFICATIONS"
SENT_TTL_SECONDS = 7 * 24 * 3600  # longer than any stream, EventBridge or DLQ redelivery of the same event


def _sent_key(event_id: str, channel: str) -> tuple[str, str]:
    return f"SENT#{event_id}", f"#{channel}"


class DynamoNotificationStore:
    def get_config(self) -> tuple[dict[str, Any], int] | None:
        try:
            item = NotificationConfigItem.get(REGISTRY_PK, CONFIG_SK, consistent_read=True)
        except NotificationConfigItem.DoesNotExist:
            return None
        record: dict[str, Any] = item.record
        return record, int(item.revision)

    def put_config(self, record: dict[str, Any], expected_revision: int, audit: EventRecord) -> int:
        revision = expected_revision + 1
        condition = (
            RegistryItem.sk.does_not_exist()
            if expected_revision == 0
            else NotificationConfigItem.revision == expected_revision
        )
        transaction = LabelledTransaction()
        transaction.put(
            "config", NotificationConfigItem(REGISTRY_PK, CONFIG_SK, record=record, revision=revision), condition
        )
        transaction.put("audit", governance_event_item(audit))
        try:
            transaction.commit()
        except ConditionFailed as error:
            raise ConfigChanged from error
        return revision

    def already_sent(self, event_id: str, channel: str) -> bool:
        pk, sk = _sent_key(event_id, channel)
        try:
            item = NotificationSentItem.get(pk, sk, consistent_read=True)
        except NotificationSentItem.DoesNotExist:
            return False
        return int(item.expires_at) >= int(now().timestamp())  # expired: gone, whatever TTL lags

    def mark_sent(self, event_id: str, channel: str) -> None:
        pk, sk = _sent_key(event_id, channel)
        NotificationSentItem(pk, sk, expires_at=int(now().timestamp()) + SENT_TTL_SECONDS).save()
