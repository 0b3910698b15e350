"""The same API served by an ASGI server (uvicorn) for the local stack."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.event_handler import HttpResolver
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from modelyard_local.blob_transfers import AsgiApp, with_blob_transfers
from modelyard_server.handlers.head_requests import answered_as_get
from modelyard_server.handlers.limits import body_problem, oversize_problem, page_for_browsers, problem_answer
from modelyard_server.handlers.model_paths import route_path
from modelyard_server.handlers.wiring import RESOLVER_OPTIONS, configure, forget_settings
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


class StrictJsonHttpResolver(HttpResolver):
    """powertools' ASGI resolver reading JSON bodies as the Lambda resolver does (RESOLVER_OPTIONS).

    HttpResolver does not pass a json_body_deserializer on to its events, so this does (powertools is
    pinned; tests/e2e/test_http_raw.py fails if this stops taking effect).
    """

    def __init__(self, *, json_body_deserializer: Callable[[str], Any], **options: Any) -> None:
        super().__init__(**options)
        self._read_json = json_body_deserializer

    def _to_proxy_event(self, event: dict[str, Any]) -> BaseProxyEvent:
        proxy = super()._to_proxy_event(event)
        proxy._json_deserializer = self._read_json
        return proxy


def _undecodable(scope: Scope) -> str | None:
    """What powertools could not decode as UTF-8 (it would fail with a 500): a header or the query."""
    try:
        for name, value in scope.get("headers", []):
            name.decode("utf-8")
            value.decode("utf-8")
    except UnicodeDecodeError:
        return "a header"
    try:
        scope.get("query_string", b"").decode("utf-8")
    except UnicodeDecodeError:
        return "the query string"
    return None


def _headers_only(send: Send) -> Send:
    """`send` passing the answer's status and headers on, and none of its body (the answer to a HEAD)."""

    async def send_headers(message: MutableMapping[str, Any]) -> None:
        await send({**message, "body": b""} if message["type"] == "http.response.body" else message)

    return send_headers


class BodyLimit:
    """ASGI wrapper refusing what the Lambda entry point refuses before routing (see limits.py)."""

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

    def _refusal(self, scope: Scope, body: bytes, size: int) -> dict[str, Any] | None:
        path = str(scope.get("path", ""))
        accept = next((value for name, value in scope.get("headers", []) if name.lower() == b"accept"), b"")
        refusal = self._problem(scope, body, size, path)
        return None if refusal is None else page_for_browsers(refusal, path, accept.decode("latin-1"))

    def _problem(self, scope: Scope, body: bytes, size: int, path: str) -> dict[str, Any] | None:
        too_large = oversize_problem(size, self.limit)
        if too_large is not None:
            return too_large
        undecodable = _undecodable(scope)
        if undecodable is not None:
            return problem_answer(400, "malformed-request", "Malformed request", f"{undecodable} is not UTF-8")
        headers = {name.decode().lower(): value.decode() for name, value in scope.get("headers", [])}
        return body_problem(headers, body, self.limit, path)

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
        replay = b"".join(chunks)
        problem = self._refusal(scope, replay, size)
        if problem is not None:
            body = problem["body"].encode()
            headers = [(name.lower().encode(), str(value).encode()) for name, value in problem["headers"].items()]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": problem["statusCode"], "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def replay_receive() -> MutableMapping[str, Any]:
            return {"type": "http.request", "body": replay, "more_body": False}

        routed = {**scope, "path": route_path(scope["path"])}
        if answered_as_get(str(scope.get("method", "")), str(scope["path"])):  # a page's HEAD: its GET, no body
            routed["method"], send = "GET", _headers_only(send)
        async with self._admission():
            await self.app(routed, replay_receive, send)


def create_app() -> AsgiApp:
    """A fresh app for the current environment (the local stack sets it just before calling this).

    Artifact transfers (``/_blobs/``) bypass the body limit: they are streamed, not buffered.
    """
    forget_settings()  # the backend stays: the stack installed it, and it holds the data directory
    resolver = configure(StrictJsonHttpResolver(**RESOLVER_OPTIONS))
    return with_blob_transfers(BodyLimit(resolver, get_settings().max_body_bytes))


__all__ = ["create_app"]
