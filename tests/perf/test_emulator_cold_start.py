"""Cold start of each function of infra/template.yaml in the MiniStack emulator, beside test_import_time's figures.

A fresh stack is deployed so every function is cold; each is invoked once (cold: the emulator spawns
a worker, which imports the handler and builds its settings), then ``WARM_RUNS`` times more (warm).
"cold start (s)" is the first invocation's wall time less the warm median. The emulator runs the
workers as local processes on this machine's interpreter, so the figure is the import and init cost
of the bundle's code, not Lambda's (no sandbox, no download of the package). Runs with the deployed
tier's emulator: ``make bench`` or ``make test-deployed`` (it is marked ``deployed``). Nothing is
asserted but that each invocation succeeds.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from typing import Any

import pytest

from modelyard_local.aws_local import AwsLocal
from tests.deployed.conftest import aws  # noqa: F401 - the session's emulator
from tests.perf.tables import format_table

pytestmark = pytest.mark.deployed

WARM_RUNS = 3


def _http_event(method: str, path: str) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event with no credentials: answered 401 by either handler."""
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {path}",
            "stage": "$default",
        },
        "body": "{}",
        "isBase64Encoded": False,
    }


def _bus_event(event_type: str) -> dict[str, Any]:
    """A bus event about a model nobody routes: the notifier sends nothing, the verifier acknowledges it."""
    record = {"id": "cold-start", "type": event_type, "model": "cold-start", "at": "2026-01-01T00:00:00Z", "actor": "x"}
    return {"detail-type": event_type, "source": "modelyard", "detail": record}


# What each function is invoked with: the smallest event it handles, without failing, touching little.
EVENTS: dict[str, dict[str, Any]] = {
    "ApiFunction": _http_event("GET", "/v1/models"),
    "GateFunction": _http_event("POST", "/v1/github/webhook"),
    "EventsFunction": {  # a stream record of an item that is not an event: acknowledged and ignored
        "Records": [
            {
                "eventID": "1",
                "eventName": "MODIFY",
                "eventSource": "aws:dynamodb",
                "dynamodb": {"SequenceNumber": "1", "NewImage": {"kind": {"S": "version"}}},
            }
        ]
    },
    "NotifierFunction": _bus_event("model.created"),
    "VerifierFunction": _bus_event("model.created"),
}


def _invoke(lambda_client: Any, function_name: str, event: dict[str, Any]) -> float:
    started = time.perf_counter()
    answer = lambda_client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
    payload = answer["Payload"].read()
    elapsed = time.perf_counter() - started
    assert "FunctionError" not in answer, payload  # a failed invocation may respawn its worker: no warm figure
    return elapsed


def test_cold_start_per_function_in_the_emulator(aws: AwsLocal) -> None:  # noqa: F811
    deployment = aws.deploy_stack(f"cold-{uuid.uuid4().hex[:6]}")
    lambda_client = aws.client("lambda")
    rows = []
    for logical_id, event in EVENTS.items():
        name = deployment.functions[logical_id]
        cold = _invoke(lambda_client, name, event)
        warm = statistics.median(_invoke(lambda_client, name, event) for _ in range(WARM_RUNS))
        rows.append([logical_id, f"{cold:.2f}", f"{warm:.3f}", f"{cold - warm:.2f}"])
    print()
    print(
        format_table(
            "Cold start per function in MiniStack (local workers, this machine's interpreter)",
            ["function", "first invoke (s)", "warm median (s)", "cold start (s)"],
            rows,
        )
    )
