"""Lambda entry point of the verifier: hashes a large upload and marks its version ready or rejected.

The bus rule invokes it (asynchronously) with each `model.version.verifying` event; an invocation that
fails (the store unreachable, the timeout) is retried by Lambda, then lands in the verification
dead-letter queue with the version still `verifying`. A verdict (ready, or rejected with its reason)
is not a failure.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from modelyard_server import bootstrap
from modelyard_server.domain import verification
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.observability import logger, metrics, traced_handler

bootstrap.install()  # the backend is built on the first request, not at import


def verify(event: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge event whose detail is the `model.version.verifying` EventRecord."""
    trigger = EventRecord.model_validate(event["detail"])
    if trigger.type != verification.VERIFYING_EVENT or trigger.version is None:
        return {"event_id": trigger.id, "status": None}  # not ours to verify: acknowledged, not retried
    version = verification.settle(trigger)
    status = version.status if version is not None else None
    return {"event_id": trigger.id, "model": trigger.model, "version": trigger.version, "status": status}


@logger.inject_lambda_context(log_event=False)
@traced_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = verify(event)
    logger.info("verification", extra=outcome)
    metrics.add_metric(name=f"Verification_{outcome['status']}", unit="Count", value=1)
    return outcome
