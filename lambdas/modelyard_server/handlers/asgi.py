"""The same API served by an ASGI server (uvicorn) for the local stack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aws_lambda_powertools.event_handler import HttpResolver

from modelyard_server.adapters import blobs
from modelyard_server.handlers.auth import token_verifier
from modelyard_server.handlers.limits import oversize_problem
from modelyard_server.handlers.wiring import configure
from modelyard_server.settings import get_settings

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class BodyLimit:
    """ASGI wrapper refusing bodies over the API's limit, as API Gateway + the Lambda entry point do."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

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

        await self.app(scope, replay_receive, send)


def create_app() -> BodyLimit:
    """A fresh app for the current environment (the local stack sets it just before calling this)."""
    get_settings.cache_clear()
    token_verifier.cache_clear()
    blobs.reset_client()
    resolver = configure(HttpResolver(enable_validation=True))
    return BodyLimit(resolver, get_settings().max_body_bytes)


__all__ = ["create_app"]
