"""Serve an ASGI app with uvicorn on 127.0.0.1 (a free port) in a thread, for the length of a test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from modelyard_local.ports import listen_on


@contextmanager
def serving(make_app: Callable[[str], Any]) -> Iterator[str]:
    """The base URL of `make_app(base_url)` served on a free loopback port (the app may need its own URL)."""
    sock = listen_on("api", "127.0.0.1", 0)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(make_app(base_url), lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "uvicorn exited during startup"
            assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
            time.sleep(0.01)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
