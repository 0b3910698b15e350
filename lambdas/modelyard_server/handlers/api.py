"""Lambda entry point of the API (API Gateway HTTP API, payload v2)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelyard_server import bootstrap
from modelyard_server.handlers.head_requests import lambda_event_as_get, without_body
from modelyard_server.handlers.limits import lambda_body_problem
from modelyard_server.handlers.model_paths import routed_event
from modelyard_server.handlers.wiring import RESOLVER_OPTIONS, configure
from modelyard_server.observability import logger, metrics, traced_handler
from modelyard_server.settings import get_settings

bootstrap.install()  # the backend is built on the first request, not at import
app = configure(APIGatewayHttpResolver(**RESOLVER_OPTIONS))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@traced_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refused = lambda_body_problem(event, get_settings().max_body_bytes)
    if refused is not None:  # a page's HEAD is refused as its GET is, without the body
        return refused if lambda_event_as_get(event) is None else without_body(refused)
    routed = routed_event(event)
    head_as_get = lambda_event_as_get(routed)  # a page's HEAD is its GET without the body
    if head_as_get is not None:
        return without_body(app.resolve(head_as_get, context))
    return app.resolve(routed, context)
