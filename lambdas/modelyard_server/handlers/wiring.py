"""Assembles the API (routers, error mapping, OpenAPI) for Lambda and the local server alike."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from modelyard_server.adapters import blobs, bus, table
from modelyard_server.domain.stage_rules import github_app
from modelyard_server.handlers.auth import token_verifier
from modelyard_server.handlers.openapi_contract import truthful
from modelyard_server.handlers.problems import register_problem_handlers
from modelyard_server.handlers.request_json import parse_request_json
from modelyard_server.handlers.routes import (
    events,
    github_webhook,
    governance,
    meta,
    models,
    notifications,
    pointers,
    versions,
)
from modelyard_server.settings import get_settings

API_TITLE = "modelyard"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "A model registry for GitHub Actions: immutable numbered versions with digest-verified artifacts, "
    "lineage, stages, aliases and an audit trail. Every call carries a GitHub Actions (or other trusted) "
    "OIDC token as a bearer token."
)
# Every resolver (Lambda, ASGI, the OpenAPI generator) validates requests and reads JSON bodies the one strict way.
RESOLVER_OPTIONS: dict[str, Any] = {"enable_validation": True, "json_body_deserializer": parse_request_json}
OPENAPI_ARGS: dict[str, Any] = {
    "title": API_TITLE,
    "version": API_VERSION,
    "description": API_DESCRIPTION,
    "security_schemes": {"oidc": HTTPBearer(bearerFormat="JWT", description="An OIDC ID token (RS256)")},
    "security": [{"oidc": []}],
}


def forget_configuration() -> None:
    """Drop everything read from the environment, so the next request reads it again (local stack, tests)."""
    get_settings.cache_clear()
    token_verifier.cache_clear()
    github_app.cache_clear()
    blobs.reset_client()
    bus.reset_client()


def configure(app: ApiGatewayResolver) -> ApiGatewayResolver:
    table.bind(get_settings().table_name)
    for router in (
        meta.router,
        models.router,
        versions.router,
        pointers.router,
        events.router,
        governance.router,
        notifications.router,
        github_webhook.router,
    ):
        app.include_router(router)
    register_problem_handlers(app)
    app.enable_swagger(path="/v1/docs", **OPENAPI_ARGS)

    @app.get("/v1/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body=openapi_json(app))

    return app


def openapi_json(app: ApiGatewayResolver) -> str:
    schema = truthful(json.loads(app.get_openapi_json_schema(**OPENAPI_ARGS)))
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
