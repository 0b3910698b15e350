"""The same API served by an ASGI server (uvicorn) for the local stack."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.event_handler import HttpResolver

from modelyard_server.handlers.limits import oversize_problem
from modelyard_server.handlers.wiring import configure, forget_configuration
from modelyard_server.settings import get_settings

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# powertools runs every sync middleware with asyncio.to_thread, and each one blocks its thread
# until the rest of the chain has answered: one request holds several default-executor threads
# at once. With the default pool (cpu count + 4) a few concurrent requests take every thread and
# each waits for one more: a deadlock. So the API gets its own pool and admits a bounded number
# of requests at a time (the route handlers run on the event loop anyway).
MAX_IN_FLIGHT = 4
EXECUTOR_WORKERS = 32


class BodyLimit:
    """ASGI wrapper refusing bodies over the API's limit, as API Gateway + the Lambda entry point do."""

    def __init__(self, app: Any, limit: int, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.app = app
        self.limit = limit
        self.max_in_flight = max_in_flight
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None

    def _admission(self) -> asyncio.Semaphore:
        """The request slots of the running loop (whose thread pool is set up on first use)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            pool = ThreadPoolExecutor(max_workers=EXECUTOR_WORKERS, thread_name_prefix="modelyard-api")
            loop.set_default_executor(pool)
            self._loop, self._slots = loop, asyncio.Semaphore(self.max_in_flight)
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= self.limit:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        problem = oversize_problem(size, self.limit)
        if problem is not None:
            body = problem["body"].encode()
            headers = [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        replay = b"".join(chunks)

        async def replay_receive() -> MutableMapping[str, Any]:
            return {"type": "http.request", "body": replay, "more_body": False}

        async with self._admission():
            await self.app(scope, replay_receive, send)


def create_app() -> BodyLimit:
    """A fresh app for the current environment (the local stack sets it just before calling this)."""
    forget_configuration()
    resolver = configure(HttpResolver(enable_validation=True))
    return BodyLimit(resolver, get_settings().max_body_bytes)


__all__ = ["create_app"]
