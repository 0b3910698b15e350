"""A path the API serves, asked with a method it does not serve there: 405 with `Allow`, not 404."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Registry


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/models/fraud", "GET, PATCH"),
        ("PUT", "/v1/health", "GET"),
        ("GET", "/v1/models/fraud/stages/production/promote", "POST"),
        ("PATCH", "/v1/models/marketing/churn/aliases/champion", "DELETE, GET, PUT"),
    ],
)
def test_a_method_the_path_does_not_take_is_405_naming_those_it_does(
    registry: Registry, method: str, path: str, allowed: str
) -> None:
    answer = registry.call(method, path, body={} if method in ("PUT", "PATCH", "POST") else None)
    assert answer.status == 405, answer
    assert answer.headers["Allow"] == allowed
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.body["status"] == 405 and allowed in answer.body["detail"]


def test_a_path_the_api_does_not_serve_is_still_404(registry: Registry) -> None:
    answer = registry.call("GET", "/v1/nothing-here")
    assert answer.status == 404 and answer.body["type"].endswith("no-such-route")


@pytest.mark.parametrize(
    ("method", "path"),
    [("PATCH", "/v1/models/marketing/churn/aliases/champion"), ("GET", "/v1/models/marketing/churn/nothing")],
)
def test_a_namespaced_path_is_quoted_back_as_it_was_sent(registry: Registry, method: str, path: str) -> None:
    """The routing joins a namespaced name's two segments internally; the answer names the path the caller sent."""
    answer = registry.call(method, path, body={} if method == "PATCH" else None)
    assert answer.status in (404, 405), answer
    assert f"{path} " in answer.body["detail"], answer.body["detail"]


def test_a_wrong_method_with_a_query_is_still_405_not_an_unknown_parameter(registry: Registry) -> None:
    """The query cannot be checked against a route that does not exist: the method is what is wrong."""
    answer = registry.call("DELETE", "/v1/models", query={"limit": "5"})
    assert answer.status == 405, answer
    assert answer.headers["Allow"] == "GET, POST"


def test_an_unknown_path_with_a_query_is_still_404(registry: Registry) -> None:
    answer = registry.call("GET", "/v1/nothing-here", query={"limit": "5"})
    assert answer.status == 404 and answer.body["type"].endswith("no-such-route"), answer
