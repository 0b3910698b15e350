"""Every route refuses query parameters it does not declare (400 naming what it accepts), before anything
else happens (even the token is not looked at). Malformed filters: tests/e2e/test_search_http.py.

The routes are read from the API itself, so a route added later is covered without an entry here.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, get_args, get_origin
from urllib.parse import quote, urlencode

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.api_gateway import Route
from tests.support.api_events import ApiResponse, LambdaContextStub, http_event

from modelyard_server.handlers.query_parameters import accepted_query_parameters, repeatable_query_parameters, routes_of
from modelyard_server.handlers.wiring import RESOLVER_OPTIONS, configure

APP = configure(APIGatewayHttpResolver(**RESOLVER_OPTIONS))
ROUTES = {f"{route.method} {route.path}": route for route in routes_of(APP)}
NUMERIC_PATH_PARAMETERS = {"version", "ref"}
# What each search route must accept: the parameters the API promises (docs/openapi.json says the same).
SEARCH_FILTERS = {
    "tag", "metric", "framework", "format", "status", "stage", "alias", "data_uri", "data_version",
    "data_digest", "commit", "workflow", "parent", "created_after", "created_before", "order_by", "order",
}  # fmt: skip


def call(method: str, path: str, query: dict[str, Any] | None = None) -> ApiResponse:
    """One request straight into the resolver; `query` values that are lists repeat the parameter."""
    event = http_event(method, path, token="not-checked-before-parameters")
    if query:
        event["rawQueryString"] = urlencode(query, doseq=True)
        event["queryStringParameters"] = {k: ",".join(v) if isinstance(v, list) else v for k, v in query.items()}
    answer = APP.resolve(event, LambdaContextStub())
    body = json.loads(answer["body"]) if answer.get("body") else None
    return ApiResponse(answer["statusCode"], answer.get("headers") or {}, body, answer.get("body") or "")


def concrete(route: Route) -> str:
    return re.sub(r"<(\w+)>", lambda m: "1" if m[1] in NUMERIC_PATH_PARAMETERS else "abc", route.path)


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_every_route_refuses_an_unknown_parameter_naming_what_it_accepts(key: str) -> None:
    route = ROUTES[key]
    answer = call(route.method, concrete(route), {"bogus_filter": "1"})
    assert answer.status == 400, answer.raw
    problem = answer.problem
    assert problem["type"].endswith("/unknown-query-parameter")
    assert problem["unknown"] == ["bogus_filter"]
    assert problem["accepted"] == accepted_query_parameters(route)
    assert "bogus_filter" in problem["detail"]


def test_the_search_routes_accept_every_promised_filter() -> None:
    assert set(accepted_query_parameters(ROUTES["GET /v1/versions"])) == SEARCH_FILTERS | {
        "model", "model_prefix", "limit", "next_token"
    }  # fmt: skip
    assert set(accepted_query_parameters(ROUTES["GET /v1/models/<name>/versions"])) == SEARCH_FILTERS | {
        "limit", "next_token"
    }  # fmt: skip
    assert accepted_query_parameters(ROUTES["GET /v1/models"]) == [
        "name_prefix",
        "tag",
        "owner",
        "stage",
        "limit",
        "next_token",
    ]


def test_an_unknown_parameter_is_named_even_next_to_an_invalid_one() -> None:
    answer = call("GET", "/v1/models", {"limit": "many", "team": "risk"})
    assert answer.status == 400
    assert answer.problem["unknown"] == ["team"]


def test_a_misspelt_filter_is_refused_not_ignored() -> None:
    answer = call("GET", "/v1/versions", {"tags": "team=risk"})
    assert answer.status == 400
    assert "tag" in answer.problem["accepted"]


def _single_valued(route: Route) -> list[str]:
    return [name for name in accepted_query_parameters(route) if name not in repeatable_query_parameters(route)]


SINGLE_VALUED = {key: names for key, route in ROUTES.items() if (names := _single_valued(route))}


@pytest.mark.parametrize("key", sorted(SINGLE_VALUED))
def test_a_single_valued_parameter_given_twice_is_refused_not_half_read(key: str) -> None:
    route = ROUTES[key]
    for name in SINGLE_VALUED[key]:
        answer = call(route.method, concrete(route), {name: ["1", "2"]})
        assert answer.status == 400, (name, answer.raw)
        problem = answer.problem
        assert problem["type"].endswith("/repeated-query-parameter")
        assert problem["repeated"] == [name]
        assert problem["accepted"] == accepted_query_parameters(route)
        assert name in problem["detail"]


def test_the_repeatable_parameters_are_the_search_lists() -> None:
    assert repeatable_query_parameters(ROUTES["GET /v1/versions"]) == ["tag", "metric"]
    assert repeatable_query_parameters(ROUTES["GET /v1/models"]) == ["tag"]
    assert call("GET", "/v1/models", {"tag": ["a=1", "b=2"], "name_prefix": "x"}).status == 401  # past parameters


def _integer_parameters(route: Route) -> list[tuple[str, str]]:
    """(where, name) of each integer query and path parameter `route` declares."""
    fields = [("query", f) for f in route.dependant.query_params] + [("path", f) for f in route.dependant.path_params]
    return [(where, field.alias) for where, field in fields if _without_metadata(field.field_info.annotation) is int]


def _without_metadata(annotation: Any) -> Any:
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


INTEGER_PARAMETERS = {key: found for key, route in ROUTES.items() if (found := _integer_parameters(route))}


def _refused_fields(route: Route, where: str, name: str, written: str) -> set[str]:
    """The fields a request naming `written` for that parameter is refused for (none when it got past validation)."""
    path, query = concrete(route), None
    if where == "query":
        query = {name: written}
    else:
        path = re.sub(rf"<{name}>", quote(written), route.path)
        path = re.sub(r"<(\w+)>", lambda m: "1" if m[1] in NUMERIC_PATH_PARAMETERS else "abc", path)
    answer = call(route.method, path, query)
    return {error["field"] for error in answer.problem["errors"]} if answer.status == 422 else set()


@pytest.mark.parametrize("key", sorted(INTEGER_PARAMETERS))
@pytest.mark.parametrize("written", ["1.0", "+5", "1_0", " 5", "5 ", "\u0665"])
def test_an_integer_parameter_is_digits_not_whatever_python_would_read_as_one(key: str, written: str) -> None:
    route = ROUTES[key]
    for where, name in INTEGER_PARAMETERS[key]:
        # the request's other parts (a required body or URI) may be missing: only this parameter's refusal counts
        other_refusals = _refused_fields(route, where, name, "5")
        assert _refused_fields(route, where, name, written) == other_refusals | {f"{where}.{name}"}, (name, written)
