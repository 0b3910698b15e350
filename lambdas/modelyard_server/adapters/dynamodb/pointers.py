"""Stage and alias pointers, their history, and moving them on a condition."""

from __future__ import annotations

from typing import Any

from modelyard_server.adapters.dynamodb.items import (
    POINTERS_PARTITION,
    HistoryItem,
    PointerItem,
    RegistryItem,
    VersionItem,
    history_prefix,
    holds_partition,
    json_record,
    model_pk,
    pointer_sk,
    pointers_sort_key,
    version_sk,
)
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction, event_item
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.pointer_records import HistoryEntry, PointerRecord
from modelyard_server.ports.records import PointerKind

ANSWER_ONLY_FIELDS = ("history", "revision", "version", "already_held")  # not stored in the record


def pointer_record(item: PointerItem) -> PointerRecord:
    return PointerRecord.model_validate(
        {
            **item.record,
            "revision": int(item.revision),
            "version": None if item.version is None else int(item.version),
        }
    )


def stored_pointer(pointer: PointerRecord) -> dict[str, Any]:
    record: dict[str, Any] = json_record(pointer)
    for answer_only in ANSWER_ONLY_FIELDS:
        record.pop(answer_only, None)
    return record


class DynamoPointerStore:
    def get_pointer(
        self, model: str, kind: PointerKind, name: str, *, consistent: bool = False
    ) -> PointerRecord | None:
        try:
            item = PointerItem.get(model_pk(model), pointer_sk(kind, name), consistent_read=consistent)
        except PointerItem.DoesNotExist:
            return None
        return pointer_record(item)

    def pointer_history(self, model: str, kind: PointerKind, name: str, limit: int) -> list[HistoryEntry]:
        result = RegistryItem.query(
            model_pk(model),
            RegistryItem.sk.startswith(history_prefix(kind, name)),
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
        )
        return [HistoryEntry.model_validate(item.record) for item in result if isinstance(item, HistoryItem)]

    def move_pointer(
        self,
        pointer: PointerRecord,
        expected_revision: int | None,
        history: HistoryEntry,
        event: EventRecord,
        guard_version_ready: int | None,
    ) -> None:
        pk = model_pk(pointer.model)
        item = PointerItem(
            pk,
            pointer_sk(pointer.kind, pointer.name),
            record=stored_pointer(pointer),
            revision=pointer.revision,
            version=pointer.version,
        )
        if pointer.version is not None:  # holding: listed with the other holders of this name (search), and
            item.gsi1pk = holds_partition(pointer.kind, pointer.name)  # with every model's pointers by name
            item.gsi1sk = pointer.model
            item.gsi2pk, item.gsi2sk = POINTERS_PARTITION, pointers_sort_key(pointer.model, pointer.kind, pointer.name)
        history_item = HistoryItem(
            pk, f"{history_prefix(pointer.kind, pointer.name)}{history.event_id}", record=json_record(history)
        )
        condition = (
            RegistryItem.sk.does_not_exist() if expected_revision is None else PointerItem.revision == expected_revision
        )
        transaction = LabelledTransaction()
        transaction.put("pointer", item, condition)
        transaction.put("history", history_item)
        transaction.put("event", event_item(event))
        held = {f"{pointer.kind}:{pointer.name}"}
        if pointer.previous_version is not None and pointer.previous_version != pointer.version:
            # The version it leaves no longer holds it (search shows what each version holds).
            transaction.update(
                "previous holder",
                VersionItem(pk, version_sk(pointer.previous_version)),
                [VersionItem.holds.delete(held)],
                RegistryItem.sk.exists(),  # versions are never deleted: never writes a stub item
            )
        if guard_version_ready is not None:
            # The target must still be ready, and it counts the move, so an archive racing this change
            # fails instead of leaving a pointer whose summary still says "ready".
            actions: list[Any] = [VersionItem.pointer_moves.add(1), VersionItem.holds.add(held)]
            if pointer.kind == "stage" and pointer.last_action == "promote":
                # A promoted version remembers the stage (for `from_stages` rules); a rollback target does
                # not gain one: it only returns to where it already was.
                actions.append(VersionItem.stages_reached.add({pointer.name}))
            transaction.update(
                "version", VersionItem(pk, version_sk(guard_version_ready)), actions, VersionItem.status == "ready"
            )
        transaction.commit()
