"""Every place the MiniStack emulator differs from AWS in a way the deployed-shape tier must work around.

Keep this module the only one: each function here names the gap it closes and why closing it by
hand does not hide a defect of the template. When MiniStack closes a gap, delete its function.

1. HTTP API routes. SAM turns each function's ``HttpApi`` events into an OpenAPI document in the
   ``AWS::ApiGatewayV2::Api`` resource's ``Body``; MiniStack's CloudFormation creates the API but
   ignores ``Body``, so the API comes up without integrations or routes. :func:`add_http_api_routes`
   adds one Lambda proxy integration (payload 2.0, as SAM makes) per function and one route per event,
   read from the template itself: a route the template does not declare is not added, and an event
   pointing at the wrong function reaches the wrong function here as on AWS.
2. The API's address. On AWS it is ``https://{id}.execute-api.{region}.amazonaws.com``; MiniStack
   answers the same API at ``http://127.0.0.1:{port}/_aws/execute-api/{id}`` (its host-based form
   needs ``*.localhost`` names to resolve, which not every resolver does). :func:`execute_api_url`.
3. Not closed here, checked elsewhere: MiniStack runs a Python function with its own interpreter, whose
   site-packages (pydantic, boto3, yaml, ...) the function can import, so a dependency missing from
   the bundle would go unnoticed. The tier imports every handler from the bundle alone
   (tests/deployed/test_release.py); MiniStack's own virtualenv holds none of the project's packages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelyard_local.aws_deploy import Deployment

_API_ID = re.compile(r"https://(?P<id>[^.]+)\.execute-api\.")


def execute_api_url(endpoint: str, aws_api_url: str) -> str:
    """The emulator's address for the API the template's ``ApiUrl`` output names."""
    match = _API_ID.match(aws_api_url)
    if match is None:
        raise ValueError(f"not an execute-api URL: {aws_api_url}")
    return f"{endpoint}/_aws/execute-api/{match['id']}"


def _http_api_events(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(function logical id, method, path) of every ``HttpApi`` event in the template."""
    events = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                properties = event["Properties"]
                events.append((logical_id, properties["Method"].upper(), properties["Path"]))
    return events


def add_http_api_routes(deployment: Deployment, client: Callable[[str, str], Any]) -> None:
    """Gap 1: the routes SAM's OpenAPI ``Body`` would have made."""
    api_id = _API_ID.match(deployment.outputs["ApiUrl"])["id"]  # type: ignore[index]
    apigateway = client("apigatewayv2", deployment.endpoint)
    lambda_client = client("lambda", deployment.endpoint)
    existing = {route["RouteKey"] for route in apigateway.get_routes(ApiId=api_id)["Items"]}
    integrations: dict[str, str] = {}
    for logical_id, method, path in _http_api_events(deployment.template):
        route_key = f"{method} {path}"
        if route_key in existing:
            continue
        if logical_id not in integrations:
            function_arn = lambda_client.get_function(FunctionName=deployment.functions[logical_id])["Configuration"][
                "FunctionArn"
            ]
            integrations[logical_id] = apigateway.create_integration(
                ApiId=api_id,
                IntegrationType="AWS_PROXY",
                IntegrationUri=function_arn,
                PayloadFormatVersion="2.0",
            )["IntegrationId"]
        apigateway.create_route(ApiId=api_id, RouteKey=route_key, Target=f"integrations/{integrations[logical_id]}")


def apply_workarounds(deployment: Deployment, client: Callable[[str, str], Any]) -> None:
    add_http_api_routes(deployment, client)
