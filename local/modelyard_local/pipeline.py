"""The events pipeline without AWS Lambda: from the outbox to the same notifier, in-process.

On AWS the table's stream invokes ``handlers.events`` (which publishes to EventBridge) and the
bus invokes ``handlers.notify``. Locally an :class:`InProcessBus` stands for EventBridge and
calls the same notifier; what feeds it depends on the backend:

* embedded (SQLite): :class:`OutboxPipeline` hands the outbox's events to the bus in commit
  order, at least once, with its cursor in the database (it survives a restart);
* moto: :class:`LocalPipeline` reads the table's stream the way Lambda's event source mapping
  does — records in order, in batches shaped like Lambda's event, resuming from the first
  record a batch reports as failed — through the same ``consume`` function as on AWS.

Each notification is printed before it is sent; channels in the stored config receive it for real.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

import boto3
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from modelyard_server.adapters.channels.http import OutgoingMessage
from modelyard_server.adapters.embedded.outbox import Outbox
from modelyard_server.domain import notifier
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.notices import Notice, build_notice
from modelyard_server.domain.notification_config import DEFAULT_ROUTE_EVENTS, current_config
from modelyard_server.handlers.events import consume
from modelyard_server.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

BATCH_SIZE = 25
MAX_BACKOFF = 30.0  # seconds between passes while publishing keeps failing
Printer = Callable[[str], None]


def describe(channel: notifier.AnyChannel | None, notice: Notice) -> str:
    where = f"{channel.type}:{channel.name}" if channel is not None else "no channel configured"
    lines = [f"[notify → {where}] {notice.fallback}"]
    lines += [f"    {label}: {value}" for label, value in notice.facts if label != "Model"]
    lines += [f"    {delta.name}: {delta.text()}" for delta in notice.metrics]
    if notice.comment:
        lines.append(f"    comment: {notice.comment}")
    if notice.rollback_command:
        lines.append(f"    roll back: {notice.rollback_command}")
    lines += [f"    {page.label}: {page.url}" for page in notice.pages]
    return "\n".join(lines)


class StreamReader:
    """Reads every shard of a table's stream from its start, as Lambda-shaped records, with checkpoints."""

    def __init__(self, dynamodb: DynamoDBClient, streams: DynamoDBStreamsClient, table_name: str) -> None:
        self._dynamodb, self._streams, self._table = dynamodb, streams, table_name
        self._stream_arn: str | None = None
        self._iterators: dict[str, str | None] = {}
        self._pending: dict[str, list[dict[str, Any]]] = {}

    def _arn(self) -> str:
        if self._stream_arn is None:
            self._stream_arn = self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        return self._stream_arn

    def _discover(self) -> None:
        arn = self._arn()
        for shard in self._streams.describe_stream(StreamArn=arn)["StreamDescription"].get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                answer = self._streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )
                self._iterators[shard_id] = answer.get("ShardIterator")
                self._pending[shard_id] = []

    def _lambda_record(self, record: Any) -> dict[str, Any]:
        shaped: dict[str, Any] = {**record, "eventSourceARN": self._arn(), "dynamodb": dict(record["dynamodb"])}
        created = shaped["dynamodb"].get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            shaped["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
        return shaped

    def batches(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Per shard, the records not yet acknowledged (earlier failures first), up to BATCH_SIZE."""
        self._discover()
        result = []
        for shard_id, iterator in self._iterators.items():
            pending = self._pending[shard_id]
            if len(pending) < BATCH_SIZE and iterator is not None:
                answer = self._streams.get_records(ShardIterator=iterator, Limit=BATCH_SIZE - len(pending))
                self._iterators[shard_id] = answer.get("NextShardIterator")
                pending.extend(self._lambda_record(record) for record in answer.get("Records", []))
            if pending:
                result.append((shard_id, pending[:BATCH_SIZE]))
        return result

    def acknowledge(self, shard_id: str, batch: list[dict[str, Any]], failed: list[str]) -> int:
        """Drop what was processed; keep everything from the first failed sequence number, as Lambda does."""
        numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
        keep_from = min((numbers.index(n) for n in failed if n in numbers), default=len(batch))
        self._pending[shard_id] = batch[keep_from:] + self._pending[shard_id][len(batch) :]
        return keep_from


class InProcessBus:
    """What an EventBridge rule does on AWS: invoke the notifier with each published event."""

    def __init__(self, printer: Printer = print) -> None:
        self._printer = printer
        self.deliveries: list[notifier.Delivery] = []

    def _show(self, channel: notifier.AnyChannel, notice: Notice, message: OutgoingMessage) -> None:
        self._printer(describe(channel, notice))

    def publish(self, event: EventRecord) -> None:
        config = current_config()
        if not config.channels_for(event) and event.type in DEFAULT_ROUTE_EVENTS:
            self._printer(describe(None, build_notice(event, get_settings().public_url)))
        self.deliveries.extend(notifier.notify(event, config, observer=self._show))


class _Poller:
    """Calls `poll_once` every `interval` seconds in a daemon thread until stopped."""

    def __init__(self, printer: Printer, interval: float) -> None:
        self._printer = printer
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def poll_once(self) -> int:
        raise NotImplementedError

    def _run(self) -> None:
        wait = self._interval
        while not self._stop.wait(wait):
            try:
                self.poll_once()
            except Exception as error:  # keep the dev server alive; a later pass retries, backing off
                if wait == self._interval:
                    self._printer(
                        f"[notify] events poll failed (retrying, backing off up to {MAX_BACKOFF:g} s): {error}"
                    )
                wait = min(MAX_BACKOFF, wait * 2)
            else:
                wait = self._interval

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name="modelyard-events", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class OutboxPipeline(_Poller):
    """Embedded outbox → in-process bus → notifier, polled in a thread."""

    def __init__(self, outbox: Outbox, printer: Printer = print, interval: float = 0.1) -> None:
        super().__init__(printer, interval)
        self._outbox = outbox
        self._bus = InProcessBus(printer)

    @property
    def deliveries(self) -> list[notifier.Delivery]:
        return self._bus.deliveries

    def poll_once(self) -> int:
        with self._lock:
            return self._outbox.deliver_pending(self._bus.publish)

    def drain(self, max_passes: int = 50) -> None:
        """Publish until nothing is pending (tests call this instead of sleeping); a failure propagates."""
        for _ in range(max_passes):
            if self._outbox.pending() == 0:
                return
            self.poll_once()


class StreamConsumer(_Poller):
    """The table's stream → ``handlers.events.consume`` → `handle` for each event, polled in a thread.

    Records are read the way Lambda's event source mapping reads them: in order, in batches shaped
    like Lambda's event, resuming from the first record a batch reports as failed.
    """

    def __init__(self, reader: StreamReader, printer: Printer, interval: float) -> None:
        super().__init__(printer, interval)
        self._reader = reader

    def handle(self, event: EventRecord) -> None:
        raise NotImplementedError

    def poll_once(self) -> int:
        """One pass over every shard; how many records it acknowledged."""
        done = 0
        with self._lock:
            for shard_id, batch in self._reader.batches():
                try:
                    answer = consume({"Records": batch}, self.handle)
                    failed = [str(item["itemIdentifier"]) for item in answer.get("batchItemFailures", [])]
                except BatchProcessingError:
                    failed = [batch[0]["dynamodb"]["SequenceNumber"]]
                done += self._reader.acknowledge(shard_id, batch, failed)
        return done

    def drain(self, max_passes: int = 50) -> None:
        """Poll until a pass finds nothing new (tests call this instead of sleeping)."""
        for _ in range(max_passes):
            if not self._reader.batches():
                return
            self.poll_once()


def table_stream(table_name: str) -> StreamReader:
    """A reader of `table_name`'s stream, through this process's AWS configuration (moto locally)."""
    return StreamReader(boto3.client("dynamodb"), boto3.client("dynamodbstreams"), table_name)


class LocalPipeline(StreamConsumer):
    """Stream → ``handlers.events.consume`` → in-process bus → notifier, polled in a thread."""

    def __init__(self, table_name: str, printer: Printer = print, interval: float = 0.25) -> None:
        super().__init__(table_stream(table_name), printer, interval)
        self._bus = InProcessBus(printer)

    @property
    def deliveries(self) -> list[notifier.Delivery]:
        return self._bus.deliveries

    def publish(self, event: EventRecord) -> None:
        self._bus.publish(event)

    def handle(self, event: EventRecord) -> None:
        self.publish(event)
