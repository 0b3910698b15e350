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


PAGES_AT_IMPORT = """
import json, sys
__import__("modelyard_server.handlers.api")
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in ("jinja2", "markdown_it", "markupsafe"))))
"""


def test_the_api_loads_no_template_engine_until_a_page_is_asked_for() -> None:
    loaded = cold_start(PAGES_AT_IMPORT, POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true")

    assert loaded == []
