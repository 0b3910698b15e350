"""Print the API's OpenAPI document (`make openapi` writes it to docs/openapi.json)."""

from __future__ import annotations

import os
import sys

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver


def generate() -> str:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from modelyard_server.handlers.api_docs import openapi_json
    from modelyard_server.handlers.wiring import configure

    return openapi_json(configure(APIGatewayHttpResolver(enable_validation=True)))


if __name__ == "__main__":
    sys.stdout.write(generate())
