"""The committed OpenAPI document is the one the code generates, and the API serves it."""

from __future__ import annotations

import json
from pathlib import Path

from modelyard_server.handlers.openapi_document import generate
from tests.integration.conftest import Registry

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_matches_the_code() -> None:
    assert COMMITTED.read_text() == generate(), "docs/openapi.json is stale: run `make openapi` and commit it"


def test_openapi_is_3_1_and_covers_the_contract() -> None:
    document = json.loads(generate())
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    for path in (
        "/v1/models",
        "/v1/models/{name}/versions",
        "/v1/models/{name}/versions/{version}/complete",
        "/v1/models/{name}/stages/{stage}/promote",
        "/v1/models/{name}/aliases/{alias}",
        "/v1/models/{name}/events",
        "/v1/resolve",
    ):
        assert path in paths, path
    assert document["components"]["securitySchemes"]["oidc"]["scheme"] == "bearer"


def test_openapi_and_docs_are_served_without_a_token(registry: Registry) -> None:
    served = registry.call("GET", "/v1/openapi.json", token=None)
    assert served.status == 200
    assert served.body["info"]["title"] == "modelyard"
    docs = registry.call("GET", "/v1/docs", token=None)
    assert docs.status == 200
    assert "swagger" in docs.raw.lower()


def test_openapi_says_how_the_server_answers_and_who_needs_a_token() -> None:
    document = json.loads(generate())
    paths = document["paths"]
    assert paths["/v1/health"]["get"]["security"] == []
    assert paths["/v1/github/webhook"]["post"]["security"] == []
    assert "security" not in paths["/v1/models"]["get"]  # the API-wide bearer requirement applies
    create = paths["/v1/models"]["post"]["responses"]
    # 404: a new model `ns/x` whose namespace does not exist
    assert set(create) == {"201", "400", "401", "403", "404", "409", "413", "415", "422", "503", "507"}
    assert set(paths["/v1/health"]["get"]["responses"]) == {"200", "400"}  # health never touches storage
    for status in set(create) - {"201"}:
        assert list(create[status]["content"]) == ["application/problem+json"], status
    assert "HTTPValidationError" not in document["components"]["schemas"]
    threshold = document["components"]["schemas"]["Threshold"]
    assert {tuple(option["required"]) for option in threshold["anyOf"]} == {("min",), ("max",)}
    promote = document["components"]["schemas"]["PromoteRequest"]["properties"]["version"]["anyOf"]
    assert {"type": "integer", "minimum": 1, "maximum": 10**9} in promote
    tags = document["components"]["schemas"]["CreateModelRequest"]["properties"]["tags"]
    assert tags["additionalProperties"] is False


def test_swagger_ui_shows_the_document_the_api_serves(registry: Registry) -> None:
    docs = registry.call("GET", "/v1/docs", token=None)
    assert (docs.status, docs.headers.get("Content-Type")) == (200, "text/html")
    # the page embeds the served document (the one that says every error is a problem), no other
    assert "application/problem+json" in docs.raw
    assert "HTTPValidationError" not in docs.raw
    explored = registry.call("GET", "/v1/docs", token=None, query={"format": "json"})
    assert explored.body == registry.call("GET", "/v1/openapi.json", token=None).body
