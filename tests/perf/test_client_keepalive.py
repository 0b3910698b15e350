"""The SDK's JSON calls on kept-alive connections against a new connection per call, same server, same run.

The server is the local embedded registry as users start it (``python -m modelyard_local``, a child
process, so it does not share the client's interpreter). One client reads one version
(``Client.get_version``) over and over, first from one thread, then from several; rounds of the
two transports alternate so that a noisy neighbour slows both alike. Prints ops/s; asserts only
that every answer is the version asked for.
"""

from __future__ import annotations

import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.perf.bench_servers import ModelyardServer
from tests.perf.tables import format_table

CALLS = 300  # per round and thread
ROUNDS = 3
THREADS = 4


class OpenerPerCall:
    """The transport's connection handling before keep-alive: urllib's opener, which closes each connection."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener()

    def read(self, req: urllib.request.Request, timeout: float) -> bytes:
        with self._opener.open(req, timeout=timeout) as resp:
            return bytes(resp.read())

    def close(self) -> None:
        pass


def _client(server: ModelyardServer, token: str, keep_alive: bool) -> Any:
    from modelyard.client import Client

    client = Client(url=server.api_url, token=token, progress=False, env={})
    if not keep_alive:
        client._transport._opener = OpenerPerCall()  # the old code path, in the same process and run
    return client


def _ops_per_second(client: Any, threads: int) -> float:
    def reads(_: int) -> None:
        for _ in range(CALLS):
            assert client.get_version("bench", 1)["version"] == 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(reads, range(threads)))
    return threads * CALLS / (time.perf_counter() - started)


def test_get_version_per_second_with_and_without_keep_alive(tmp_path: Path) -> None:
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(b"\0" * 4096)
    with ModelyardServer(tmp_path).start() as server:
        token = server.owner_token()
        clients = {"new connection per call": _client(server, token, False), "kept alive": _client(server, token, True)}
        setup = clients["kept alive"]
        setup.create_model("bench")
        assert setup.register("bench", artifact)["version"] == 1
        figures: dict[tuple[str, int], list[float]] = {}
        for _ in range(ROUNDS):
            for threads in (1, THREADS):
                for label, client in clients.items():
                    figures.setdefault((label, threads), []).append(_ops_per_second(client, threads))
        for client in clients.values():
            client.close()

    rows = []
    for threads in (1, THREADS):
        before = statistics.median(figures[("new connection per call", threads)])
        after = statistics.median(figures[("kept alive", threads)])
        rows.append([threads, round(before), round(after), f"{after / before:.2f}x", f"{1000 / after * threads:.2f}"])
    print(
        format_table(
            f"Client.get_version against the local embedded registry (child process), median of {ROUNDS} rounds "
            f"of {CALLS} calls per thread",
            ["threads", "ops/s, new connection per call", "ops/s, kept alive", "speed-up", "ms per call, kept alive"],
            rows,
        )
    )
