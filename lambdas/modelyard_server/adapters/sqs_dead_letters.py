"""The notification dead-letter queue (SQS): what could not be delivered, with why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3

from modelyard_server.ports.records import DeadLetter

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

MAX_RECEIVE = 10  # SQS's per-call maximum
UNREADABLE = "unreadable_body"  # the key holding a letter's text when it is no JSON object


def _body(text: str) -> dict[str, Any]:
    """A letter's JSON object; any other text (anyone allowed to send to the queue can send it) is kept under
    UNREADABLE, so one such letter does not stop the readers of the others, who leave it for a person."""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return parsed if isinstance(parsed, dict) else {UNREADABLE: text}


def _sqs() -> SQSClient:
    return boto3.client("sqs")


class SqsDeadLetters:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, body: dict[str, Any]) -> None:
        _sqs().send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body, sort_keys=True))

    def receive(self, limit: int, wait_seconds: int = 0) -> Iterator[DeadLetter]:
        """Up to `limit` messages, each hidden from other readers until deleted or its visibility lapses."""
        remaining = limit
        while remaining > 0:
            answer = _sqs().receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(MAX_RECEIVE, remaining),
                WaitTimeSeconds=wait_seconds,
            )
            messages = answer.get("Messages", [])
            if not messages:
                return
            for message in messages:
                remaining -= 1
                yield DeadLetter(_body(message.get("Body", "")), message.get("ReceiptHandle", ""))

    def delete(self, letter: DeadLetter) -> None:
        _sqs().delete_message(QueueUrl=self.queue_url, ReceiptHandle=letter.receipt_handle)
