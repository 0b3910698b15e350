"""Unknown query parameters are refused on every route, never ignored; so is a single-valued one given twice.

What a route accepts is what it declares: its handler's query parameters (a pydantic model's fields
count one by one), exactly what the OpenAPI document lists for it. A request naming anything else
is a 400 problem listing what the route accepts: a misspelt filter must not answer everything. Only
list parameters (`tag`, `metric`) may repeat: `model=a&model=b` would otherwise answer for one of them.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver, Route
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import BaseModel

from modelyard_server.handlers.problems import for_pages, problem

Operation = tuple[str, str]  # (method, OpenAPI path), as openapi_contract names operations


def _filter_models(route: Route) -> list[type[BaseModel]]:
    """The pydantic models among `route`'s query parameters (each of their fields is one parameter)."""
    annotations = [field.field_info.annotation for field in route.dependant.query_params]
    return [a for a in annotations if isinstance(a, type) and issubclass(a, BaseModel)]


def accepted_query_parameters(route: Route) -> list[str]:
    """The query parameter names `route` declares, in declaration order."""
    names: list[str] = []
    for field in route.dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += [info.alias or name for name, info in annotation.model_fields.items()]
        else:
            names.append(field.alias)
    return names


def _is_list(annotation: Any) -> bool:
    """`list[...]`, alone or in a union (`list[str] | None`)."""
    return get_origin(annotation) is list or any(get_origin(arm) is list for arm in get_args(annotation))


def repeatable_query_parameters(route: Route) -> list[str]:
    """The query parameters of `route` that take a list (may be given more than once), in declaration order."""
    names: list[str] = []
    for field in route.dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += [info.alias or name for name, info in annotation.model_fields.items() if _is_list(info.annotation)]
        elif _is_list(annotation):
            names.append(field.alias)
    return names


def _given_more_than_once(app: ApiGatewayResolver) -> set[str]:
    """Names the query string repeats: from the raw query (Lambda, payload v2) or the parsed lists (ASGI).

    powertools' validation writes each filter model's values back into the ASGI event's parsed lists under
    the model's own name (a dict): only lists are what the client sent."""
    event = app.current_event
    raw = event.get("rawQueryString")
    given = parse_qs(raw, keep_blank_values=True) if raw is not None else event.multi_value_query_string_parameters
    return {name for name, values in (given or {}).items() if isinstance(values, list) and len(values) > 1}


def routes_of(app: ApiGatewayResolver) -> list[Route]:
    """Every route of `app` (powertools keeps the list private; its OpenAPI generator reads it the same way)."""
    return [*app._static_routes, *app._dynamic_routes]


def _parameter_schema(field_schema: dict[str, Any]) -> dict[str, Any]:
    """A model field's JSON schema as one query parameter's: not null, the form rules on the strings."""
    form = {key: field_schema[key] for key in ("pattern", "enum") if key in field_schema}
    arms = [arm for arm in field_schema.get("anyOf", [field_schema]) if arm.get("type") != "null"]
    schema = {key: value for key, value in arms[0].items() if key not in ("title", "description", "default")}
    if schema.get("type") == "array":
        schema["items"] = {**schema.get("items", {"type": "string"}), **form}
    else:
        schema.update(form)
    return schema


def query_parameter_schemas(app: ApiGatewayResolver) -> dict[Operation, dict[str, dict[str, Any]]]:
    """Per operation, the schema of each query parameter that comes from a model's field.

    powertools documents those as bare strings; the document must show their limits, forms and
    repetition as the server applies them."""
    schemas: dict[Operation, dict[str, dict[str, Any]]] = {}
    for route in routes_of(app):
        for model in _filter_models(route):
            properties = model.model_json_schema(by_alias=True)["properties"]
            operation = (route.method.lower(), route.openapi_path)
            schemas.setdefault(operation, {}).update(
                {name: _parameter_schema(field_schema) for name, field_schema in properties.items()}
            )
    return schemas


def _declared_route(app: ApiGatewayResolver) -> Route | None:
    """The route the request reached, if the API declares it: a request no route takes reaches powertools'
    stand-in route for "not found", whose 404 or 405 says what is wrong before any query could."""
    route: Route | None = app.context.get("_route")
    return route if route is not None and any(route is declared for declared in routes_of(app)) else None


def unknown_query_parameters_problem(app: ApiGatewayResolver) -> Response[str] | None:
    """The 400 for a request naming query parameters its route does not declare; None when it names none."""
    route = _declared_route(app)
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


def repeated_query_parameters_problem(app: ApiGatewayResolver) -> Response[str] | None:
    """The 400 for a single-valued query parameter given more than once; None when there is none."""
    route = _declared_route(app)
    if route is None:
        return None
    repeated = sorted(_given_more_than_once(app) - set(repeatable_query_parameters(route)))
    if not repeated:
        return None
    named = ", ".join(repr(name[:64]) for name in repeated[:10])
    repeatable = repeatable_query_parameters(route)
    return problem(
        400,
        "repeated-query-parameter",
        "Query parameter given more than once",
        f"{named} may be given once on {route.method} {route.openapi_path}; "
        f"{'only ' + ', '.join(repeatable) + ' may repeat' if repeatable else 'no parameter may repeat'}",
        repeated=repeated[:50],
        accepted=accepted_query_parameters(route),
    )


def query_parameters_problem(app: ApiGatewayResolver) -> Response[str] | None:
    """The 400 for parameters the route does not take, or takes once but were repeated; None when all is well."""
    return unknown_query_parameters_problem(app) or repeated_query_parameters_problem(app)


def refuse_unknown_query_parameters(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response[str]:
    """Middleware (after powertools' validation, whose error handler asks the same question first)."""
    refusal = query_parameters_problem(app)
    return next_middleware(app) if refusal is None else for_pages(app, refusal)
