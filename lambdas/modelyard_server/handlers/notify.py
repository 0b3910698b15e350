"""Lambda entry point of the notifier: registry events from the EventBridge bus to Slack, Teams and webhooks."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from modelyard_server import bootstrap
from modelyard_server.domain import notifier
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.observability import logger, metrics, traced_handler

bootstrap.install()  # the backend is built on the first request, not at import


@logger.inject_lambda_context(log_event=False)
@traced_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An EventBridge event whose detail is the registry's EventRecord."""
    record = EventRecord.model_validate(event["detail"])
    deliveries = notifier.notify(record)
    for delivery in deliveries:
        logger.info("notification", extra={"event_id": record.id, **delivery.__dict__})
        metrics.add_metric(name=f"Notification_{delivery.outcome}", unit="Count", value=1)
    return {"event_id": record.id, "deliveries": [delivery.__dict__ for delivery in deliveries]}
