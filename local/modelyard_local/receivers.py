"""Loopback HTTP receivers standing in for Slack, Teams and webhook endpoints (the true edges).

The tests script them (``fail_next``) to exercise retries; the release demo uses one as the
deployer's webhook endpoint.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next scripted (status, headers, body), then with `default`."""

    server: ThreadingHTTPServer
    default: tuple[int, dict[str, str], bytes]
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/hook"

    def fail_next(self, count: int, status: int = 503, headers: dict[str, str] | None = None) -> None:
        self.script.extend([(status, headers or {}, b"unavailable")] * count)

    def delivered(self) -> list[Received]:
        """The requests that were answered 2xx."""
        with self.lock:
            return [r for r, status in zip(self.received, self.answered, strict=True) if 200 <= status < 300]

    def wait_for(self, matches: Callable[[Received], bool], timeout: float) -> Received | None:
        """The first delivered request ``matches`` accepts, waiting up to ``timeout`` seconds for one."""
        deadline = time.monotonic() + timeout
        while (found := next(filter(matches, self.delivered()), None)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return found


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with receiver.lock:
                status, headers, answer = receiver.script.pop(0) if receiver.script else receiver.default
                receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                receiver.answered.append(status)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def start_receiver(status: int = 200, body: bytes = b"ok") -> Receiver:
    server = ThreadingHTTPServer((HOST, 0), BaseHTTPRequestHandler)
    receiver = Receiver(server, (status, {}, body))
    server.RequestHandlerClass = _handler(receiver)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return receiver


def stop_receivers(*receivers: Receiver) -> None:
    for receiver in receivers:
        receiver.server.shutdown()
        receiver.server.server_close()


def receivers(count: int) -> Iterator[list[Receiver]]:
    started = [start_receiver() for _ in range(count)]
    try:
        yield started
    finally:
        stop_receivers(*started)
