"""Loopback HTTP servers that stand in for the true edges: GitHub's OIDC endpoint, S3, the registry."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Seen], Answer]


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # the default 5 drops some of many simultaneous connects (a 1 s SYN retry)


class Loopback:
    """A threaded HTTP server on 127.0.0.1 whose answers come from ``handler``."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.seen: list[Seen] = []
        self.connections: list[tuple[str, int]] = []  # one entry per accepted connection
        self.scheme = "https" if tls else "http"
        owner = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def handle(self) -> None:
                owner.connections.append(self.client_address[:2])
                super().handle()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                owner.seen.append(seen)
                answer = owner.handler(seen)
                raw = answer.body
                headers = dict(answer.headers)
                if isinstance(raw, dict | list):
                    raw = json.dumps(raw).encode()
                    headers.setdefault("Content-Type", "application/json")
                self.send_response(answer.status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _serve

        self.server = _Server(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def __enter__(self) -> Loopback:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback() -> Iterator[Callable[[Handler], Loopback]]:
    """``loopback(handler)`` starts a server for the test; all are stopped afterwards."""
    started: list[Loopback] = []

    def start(handler: Handler) -> Loopback:
        server = Loopback(handler).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    host, port = listener.getsockname()
    yield f"http://{host}:{port}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GitHub or modelyard variables leak from the machine running the tests."""
    import os

    for key in list(os.environ):
        if key.startswith(("GITHUB_", "ACTIONS_", "MODELYARD_", "RUNNER_")):
            monkeypatch.delenv(key)


@pytest.fixture
def registry(loopback: Callable[[Handler], Loopback], clean_env: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fake registry (client_fakes.FakeRegistry) that the CLI's environment points at."""
    from client_fakes import FakeRegistry  # it imports this module

    fake = FakeRegistry()
    server = loopback(fake)
    fake.base_url = server.url
    monkeypatch.setenv("MODELYARD_URL", server.url)
    monkeypatch.setenv("MODELYARD_TOKEN", "test-token")
    monkeypatch.setenv("MODELYARD_MAX_ATTEMPTS", "2")
    return fake


@pytest.fixture
def answering(loopback: Callable[[Handler], Loopback], clean_env: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``answering(*pages)``: a registry the CLI's environment points at, answering every request with the
    next of ``pages`` (the last one again when they run out); it returns the list of requests seen."""

    def start(*pages: dict[str, Any]) -> list[Seen]:
        seen: list[Seen] = []

        def handler(request: Seen) -> Answer:
            seen.append(request)
            return Answer(200, pages[min(len(seen), len(pages)) - 1], {"Content-Type": "application/json"})

        server = loopback(handler)
        monkeypatch.setenv("MODELYARD_URL", server.url)
        monkeypatch.setenv("MODELYARD_TOKEN", "test-token")
        return seen

    return start
