"""Each Lambda handler is traced with X-Ray when tracing is on, and loads no X-Ray code when it is off.

Each case imports the handler in a fresh interpreter, as a Lambda cold start does: what a handler
pays at import is decided by the environment it starts in.
"""

from __future__ import annotations

import pytest
from tests.support.cold_start import cold_start

HANDLERS = ("api", "gate", "events", "notify")
# "traced": one of the decorators around lambda_handler is powertools' Tracer.capture_lambda_handler.
REPORT = """
import json, sys
module = __import__("modelyard_server.handlers." + sys.argv[1], fromlist=["lambda_handler"])
layers, function = [], module.lambda_handler
while function is not None:
    layers.append(function.__code__.co_filename)
    function = getattr(function, "__wrapped__", None)
print(json.dumps({
    "xray_loaded": "aws_xray_sdk" in sys.modules,
    "traced": any(name.endswith("aws_lambda_powertools/tracing/tracer.py") for name in layers),
}))
"""


def _cold_start(handler: str, **environment: str) -> dict[str, bool]:
    report: dict[str, bool] = cold_start(REPORT, handler, **environment)
    return report


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_started_with_tracing_disabled_loads_no_xray_code(handler: str) -> None:
    report = _cold_start(handler, LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="true")
    assert report == {"xray_loaded": False, "traced": False}


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_started_outside_lambda_loads_no_xray_code(handler: str) -> None:
    assert _cold_start(handler) == {"xray_loaded": False, "traced": False}


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_started_in_lambda_with_tracing_on_is_traced(handler: str) -> None:
    assert _cold_start(handler, LAMBDA_TASK_ROOT="/var/task") == {"xray_loaded": True, "traced": True}
