"""The SDK's JSON calls on kept-alive connections against a new connection per call, same server, same run.

The server is the local embedded registry as users start it (``python -m modelyard_local``, a child
process, so it does not share the client's interpreter). One client reads one version
(``Client.get_version``) over and over, first from one thread, then from several; rounds of the
transports alternate so that a noisy neighbour slows all alike. A bare ``http.client`` loop on a
kept-alive connection (no quick-ACK) shows what other keep-alive clients get from the local server.
Prints ops/s; asserts only that every answer is the version asked for.
"""

from __future__ import annotations

import http.client
import json
import ssl
import statistics
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.perf.bench_servers import ModelyardServer
from tests.perf.tables import format_table
from tests.support.certificates import self_signed_loopback

CALLS = 300  # per round and thread
ROUNDS = 3
THREADS = 4


class OpenerPerCall:
    """The transport's connection handling before keep-alive: urllib's opener, which closes each connection."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener()

    def read(self, req: urllib.request.Request, timeout: float, answer_headers: dict[str, str] | None = None) -> bytes:
        with self._opener.open(req, timeout=timeout) as resp:
            if answer_headers is not None:
                answer_headers.update({k.lower(): v for k, v in resp.headers.items()})
            return bytes(resp.read())

    def close(self) -> None:
        pass


class PlainKeepAlive:
    """A kept-alive ``http.client`` connection per thread with no quick-ACK: what other keep-alive clients see."""

    def __init__(self, url: str, token: str) -> None:
        self._host = urllib.parse.urlsplit(url).netloc
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []

    def get_version(self, name: str, version: int) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self._host, timeout=30)
            self._all.append(conn)
        conn.request("GET", f"/v1/models/{name}/versions/{version}", headers=self._headers)
        answer = conn.getresponse()
        return json.loads(answer.read())

    def close(self) -> None:
        for conn in self._all:
            conn.close()


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
        clients = {
            "new connection per call": _client(server, token, False),
            "kept alive": _client(server, token, True),
            "plain http.client kept alive": PlainKeepAlive(server.api_url, token),
        }
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
        plain = statistics.median(figures[("plain http.client kept alive", threads)])
        ms_per_call = 1000 / after * threads
        rows.append(
            [threads, round(before), round(after), f"{after / before:.2f}x", f"{ms_per_call:.2f}", round(plain)]
        )
    print(
        format_table(
            f"Client.get_version against the local embedded registry (child process), median of {ROUNDS} rounds "
            f"of {CALLS} calls per thread",
            [
                "threads",
                "ops/s, new connection per call",
                "ops/s, kept alive",
                "speed-up",
                "ms per call, kept alive",
                "ops/s, plain http.client kept alive",
            ],
            rows,
        )
    )


# -- over TLS: the handshake (and urllib's fresh SSL context) that every call paid before ----------------------


class _VersionOne(BaseHTTPRequestHandler):
    """Answers every GET with version 1, at once: the figure is the client's and the connection's cost."""

    protocol_version = "HTTP/1.1"
    body = json.dumps({"model": "bench", "version": 1}).encode()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_get_version_per_second_over_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelyard.client import Client

    cert_file, key_file = self_signed_loopback(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # what the default context trusts, as on a runner
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _VersionOne)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        clients = {
            "new": Client(url=url, token="t", progress=False, env={}),
            "kept": Client(url=url, token="t", env={}),
        }
        clients["new"]._transport._opener = OpenerPerCall()
        figures: dict[str, list[float]] = {}
        for _ in range(ROUNDS):
            for label, client in clients.items():
                figures.setdefault(label, []).append(_ops_per_second(client, 1))
        for client in clients.values():
            client.close()
    finally:
        server.shutdown()
        server.server_close()
    before, after = statistics.median(figures["new"]), statistics.median(figures["kept"])
    print(
        format_table(
            f"Client.get_version over TLS (loopback server answering at once), median of {ROUNDS} rounds of {CALLS}",
            ["ops/s, new connection per call", "ops/s, kept alive", "speed-up"],
            [[round(before), round(after), f"{after / before:.1f}x"]],
        )
    )
