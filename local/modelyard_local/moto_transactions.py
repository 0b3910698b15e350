"""TransactWriteItems on moto that copies the items it touches, not the tables.

moto 5.2's ``DynamoDBBackend.transact_write_items`` deep-copies every table a transaction names
before applying it, so it can put the copy back if the transaction is cancelled. The copy holds
every item and every stream record the table ever had, so each transaction costs time in
proportion to all writes so far (a registry of a few hundred versions spends most of each
registration copying), and every copied object is also appended to moto's instance tracker,
so memory grows with the square of the writes. Restoring a copy also replaces the table object:
a stream iterator opened before a cancelled transaction keeps reading the discarded table and
never sees another record.

This replacement is moto's own loop (same checks, same order, same cancellation reasons) with a
journal instead of the copies: before an operation writes, the journal keeps a copy of the one
item it may change (or notes that the item did not exist) and, per table, how many stream records
there were. A cancelled transaction puts those items back and drops the stream records it
appended, in the same table object. A table with Lambda event source mappings (moto may hand
stream records to Lambda as they are written) keeps moto's original path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamShard, Table

from modelyard_local.moto_guard import expect_sources

WRITTEN_FOR = "5.2.5"
_MARKER = "_modelyard_journal"
_original: Callable[..., None] | None = None


@dataclass
class _Journal:
    """What a transaction changed, so that a cancelled one can be undone in place."""

    items: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = field(default_factory=list)
    stream_lengths: dict[int, tuple[StreamShard, int]] = field(default_factory=dict)

    def remember(self, table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        before = table.get_item(hash_key, range_key)
        self.items.append((table, hash_key, range_key, copy.deepcopy(before)))
        shard = table.stream_shard
        if shard is not None and id(shard) not in self.stream_lengths:
            self.stream_lengths[id(shard)] = (shard, len(shard.items))

    def undo(self) -> None:
        for table, hash_key, range_key, before in reversed(self.items):
            if range_key is None:  # a table without a sort key stores the item under its hash key
                if before is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = before  # type: ignore[assignment]  # as moto stores it
            elif before is None:
                table.items[hash_key].pop(range_key, None)
            else:
                table.items[hash_key][range_key] = before
        for shard, length in self.stream_lengths.values():
            del shard.items[length:]  # the records of writes that are being undone


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:  # noqa: PLR0912, PLR0915
    """moto 5.2.5's transact_write_items with the journal in place of the table copies (see module doc).

    Kept line for line as moto wrote it, apart from the journal, so that it reads as a diff of moto's.
    """
    if _streams_feed_lambda(self, transact_items):
        assert _original is not None
        return _original(self, transact_items)
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    journal = _Journal()

    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []  # [(Code, Message, Item), ..]
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        # Check transact writes are not performing multiple operations on the same item
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException

        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")

            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            expression_attribute_names = op.get("ExpressionAttributeNames")
            expression_attribute_values = op.get("ExpressionAttributeValues")
            return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]

            check_unicity(table_name, key)

            # the same lookups (and errors) as the get_item below, before anything is written
            table = self.get_table(table_name)
            journal.remember(table, *self.get_keys_value(table, key))

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(
                    condition_expression,
                    expression_attribute_names,
                    expression_attribute_values,
                )
                if not condition_op.expr(current):
                    if return_values_on_condition_check_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type == "Put":
                attrs = op["Item"]
                self.put_item(
                    table_name,
                    attrs,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            elif op_type == "Update":
                update_expression = op["UpdateExpression"]
                self.update_item(
                    table_name,
                    key,
                    update_expression=update_expression,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            journal.undo()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:  # moto reports any other failure as that operation's reason
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

    if any(code is not None for code, _, _ in errors):
        journal.undo()
        raise TransactionCanceledException(errors)
    return None


def _streams_feed_lambda(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> bool:
    for item in transact_items:
        for op in item.values():
            table = backend.tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
            if table is not None and table.lambda_event_source_mappings:
                return True
    return False


def _expected_sources() -> dict[str, tuple[Callable[..., Any], str]]:
    # What the journal relies on: moto's loop (copied above), where items live (get_item,
    # delete_item), and that stream records are only ever appended (StreamShard.add).
    return {
        "DynamoDBBackend.transact_write_items": (
            _original or DynamoDBBackend.transact_write_items,
            "0b5c3b73cdccf3268b7266a17c96e2f7e675bd20fe3f28326a1e95ffa38cf8fe",
        ),
        "Table.get_item": (Table.get_item, "9e8ab8ae75cdba461a6aa99071bf92ef6c847ef3de5e39b9e6dd375e8b94b757"),
        "Table.delete_item": (Table.delete_item, "697be260776b20ead032a923c848c5b6fce7d66f63ccc8fd2abb23e3ef9ab7e1"),
        "StreamShard.add": (StreamShard.add, "6619a16a15952c640f4a3387e161a8a1ffab323b8846e33d19d72c7dbe208169"),
    }


def install() -> None:
    """Idempotent. Raises MotoInternalsChanged when moto is not the version this was written for."""
    global _original
    if getattr(DynamoDBBackend.transact_write_items, _MARKER, False):
        return
    expect_sources("modelyard_local.moto_transactions", WRITTEN_FOR, _expected_sources())
    _original = DynamoDBBackend.transact_write_items
    setattr(transact_write_items, _MARKER, True)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own transact_write_items back (benchmarks compare the two)."""
    global _original
    if _original is not None:
        DynamoDBBackend.transact_write_items = _original  # type: ignore[method-assign]
        _original = None
