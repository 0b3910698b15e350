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

from modelyard_local.pipeline import Printer, StreamConsumer, StreamReader, table_stream
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.verification import VERIFYING_EVENT
from modelyard_server.handlers import verifier


def bus_event(event: EventRecord) -> dict[str, Any]:
    """What EventBridge hands a rule's target: source, detail-type and the registry event as detail."""
    return {"source": "modelyard", "detail-type": event.type, "detail": event.model_dump(mode="json")}


class LocalVerifier(StreamConsumer):
    """Stream → ``consume`` → the verifier's handler for each verifying event, polled in a thread."""

    def __init__(self, reader: StreamReader, printer: Printer = print, interval: float = 0.25) -> None:
        super().__init__(reader, printer, interval)
        self.outcomes: list[dict[str, Any]] = []

    @classmethod
    def for_table(cls, table_name: str, printer: Printer = print) -> LocalVerifier:
        return cls(table_stream(table_name), printer)

    def handle(self, event: EventRecord) -> None:
        """The bus rule: only verifying events reach the verifier."""
        if event.type != VERIFYING_EVENT:
            return
        outcome = verifier.verify(bus_event(event))
        self.outcomes.append(outcome)
        self._printer(f"[verify] {event.model} version {event.version}: {outcome['status']}")
