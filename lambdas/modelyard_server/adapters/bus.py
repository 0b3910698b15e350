"""Registry events onto an EventBridge bus: source ``modelyard``, detail-type = the event type."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

    from modelyard_server.domain.event_record import EventRecord

SOURCE = "modelyard"


class PublishFailed(Exception):
    """EventBridge did not accept the entry (throttled, internal failure): the record must be retried."""


@functools.cache
def _events() -> EventBridgeClient:
    return boto3.client("events")


def reset_client() -> None:
    _events.cache_clear()


def publish(bus_name: str, event: EventRecord) -> None:
    answer = _events().put_events(
        Entries=[
            {
                "Source": SOURCE,
                "DetailType": event.type,
                "Detail": event.model_dump_json(),
                "EventBusName": bus_name,
                "Resources": [],
                "Time": event.at,
            }
        ]
    )
    if answer.get("FailedEntryCount", 0):
        entry = answer["Entries"][0]
        raise PublishFailed(f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
