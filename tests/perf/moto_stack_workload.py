"""One run of the registry workload against the moto stack; prints its figures as JSON (for test_moto_stack.py).

``python -m tests.perf.moto_stack_workload VERSIONS [--unpatched]``: a ``LocalStack(backend="moto")``
in this process, the SDK registering VERSIONS small versions one after the other, then setting an
alias and listing a page of 100 versions. ``--unpatched`` starts the stack with only the request lock
(moto's own transactions and instance tracking), as before the local stack patched them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

SET_ALIAS_OPS = 20
LIST_PAGE_OPS = 10
PAGE = 100


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _time_moto_actions(spent: dict[str, list[float]]) -> None:
    """Record the seconds moto's DynamoDB handler spends per action (inside the request lock)."""
    from moto.dynamodb.responses import DynamoHandler

    for action in ("transact_write_items", "query"):
        original = getattr(DynamoHandler, action)

        def timed(self: Any, _original: Callable[[Any], Any] = original, _action: str = action) -> Any:
            started = time.perf_counter()
            try:
                return _original(self)
            finally:
                spent[_action].append(time.perf_counter() - started)

        setattr(DynamoHandler, action, timed)


def main(versions: int, unpatched: bool) -> dict[str, Any]:
    from modelyard.client import Client
    from modelyard.transport import RetryPolicy
    from modelyard_local import moto_patches
    from modelyard_local.moto_atomic import make_moto_dynamodb_atomic
    from modelyard_local.stack import LocalStack

    if unpatched:
        moto_patches.patch_moto_dynamodb = make_moto_dynamodb_atomic  # what the stack applied before
    spent: dict[str, list[float]] = defaultdict(list)
    _time_moto_actions(spent)
    with LocalStack(port=0, issuer_port=0, moto_port=0, backend="moto") as stack:
        idle_rss = _rss_mib()
        client = Client(
            url=stack.api_url,
            token=stack.mint(repository="acme/models"),
            retry=RetryPolicy(attempts=1, base_delay=0.05, timeout=120.0),
            progress=False,
            env={},
        )
        artifact = Path(tempfile.mkdtemp(prefix="modelyard-bench-")) / "model.bin"
        artifact.write_bytes(b"warm-up")
        client.register("warm-up", artifact, create_model=True)  # first-request costs out of the timings
        client.create_model("bench")
        register_seconds = []
        for _ in range(versions):
            artifact.write_bytes(os.urandom(64))
            started = time.perf_counter()
            client.register("bench", artifact)
            register_seconds.append(time.perf_counter() - started)
        registered_tx = len(spent["transact_write_items"])
        rss_after_register = _rss_mib()

        started = time.perf_counter()
        for number in range(SET_ALIAS_OPS):
            client.set_alias("bench", "champion", number + 1)
        set_alias_seconds = time.perf_counter() - started

        queries_before = len(spent["query"])
        started = time.perf_counter()
        for _ in range(LIST_PAGE_OPS):
            page = client._request("GET", "/v1/models/bench/versions", query={"limit": PAGE})
            assert len(page["items"]) == min(PAGE, versions)
        list_seconds = time.perf_counter() - started
        list_queries = spent["query"][queries_before:]

        tenth = max(1, versions // 10)
        return {
            "versions": versions,
            "register_ops_per_s": versions / sum(register_seconds),
            "register_first_tenth_ms": 1000 * sum(register_seconds[:tenth]) / tenth,
            "register_last_tenth_ms": 1000 * sum(register_seconds[-tenth:]) / tenth,
            "transact_ms_last": 1000 * sum(spent["transact_write_items"][registered_tx - 10 : registered_tx]) / 10,
            "set_alias_ops_per_s": SET_ALIAS_OPS / set_alias_seconds,
            "list_page_ops_per_s": LIST_PAGE_OPS / list_seconds,
            "query_ms_per_page": 1000 * sum(list_queries) / LIST_PAGE_OPS,
            "rss_idle_mib": idle_rss,
            "rss_registered_mib": rss_after_register,
            "rss_end_mib": _rss_mib(),
        }


if __name__ == "__main__":
    figures = main(int(sys.argv[1]), "--unpatched" in sys.argv[2:])
    print(json.dumps(figures), flush=True)
    os._exit(0)  # the stack is stopped; skip tearing down moto's objects
