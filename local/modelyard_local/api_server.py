"""The local stack's API: an ASGI app on uvicorn, in a thread, on a socket the stack reserved beforehand."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

AsgiApp = Callable[..., Any]
"""An ASGI application (``async def app(scope, receive, send)``)."""


class ApiServerFailed(RuntimeError):
    """The API server exited during startup, or did not start in time."""


class ApiServer:
    """`app` served on `sock` by uvicorn in a daemon thread; `start` returns once it accepts connections."""

    def __init__(
        self,
        app: AsgiApp,
        sock: socket.socket,
        host: str,
        *,
        log_level: str,
        log_config: dict[str, Any] | None,
        access_log: bool,
    ) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=int(sock.getsockname()[1]),
            lifespan="off",
            log_level=log_level,
            log_config=log_config,
            access_log=access_log,
            timeout_graceful_shutdown=2,  # Ctrl-C stops the whole stack within 5 s
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="modelyard-api", daemon=True
        )

    def start(self) -> ApiServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive():
                raise ApiServerFailed("the API server exited during startup")
            if time.monotonic() > deadline:
                raise ApiServerFailed("the API server did not start within 10 s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=3)
