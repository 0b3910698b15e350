"""The API's OpenAPI document and its Swagger UI page, built when asked for (never at a cold start).

Generating the document needs powertools' OpenAPI models and the JSON schema of every route; the
Lambda imports this module only inside the two routes that serve them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from modelyard_server.handlers.openapi_contract import truthful
from modelyard_server.handlers.query_parameters import query_parameter_schemas

API_TITLE = "modelyard"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "A model registry for GitHub Actions: immutable numbered versions with digest-verified artifacts, "
    "lineage, stages, aliases and an audit trail. Every call carries a GitHub Actions (or other trusted) "
    "OIDC token as a bearer token."
)
OPENAPI_ARGS: dict[str, Any] = {
    "title": API_TITLE,
    "version": API_VERSION,
    "description": API_DESCRIPTION,
    "security_schemes": {"oidc": HTTPBearer(bearerFormat="JWT", description="An OIDC ID token (RS256)")},
    "security": [{"oidc": []}],
}
SWAGGER_UI_FILES = Path(swagger_ui.__file__).parent


def openapi_json(app: ApiGatewayResolver) -> str:
    """The document as served at /v1/openapi.json and written to docs/openapi.json."""
    schema = truthful(json.loads(app.get_openapi_json_schema(**OPENAPI_ARGS)), query_parameter_schemas(app))
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def swagger_page(app: ApiGatewayResolver) -> str:
    """Swagger UI (script and style inlined, as powertools serves it) showing the document above."""
    # "</" escaped so that no string in the document can close the page's <script> element.
    document = openapi_json(app).replace("</", "<\\/")
    script = (SWAGGER_UI_FILES / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    style = (SWAGGER_UI_FILES / "swagger-ui.min.css").read_text(encoding="utf-8")
    return generate_swagger_html(document, script, style, "", None)
