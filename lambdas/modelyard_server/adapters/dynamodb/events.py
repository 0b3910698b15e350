"""A model's events (its audit trail; the table's stream carries them out as the notification outbox)."""

from __future__ import annotations

from modelyard_server.adapters.dynamodb.items import EventItem, RegistryItem, model_pk
from modelyard_server.adapters.dynamodb.pages import decode_page_token, one_page
from modelyard_server.adapters.dynamodb.transactions import event_item
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import Page

LAST_EVENT_KEY = "E#~"  # after every `E#<ULID>`: ULIDs are written in 0-9 and A-Z, all before `~`


class DynamoEventLog:
    def list_events(self, model: str, limit: int, token: str | None) -> Page[EventRecord]:
        result = RegistryItem.query(
            model_pk(model),
            RegistryItem.sk.startswith("E#"),
            page_size=limit,
            last_evaluated_key=decode_page_token(token, model_pk(model)),
        )
        items, next_token = one_page(result)
        return Page([EventRecord.model_validate(i.record) for i in items if isinstance(i, EventItem)], next_token)

    def list_events_from(self, model: str, first_id: str, limit: int) -> Page[EventRecord]:
        result = RegistryItem.query(
            model_pk(model),
            RegistryItem.sk.between(f"E#{first_id}", LAST_EVENT_KEY),
            page_size=limit,
        )
        items, next_token = one_page(result)  # the last key read: `list_events` continues from it
        return Page([EventRecord.model_validate(i.record) for i in items if isinstance(i, EventItem)], next_token)

    def record_event(self, event: EventRecord) -> None:
        event_item(event).save()
