"""Lambda entry point of the events pipeline: the table's stream (the outbox) onto the EventBridge bus.

Only stream records that INSERT an item of kind ``event`` are events; every other item type
on the stream is acknowledged and ignored. Each record is reported on its own
(``ReportBatchItemFailures``): Lambda resumes the shard from the first record that failed, so
records after a failure are not published in this invocation at all (they are reported failed
too) and nothing already acknowledged is published twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelyard_server.adapters import bus
from modelyard_server.observability import logger, metrics, traced_handler
from modelyard_server.settings import get_settings

if TYPE_CHECKING:
    from modelyard_server.domain.event_record import EventRecord

Publisher = Callable[["EventRecord"], None]


class EarlierRecordFailed(Exception):
    """Not attempted: a record before it in the shard failed, and Lambda redelivers from there."""


def event_from_record(record: DynamoDBRecord) -> EventRecord | None:
    """The registry event a stream record inserts, or None for anything else on the stream."""
    if record.event_name != DynamoDBRecordEventName.INSERT or record.dynamodb is None:
        return None
    image = record.dynamodb.new_image
    if image.get("kind") != "event":
        return None
    # Imported here: the model is the function's only pydantic model, and defining it loads pydantic's
    # model machinery; a cold start pays for it with the first event, a batch without events never does.
    from modelyard_server.domain.event_record import EventRecord

    return EventRecord.model_validate_json(str(image["record"]))


def consume(
    stream_event: dict[str, Any], publish: Publisher, context: LambdaContext | None = None
) -> PartialItemFailureResponse:
    """Publish the batch's events in stream order; the answer lists the records to redeliver."""
    failed = False

    def handle(record: DynamoDBRecord) -> str | None:
        nonlocal failed
        if failed:
            raise EarlierRecordFailed(record.dynamodb.sequence_number if record.dynamodb else None)
        try:
            event = event_from_record(record)
            if event is None:
                return None
            publish(event)
        except Exception:
            failed = True
            raise
        metrics.add_metric(name="EventsPublished", unit="Count", value=1)
        return event.id

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(event=stream_event, record_handler=handle, processor=processor, context=context)


@logger.inject_lambda_context(log_event=False)
@traced_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consume(event, functools.partial(bus.publish, get_settings().event_bus_name), context)
