"""What a Lambda cold start loads: a handler's import defines no route's models or use cases, and the first
request loads those of the route it reaches, and only those (tests/perf/test_import_time.py prints the cost).

Each case starts a fresh interpreter, as a cold start does.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from tests.support.api_events import LambdaContextStub, http_event
from tests.support.cold_start import cold_start

COLD_START = """
import json, sys, types
context = types.SimpleNamespace(**json.loads(sys.argv[3])) if len(sys.argv) > 3 else None
loaded = lambda: sorted(name for name in sys.modules if name.startswith(("modelyard_server.domain", "pydantic.main")))
module = __import__("modelyard_server.handlers." + sys.argv[1], fromlist=["lambda_handler"])
at_import = loaded()
answer = module.lambda_handler(json.loads(sys.argv[2]), context) if len(sys.argv) > 2 else None
print(json.dumps({"at_import": at_import, "after_request": loaded(), "answer": answer}))
"""
USE_CASES = (
    "record_fields",
    "model_records",
    "version_records",
    "pointer_records",
    "upload_records",
    "audit_records",
    "catalog",
    "versions",
    "pointers",
    "policies",
    "notification_config",
    "notices",
    "search",
    "comparison",
)


def _cold_start(handler: str, event: dict[str, Any] | None = None) -> dict[str, Any]:
    request = [json.dumps(event), json.dumps(dataclasses.asdict(LambdaContextStub()))] if event is not None else []
    report: dict[str, Any] = cold_start(
        COLD_START, handler, *request, POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true"
    )
    return report


def _domain(names: list[str]) -> set[str]:
    return {name.removeprefix("modelyard_server.domain.") for name in names}


def test_the_api_defines_no_routes_models_until_a_request_reaches_one() -> None:
    event = http_event("GET", "/v1/versions", query={"colour": "red"})
    report = _cold_start("api", event)

    assert not _domain(report["at_import"]) & set(USE_CASES)
    answer = report["answer"]
    assert answer["statusCode"] == 400  # the route's parameters were read from its (deferred) filter model
    assert "model_prefix" in json.loads(answer["body"])["accepted"]
    assert "search_params" in _domain(report["after_request"])
    assert not _domain(report["after_request"]) & {"pointers", "policies", "notification_config", "comparison"}


def test_the_gate_and_the_events_consumer_define_no_registry_model_at_import() -> None:
    assert not _domain(_cold_start("gate")["at_import"]) & set(USE_CASES)
    assert _cold_start("events")["at_import"] == []  # not even pydantic's model machinery


LOADED_AT_IMPORT = """
import json, sys
__import__("modelyard_server.handlers." + sys.argv[1])
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[2:]))))
"""
PAGE_MACHINERY = ("jinja2", "markdown_it", "markupsafe")


def _loaded_at_import(handler: str, *packages: str) -> list[str]:
    loaded: list[str] = cold_start(
        LOADED_AT_IMPORT, handler, *packages, POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true"
    )
    return loaded


def test_the_api_loads_no_template_engine_until_a_page_is_asked_for() -> None:
    assert _loaded_at_import("api", *PAGE_MACHINERY) == []


FIRST_REQUEST = """
import json, sys, types
watched = json.loads(sys.argv[3])
module = __import__("modelyard_server.handlers." + sys.argv[1], fromlist=["lambda_handler"])
answer = module.lambda_handler(json.loads(sys.argv[2]), types.SimpleNamespace(**json.loads(sys.argv[4])))
print(json.dumps({"answer": answer, "loaded": [name for name in watched if name in sys.modules]}))
"""
REGISTRY_MODELS = (
    "modelyard_server.domain.model_records",
    "modelyard_server.domain.version_records",
    "modelyard_server.domain.pointer_records",
    "modelyard_server.domain.access",
)


def _first_request(event: dict[str, Any], *watched: str) -> tuple[dict[str, Any], list[str]]:
    """The API's answer to `event` as the first request after a cold start, and which of `watched` it loaded."""
    context = json.dumps(dataclasses.asdict(LambdaContextStub()))
    report: dict[str, Any] = cold_start(
        FIRST_REQUEST,
        "api",
        json.dumps(event),
        json.dumps(watched),
        context,
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
    )
    return report["answer"], report["loaded"]


def test_a_signed_out_visitor_is_sent_to_sign_in_without_loading_the_template_engine() -> None:
    answer, loaded = _first_request(http_event("GET", "/ui/"), *PAGE_MACHINERY, *REGISTRY_MODELS)

    assert answer["statusCode"] == 303
    assert answer["headers"]["Location"] == "/ui/sign-in?next=%2Fui%2F"
    assert loaded == []


def test_the_sign_in_page_loads_neither_the_markdown_parser_nor_the_registrys_models() -> None:
    answer, loaded = _first_request(http_event("GET", "/ui/sign-in"), "markdown_it", *REGISTRY_MODELS)

    assert answer["statusCode"] == 200
    assert "Sign in" in answer["body"]
    assert loaded == []


def test_the_api_and_the_gate_load_no_aws_sdk_until_a_request_reaches_aws() -> None:
    # boto3 is about a third of a cold start: the backend (built on first use) and the webhook's secret load it
    assert _loaded_at_import("api", "boto3") == []
    assert _loaded_at_import("gate", "boto3") == []
