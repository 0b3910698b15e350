"""Unknown query parameters are refused on every route, never ignored.

What a route accepts is what it declares: its handler's query parameters (a pydantic model's fields
count one by one), exactly what the OpenAPI document lists for it. A request naming anything else
is a 400 problem listing what the route accepts: a misspelt filter must not answer everything.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver, Route
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import BaseModel

from modelyard_server.handlers.problems import problem

Operation = tuple[str, str]  # (method, OpenAPI path), as openapi_contract names operations


def _repeatable(annotation: Any) -> bool:
    return any(get_origin(arm) is list for arm in (annotation, *get_args(annotation)))


def declared_query_parameters(route: Route) -> dict[str, bool]:
    """The query parameters `route` declares, in declaration order: name -> whether it repeats."""
    declared: dict[str, bool] = {}
    for field in route.dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for name, info in annotation.model_fields.items():
                declared[info.alias or name] = _repeatable(info.annotation)
        else:
            declared[field.alias] = _repeatable(annotation)
    return declared


def accepted_query_parameters(route: Route) -> list[str]:
    return list(declared_query_parameters(route))


def routes_of(app: ApiGatewayResolver) -> list[Route]:
    """Every route of `app` (powertools keeps the list private; its OpenAPI generator reads it the same way)."""
    return [*app._static_routes, *app._dynamic_routes]


def repeatable_query_parameters(app: ApiGatewayResolver) -> dict[Operation, set[str]]:
    """Per operation, the query parameters that may be given more than once (the document says so)."""
    repeatable: dict[Operation, set[str]] = {}
    for route in routes_of(app):
        names = {name for name, repeats in declared_query_parameters(route).items() if repeats}
        if names:
            repeatable[(route.method.lower(), route.openapi_path)] = names
    return repeatable


def unknown_query_parameters_problem(app: ApiGatewayResolver) -> Response[str] | None:
    """The 400 for a request naming query parameters its route does not declare; None when it names none."""
    route: Route | None = app.context.get("_route")
    given = app.current_event.query_string_parameters or {}
    if route is None or not given:
        return None
    accepted = accepted_query_parameters(route)
    unknown = sorted(set(given) - set(accepted))
    if not unknown:
        return None
    named = ", ".join(repr(name[:64]) for name in unknown[:10])
    return problem(
        400,
        "unknown-query-parameter",
        "Unknown query parameter",
        f"{named} {'is' if len(unknown) == 1 else 'are'} not a parameter of {route.method} {route.openapi_path}; "
        f"it accepts: {', '.join(accepted) if accepted else 'none'}",
        unknown=unknown[:50],
        accepted=accepted,
    )


def refuse_unknown_query_parameters(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response[str]:
    """Middleware (after powertools' validation, whose error handler asks the same question first)."""
    return unknown_query_parameters_problem(app) or next_middleware(app)
