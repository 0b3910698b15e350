"""Benchmark: the API's own cost on the read path, with the storage's time printed apart from it.

The Lambda resolver answers in this process (no HTTP), on each backend: the embedded one, and the
AWS one on moto. Every storage port call is timed (the query and the decoding of its items into
records, which the adapter does), so "server overhead" is the request's time minus the storage
port's: routing, request validation, token check, domain, answer validation and JSON. Targets (issue 10):
at most 10 ms for a page of 100 versions, 2 ms for one version. Prints figures; asserts only that
the answers were right.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from modelyard.client import Client
from modelyard.transport import RetryPolicy
from modelyard_local.stack import LocalStack
from modelyard_server import ports
from tests.perf.tables import format_table
from tests.support.api_events import LambdaContextStub, http_event

VERSIONS = 110
ROUNDS = int(os.environ.get("MODELYARD_BENCH_READ_ROUNDS", "") or "40")
STORES = ("models", "versions", "pointers", "events", "governance", "search")


class StorageClock:
    """Wraps every method of the backend's stores, adding up the seconds spent inside them."""

    def __init__(self, backend: ports.Backend, patch: pytest.MonkeyPatch) -> None:
        self.seconds = 0.0
        for store_name in STORES:
            store = getattr(backend, store_name)
            for name in dir(store):
                method = getattr(store, name)
                if not name.startswith("_") and callable(method):
                    patch.setattr(store, name, self._timed(method))

    def _timed(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


@pytest.fixture(scope="module", params=["sqlite", "moto"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    extra = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
    with LocalStack(port=0, issuer_port=0, moto_port=0, backend=request.param, extra_env=extra) as stack:
        client = Client(
            url=stack.api_url,
            token=stack.mint(repository="acme/models"),
            retry=RetryPolicy(attempts=2, timeout=30.0),
            progress=False,
            env={},
        )
        files = tmp_path_factory.mktemp("artifacts")
        for number in range(VERSIONS):
            path = files / f"m{number}.onnx"
            path.write_bytes(os.urandom(2048))
            client.register(
                "fraud", path, create_model=True, metrics={"accuracy": 0.9}, params={"depth": 5}, tags={"team": "risk"}
            )
        yield stack


Sample = tuple[float, float, float]  # seconds: overhead, storage, total


def _measure(stack: LocalStack, patch: pytest.MonkeyPatch, path: str, query: dict[str, str] | None) -> list[Sample]:
    from modelyard_server.handlers import api

    token = stack.mint(repository="acme/models")
    storage = StorageClock(ports.backend(), patch)
    context = LambdaContextStub()
    samples: list[Sample] = []
    for round_number in range(ROUNDS + 3):
        storage.seconds = 0.0
        started = time.perf_counter()
        answer = api.app.resolve(http_event("GET", path, token=token, query=query), context)
        total = time.perf_counter() - started
        assert answer["statusCode"] == 200, answer
        if round_number >= 3:  # warm: validators built, token remembered
            samples.append((total - storage.seconds, storage.seconds, total))
    return samples


def test_read_path_server_overhead_apart_from_storage(seeded: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = []
    requests: list[tuple[str, str, dict[str, str] | None]] = [
        ("a page of 100 versions", "/v1/models/fraud/versions", {"limit": "100"}),
        ("one version", "/v1/models/fraud/versions/7", None),
        ("the model with its stages and aliases", "/v1/models/fraud", None),
    ]
    for label, path, query in requests:
        samples = _measure(seeded, monkeypatch, path, query)
        overhead = statistics.median(s[0] for s in samples) * 1000
        storage = statistics.median(s[1] for s in samples) * 1000
        total = statistics.median(s[2] for s in samples) * 1000
        rows.append([label, f"{total:.2f}", f"{storage:.2f}", f"{overhead:.2f}"])
        monkeypatch.undo()
    title = (
        f"Read path on the {seeded.backend} backend, in-process resolver, median of {ROUNDS} warm requests "
        f"({VERSIONS} versions); overhead = total - storage"
    )
    print("\n" + format_table(title, ["request", "total ms", "storage port ms", "server overhead ms"], rows))
