"""The verifier without AWS Lambda: the table's stream → ``handlers.verifier`` in a background thread.

On AWS a bus rule invokes the verifier function with each ``model.version.verifying`` event (see
``handlers.verifier``). Locally on moto, :class:`LocalVerifier` reads the stream on its own (as a
second event source would), through the same ``consume`` the events function runs, and calls the
verifier's handler with an EventBridge-shaped event. A failed verification is retried on the next
pass, as Lambda retries an asynchronous invocation. The embedded backend hashes blobs as they
arrive, so its completions never need it.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from modelyard_local.pipeline import Printer, StreamReader, _Poller
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.verification import VERIFYING_EVENT
from modelyard_server.handlers import verifier
from modelyard_server.handlers.events import consume


def bus_event(event: EventRecord) -> dict[str, Any]:
    """What EventBridge hands a rule's target: source, detail-type and the registry event as detail."""
    return {"source": "modelyard", "detail-type": event.type, "detail": event.model_dump(mode="json")}


class LocalVerifier(_Poller):
    """Stream → ``consume`` → the verifier's handler for each verifying event, polled in a thread."""

    def __init__(self, reader: StreamReader, printer: Printer = print, interval: float = 0.25) -> None:
        super().__init__(printer, interval)
        self._reader = reader
        self.outcomes: list[dict[str, Any]] = []

    @classmethod
    def for_table(cls, table_name: str, printer: Printer = print) -> LocalVerifier:
        return cls(StreamReader(boto3.client("dynamodb"), boto3.client("dynamodbstreams"), table_name), printer)

    def invoke(self, event: EventRecord) -> None:
        """The bus rule: only verifying events reach the verifier."""
        if event.type != VERIFYING_EVENT:
            return
        outcome = verifier.verify(bus_event(event))
        self.outcomes.append(outcome)
        self._printer(f"[verify] {event.model} version {event.version}: {outcome['status']}")

    def poll_once(self) -> int:
        done = 0
        with self._lock:
            for shard_id, batch in self._reader.batches():
                try:
                    answer = consume({"Records": batch}, self.invoke)
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
