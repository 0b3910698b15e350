"""The notification dead-letter queue (SQS): what could not be delivered, with why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

MAX_RECEIVE = 10  # SQS's per-call maximum


def _sqs() -> SQSClient:
    return boto3.client("sqs")


@dataclass(frozen=True)
class DeadLetter:
    body: dict[str, Any]
    receipt_handle: str


def send(queue_url: str, body: dict[str, Any]) -> None:
    _sqs().send_message(QueueUrl=queue_url, MessageBody=json.dumps(body, sort_keys=True))


def receive(queue_url: str, limit: int, wait_seconds: int = 0) -> Iterator[DeadLetter]:
    """Up to `limit` messages, each hidden from other readers until deleted or its visibility lapses."""
    remaining = limit
    while remaining > 0:
        answer = _sqs().receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(MAX_RECEIVE, remaining),
            WaitTimeSeconds=wait_seconds,
        )
        messages = answer.get("Messages", [])
        if not messages:
            return
        for message in messages:
            remaining -= 1
            yield DeadLetter(json.loads(message.get("Body", "{}")), message.get("ReceiptHandle", ""))


def delete(queue_url: str, letter: DeadLetter) -> None:
    _sqs().delete_message(QueueUrl=queue_url, ReceiptHandle=letter.receipt_handle)
