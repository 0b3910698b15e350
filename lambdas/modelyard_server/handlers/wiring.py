"""Assembles the API (routers, error mapping, OpenAPI) for Lambda and the local server alike."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server import bootstrap
from modelyard_server.handlers.auth import forget_sessions, token_verifier
from modelyard_server.handlers.not_modified import register_not_modified
from modelyard_server.handlers.problems import register_problem_handlers
from modelyard_server.handlers.query_parameters import refuse_unknown_query_parameters
from modelyard_server.handlers.request_json import parse_request_json
from modelyard_server.handlers.response_json import write_response_json
from modelyard_server.handlers.routes import (
    audit,
    compare,
    events,
    github_webhook,
    governance,
    lineage,
    meta,
    models,
    namespaces,
    notifications,
    pointers,
    reviews,
    roles,
    search,
    sessions,
    versions,
)
from modelyard_server.settings import get_settings
from modelyard_server.ui.routes import (
    assets,
    audit_pages,
    catalog,
    compare_page,
    incidents,
    model_page,
    sign_in,
    version_page,
)

# Every resolver (Lambda, ASGI, the OpenAPI generator) validates requests and reads JSON bodies the one strict way.
RESOLVER_OPTIONS: dict[str, Any] = {
    "enable_validation": True,
    "json_body_deserializer": parse_request_json,
    "serializer": write_response_json,
}


def forget_settings() -> None:
    """Drop every setting and client read from the environment, so the next request reads them again."""
    # Imported here, not at the top: a cold start needs none of them until a request reaches their code.
    from modelyard_server.adapters import bus, s3_blobs
    from modelyard_server.domain.stage_rules import github_app

    get_settings.cache_clear()
    token_verifier.cache_clear()
    forget_sessions()
    sign_in.web_flow.cache_clear()
    github_app.cache_clear()
    s3_blobs.reset_client()
    bus.reset_client()


def forget_configuration() -> None:
    """`forget_settings`, and build the backend anew from the environment on first use (tests)."""
    forget_settings()
    bootstrap.install()


def configure(app: ApiGatewayResolver) -> ApiGatewayResolver:
    """The API's routes and error mapping on `app`; the entry point installs the backend (bootstrap)."""
    for router in (
        meta.router,
        models.router,
        namespaces.router,
        versions.router,
        compare.router,
        lineage.router,
        search.router,
        pointers.router,
        reviews.router,
        events.router,
        audit.router,
        governance.router,
        notifications.router,
        roles.router,
        github_webhook.router,
        sessions.router,
        assets.router,
        catalog.router,
        model_page.router,
        version_page.router,
        compare_page.router,
        audit_pages.router,
        incidents.router,
        sign_in.router,
    ):
        app.include_router(router)
    register_problem_handlers(app)
    register_not_modified(app)
    app.use(middlewares=[refuse_unknown_query_parameters])

    # The documents are generated on request: building them is no part of a cold start.
    @app.get("/v1/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        from modelyard_server.handlers.api_docs import openapi_json

        return Response(status_code=200, content_type="application/json", body=openapi_json(app))

    @app.get("/v1/docs", include_in_schema=False)
    def swagger_ui(format: Annotated[str | None, Query(max_length=16)] = None) -> Response[str]:
        from modelyard_server.handlers.api_docs import swagger_page

        if format == "json":  # what the page's "Explore" box loads
            return openapi_document()
        return Response(status_code=200, content_type="text/html", body=swagger_page(app))

    return app
