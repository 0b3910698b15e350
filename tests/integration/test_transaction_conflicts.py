"""DynamoDB cancels a transaction that meets another one on the same item (`TransactionConflict`): nothing of it
was written, so the registry tries it again, and answers 503 with Retry-After if the conflicts go on.

moto never conflicts, so the cancellation DynamoDB sends is played here in front of moto's own answer."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.connection import Connection
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from tests.integration.conftest import Registry


def _conflict(items: int) -> TransactWriteError:
    response = {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}}
    reasons = [CancellationReason(code="TransactionConflict") if i == 0 else None for i in range(items)]
    cause = VerboseClientError(response, "TransactWriteItems", cancellation_reasons=reasons)
    return TransactWriteError("Failed to write transaction items", cause=cause)


@pytest.fixture
def conflicts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Set `conflicts[0]` to how many TransactWriteItems calls DynamoDB cancels before answering again."""
    remaining = [0]
    original = Connection.transact_write_items

    def transact_write_items(self: Connection, *args: Any, **kwargs: Any) -> Any:
        if remaining[0] > 0:
            remaining[0] -= 1
            raise _conflict(2)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "transact_write_items", transact_write_items)
    return remaining


def test_a_transaction_cancelled_by_a_conflict_is_tried_again(registry: Registry, conflicts: list[int]) -> None:
    conflicts[0] = 2
    answer = registry.call("POST", "/v1/models", body={"name": "fraud"})
    assert answer.status == 201, answer
    assert conflicts[0] == 0
    assert registry.call("GET", "/v1/models/fraud").status == 200
    events = registry.call("GET", "/v1/models/fraud/events").body["items"]
    assert [event["type"] for event in events] == ["model.created"]  # one creation, written once


def test_conflicts_that_go_on_answer_503_with_retry_after_and_change_nothing(
    registry: Registry, conflicts: list[int]
) -> None:
    conflicts[0] = 1000
    answer = registry.call("POST", "/v1/models", body={"name": "fraud"})
    assert answer.status == 503, answer
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert int(answer.headers["Retry-After"]) >= 1
    conflicts[0] = 0
    assert registry.call("GET", "/v1/models/fraud").status == 404
