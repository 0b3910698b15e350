"""The one Logger and Metrics of the service, and X-Ray tracing of the Lambda entry points."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "modelyard"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=SERVICE, service=SERVICE)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def traced_handler(handler: Handler) -> Handler:
    """`handler` traced by powertools' Tracer when tracing is on, unchanged when it is off.

    A Tracer imports the X-Ray SDK even to switch it off (about 90 ms of every cold start), so
    none is made unless it will trace. Whether tracing is on is powertools' own rule
    (POWERTOOLS_TRACE_DISABLED, or not running in Lambda), read at import as the Tracer reads it.
    """
    if Tracer._is_tracer_disabled():
        return handler
    return cast(Handler, Tracer(service=SERVICE).capture_lambda_handler(handler, capture_response=False))
