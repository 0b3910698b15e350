"""TransactWriteItems whose parts carry labels, so a cancellation says which guard failed.

DynamoDB cancels a transaction that meets another one in flight on the same item (reason
`TransactionConflict`, e.g. two registrations numbering versions of one model at once). Nothing of a
cancelled transaction is written, and its conditions are checked afresh on the next try, so it is tried
again after a short, jittered pause; conflicts that outlast the tries answer 503 with Retry-After
(`StorageBusy`), never a 500.
"""

from __future__ import annotations

import random
import time
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from modelyard_server.adapters.dynamodb.items import (
    EventItem,
    RegistryItem,
    json_record,
    model_pk,
    transaction_connection,
)
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import ConditionFailed, StorageBusy

CONFLICT_ATTEMPTS = 4
CONFLICT_PAUSE_SECONDS = 0.025  # doubled after each conflict, jittered: about 0.2 s in all at worst


def event_item(event: EventRecord) -> EventItem:
    return EventItem(model_pk(event.model), f"E#{event.id}", record=json_record(event))


def _reasons(error: TransactWriteError) -> list[str]:
    return [(reason.code if reason is not None else "None") or "None" for reason in error.cancellation_reasons]


def is_condition_failure(error: Exception) -> bool:
    """Whether a single-item write was refused by its condition (not throttled, not broken)."""
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


class LabelledTransaction:
    """A TransactWrite whose operations carry labels, so a cancellation says which guard failed.

    DynamoDB reports one cancellation reason per item, in request order; pynamodb sends
    condition checks first, then puts, then updates, whatever order they were added in.
    """

    def __init__(self) -> None:
        self._checks: list[tuple[str, Any]] = []
        self._puts: list[tuple[str, Any]] = []
        self._updates: list[tuple[str, Any]] = []

    def put(self, label: str, item: RegistryItem, condition: Condition | None = None) -> None:
        self._puts.append((label, lambda t: t.save(item, condition=condition)))

    def update(self, label: str, item: RegistryItem, actions: list[Any], condition: Condition | None) -> None:
        self._updates.append((label, lambda t: t.update(item, actions=actions, condition=condition)))

    def check(self, label: str, cls: type[RegistryItem], pk: str, sk: str, condition: Condition) -> None:
        self._checks.append((label, lambda t: t.condition_check(cls, pk, sk, condition=condition)))

    def commit(self) -> None:
        ordered = self._checks + self._puts + self._updates
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                with TransactWrite(connection=transaction_connection()) as transaction:
                    for _, add in ordered:
                        add(transaction)
                return
            except TransactWriteError as error:
                reasons = _reasons(error)
                failed = {
                    label
                    for (label, _), code in zip(ordered, reasons, strict=False)
                    if code == "ConditionalCheckFailed"
                }
                if failed:
                    raise ConditionFailed(failed) from error
                if "TransactionConflict" not in reasons:
                    raise
                if attempt == CONFLICT_ATTEMPTS:
                    raise StorageBusy(
                        f"DynamoDB cancelled the transaction {attempt} times: other changes to the same items "
                        "were in flight",
                        retry_after=1,
                    ) from error
                time.sleep(random.uniform(0.5, 1.0) * CONFLICT_PAUSE_SECONDS * 2 ** (attempt - 1))  # noqa: S311
