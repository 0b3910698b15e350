"""A cold start as a function pays it: the handler's import, then its first request, in CPU milliseconds.

A figure the import benchmark alone cannot give: whether a module left out of the import is only paid for by
the first request instead. Each request runs in fresh interpreters (median of ``RUNS``), the requests in turn
so load on the machine falls on all alike. None of them reaches storage (there is none here); the last row
builds the AWS backend (DynamoDB and S3 clients, no network), what a first request that reads or writes
the registry does before its first call. ``MODELYARD_BENCH_BEFORE`` (a folder holding another tree's
``modelyard_server``, e.g. ``git archive <commit> lambdas | tar -x -C /tmp/before``, then
``/tmp/before/lambdas``) adds that code's figures, run in the same rounds. Only the answers are asserted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
from typing import Any

from tests.perf.tables import format_table
from tests.support.api_events import LambdaContextStub, http_event

RUNS = 5
WEBHOOK_SECRET = "whsec-bench"
FIRST_REQUEST = """
import json, sys, time, types
handler, event, context = sys.argv[1], json.loads(sys.argv[2]), types.SimpleNamespace(**json.loads(sys.argv[3]))
started = time.process_time()
module = __import__("modelyard_server.handlers." + handler, fromlist=["lambda_handler"])
imported = time.process_time()
if event is None:  # the AWS backend, as the first request that reaches storage builds it
    from modelyard_server import bootstrap, settings
    bootstrap.build_backend(settings.get_settings())
    status = 0
else:
    status = module.lambda_handler(event, context)["statusCode"]
print(json.dumps([imported - started, time.process_time() - started, status]))
"""


def _ping() -> dict[str, Any]:
    body = json.dumps({"zen": "Design for failure."})
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": signature}
    return http_event("POST", "/v1/github/webhook", raw_body=body, headers=headers)


# (what, handler, event or None for the backend, the status it answers)
REQUESTS: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("api: GET /v1/versions?colour=red", "api", http_event("GET", "/v1/versions", query={"colour": "red"}), 400),
    ("api: GET /v1/models/fraud, no token", "api", http_event("GET", "/v1/models/fraud"), 401),
    ("api: POST /v1/models/fraud/versions, empty", "api", http_event("POST", "/v1/models/fraud/versions"), 422),
    ("api: GET /ui/sign-in (a page)", "api", http_event("GET", "/ui/sign-in"), 200),
    ("api: GET /ui/, signed out (to sign in)", "api", http_event("GET", "/ui/"), 303),
    ("gate: a signed ping", "gate", _ping(), 200),
    ("api: build the AWS backend", "api", None, 0),
]


def _env(code: str | None) -> dict[str, str]:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        MODELYARD_TABLE="modelyard-registry",
        MODELYARD_BUCKET="modelyard-artifacts",
        MODELYARD_GITHUB_WEBHOOK_SECRET=WEBHOOK_SECRET,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        POWERTOOLS_SERVICE_NAME="modelyard",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
    )
    if code is not None:
        env["PYTHONPATH"] = code
    return env


def _cold_request(handler: str, event: dict[str, Any] | None, code: str | None) -> tuple[float, float, int]:
    context = json.dumps(dataclasses.asdict(LambdaContextStub()))
    argv = [sys.executable, "-c", FIRST_REQUEST, handler, json.dumps(event), context]
    done = subprocess.run(argv, env=_env(code), capture_output=True, text=True, timeout=120, check=False, cwd="/")
    assert done.returncode == 0, done.stderr
    imported, total, status = json.loads(done.stdout.strip().splitlines()[-1])
    return imported, total, status


def test_import_and_first_request_cpu() -> None:
    trees: list[str | None] = [None]
    before = os.environ.get("MODELYARD_BENCH_BEFORE")
    if before:
        trees.insert(0, before)
    figures: dict[tuple[int, str | None], list[tuple[float, float]]] = {}
    for _ in range(RUNS):
        for index, (_, handler, event, expected) in enumerate(REQUESTS):
            for tree in trees:
                imported, total, status = _cold_request(handler, event, tree)
                assert status == expected, (REQUESTS[index][0], tree, status)
                figures.setdefault((index, tree), []).append((imported, total))

    def median_ms(index: int, tree: str | None) -> str:
        runs = figures[(index, tree)]
        imported = statistics.median(run[0] for run in runs)
        return f"{imported * 1000:.0f} / {statistics.median(run[1] for run in runs) * 1000:.0f}"

    headers = ["first request after a cold import", "status"]
    headers += ["before: import / + request (CPU ms)"] if before else []
    headers += ["import / + request (CPU ms)"]
    rows = [
        [what, expected or "-", *(median_ms(index, tree) for tree in trees)]
        for index, (what, _, _, expected) in enumerate(REQUESTS)
    ]
    title = f"Import, then the first request, CPU ms, median of {RUNS} fresh interpreters each, in turn"
    print(format_table(title + (f" (before: {before})" if before else ""), headers, rows))
