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

    def latest_events(self, model: str, limit: int, before: str | None = None) -> list[EventRecord]:
        # a key range includes its bounds: from `before`, one more is read and `before` itself left out
        upper, read = (LAST_EVENT_KEY, limit) if before is None else (f"E#{before}", limit + 1)
        result = RegistryItem.query(
            model_pk(model),
            RegistryItem.sk.between("E#", upper),
            scan_index_forward=False,
            limit=read,
            page_size=read,
        )
        events = [EventRecord.model_validate(item.record) for item in result if isinstance(item, EventItem)]
        return [event for event in events if event.id != before][:limit]

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
