"""Every request body is a JSON object: an array is refused on every route that takes a body, before anything
else reads it. powertools would otherwise validate an array's first element as the body and drop the rest,
so `[{"name": "x"}, "anything"]` created model x."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from tests.support.api_events import LambdaContextStub, http_event
from tests.unit.test_query_parameters import concrete

from modelyard_server.handlers.query_parameters import routes_of
from modelyard_server.handlers.wiring import RESOLVER_OPTIONS, configure

APP = configure(APIGatewayHttpResolver(**RESOLVER_OPTIONS))
WITH_BODY = {f"{r.method} {r.path}": r for r in routes_of(APP) if r.dependant.body_params}


@pytest.mark.parametrize("key", sorted(WITH_BODY))
@pytest.mark.parametrize("body", ['[{}, "anything"]', '[{"name": "x", "verdict": "approve"}]', "[]", '"text"', "7"])
def test_a_body_that_is_not_a_json_object_is_refused(key: str, body: str) -> None:
    route = WITH_BODY[key]
    event = http_event(route.method, concrete(route), token="not-checked-before-the-body", raw_body=body)
    answer = APP.resolve(event, LambdaContextStub())
    problem = json.loads(answer["body"])
    assert (answer["statusCode"], problem["type"].rsplit("/", 1)[1]) == (422, "body-not-an-object"), problem
    assert "JSON object" in problem["detail"]
