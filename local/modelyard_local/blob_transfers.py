"""The local server's ``/_blobs/`` endpoint: the signed uploads and downloads of the file blob store.

The store decides (signature, expiry, size, digest, ranges); this moves bytes. Request bodies are
streamed: chunks are gathered into blocks of ``BLOCK`` bytes, each written (and hashed) on a worker
thread, so memory stays flat whatever the artifact's size and parallel parts hash on several cores.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from modelyard_server import ports
from modelyard_server.adapters.embedded.blob_transfers import Download, IncomingBytes
from modelyard_server.adapters.embedded.blob_urls import PREFIX, TransferRefused
from modelyard_server.adapters.embedded.file_blobs import FileBlobStore
from modelyard_server.handlers.problems import storage_problem
from modelyard_server.ports.records import StorageFull

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BLOCK = 1024 * 1024
# Read (and drop) a refused body up to this size, so the client sees the answer; past it the connection
# is closed instead: a refused (unsigned, expired) request cannot make the server read gigabytes.
DRAIN_LIMIT = 64 * 1024**2


class ClientGone(Exception):
    """The client closed the connection before its request body was all sent."""


async def _answer(send: Send, status: int, headers: dict[str, str], body: bytes = b"") -> None:
    fields = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    if "Content-Length" not in headers:
        fields.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": fields})
    await send({"type": "http.response.body", "body": body})


async def _problem(send: Send, refused: TransferRefused) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": refused.title, "status": refused.status, "detail": refused.detail}
    ).encode()
    await _answer(send, refused.status, {"Content-Type": "application/problem+json"}, body)


async def _storage_full(send: Send, full: StorageFull) -> None:
    document, headers = storage_problem(full)  # the API's own answer to a full disk
    body = json.dumps(document).encode()
    await _answer(send, document["status"], {**headers, "Content-Type": "application/problem+json"}, body)


async def _drain(receive: Receive, already: int = 0) -> None:
    """Read what is left of a refused request's body, so the client gets to read the refusal."""
    seen = already
    while seen <= DRAIN_LIMIT:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _receive_into(incoming: IncomingBytes, receive: Receive) -> None:
    """Feed the body to `incoming` a block at a time; the next block arrives while the last is written."""
    block: list[bytes] = []
    held = 0
    writing: asyncio.Future[None] | None = None
    more = True
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            if chunk:
                block.append(chunk)
                held += len(chunk)
            more = message.get("more_body", False)
            if held >= BLOCK or (not more and held):
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(asyncio.to_thread(incoming.write, b"".join(block)))
                block, held = [], 0
            if not more:
                break
        if writing is not None:
            await writing
    except (TransferRefused, StorageFull):
        if more:
            await _drain(receive, incoming.received)
        raise
    except BaseException:
        if writing is not None:
            await asyncio.wait([writing])  # never discard the file under a write still running
            if not writing.cancelled():
                writing.exception()  # retrieved: the error being raised is the one that matters
        raise


async def _upload(store: FileBlobStore, scope: Scope, receive: Receive, send: Send) -> None:
    try:
        incoming = store.receive(scope["method"], scope["path"], _query(scope), _headers(scope))
    except TransferRefused as refused:  # nothing read yet
        await _drain(receive)
        await _problem(send, refused)
        return
    except StorageFull as full:
        await _drain(receive)
        await _storage_full(send, full)
        return
    try:
        await _receive_into(incoming, receive)
        answer = await asyncio.to_thread(incoming.finish)
    except TransferRefused as refused:
        await asyncio.to_thread(incoming.discard)
        await _problem(send, refused)
        return
    except StorageFull as full:
        await asyncio.to_thread(incoming.discard)
        await _storage_full(send, full)
        return
    except ClientGone:
        await asyncio.to_thread(incoming.discard)
        return
    except BaseException:
        await asyncio.to_thread(incoming.discard)
        raise
    await _answer(send, 200, answer)


async def _download(store: FileBlobStore, scope: Scope, receive: Receive, send: Send) -> None:
    download: Download = store.open_download(scope["method"], scope["path"], _query(scope), _headers(scope))
    gone = asyncio.Event()

    async def watch_for_hang_up() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    watcher = asyncio.ensure_future(watch_for_hang_up())
    try:
        fields = [(name.lower().encode(), value.encode()) for name, value in download.headers.items()]
        await send({"type": "http.response.start", "status": download.status, "headers": fields})
        while not gone.is_set():  # the server drops what a departed client would not read
            data = await asyncio.to_thread(download.read, BLOCK)
            await send({"type": "http.response.body", "body": data, "more_body": bool(data)})
            if not data:
                return
    finally:
        watcher.cancel()
        download.close()


async def serve_transfer(store: FileBlobStore, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one ``/_blobs/`` request with `store`."""
    if scope["method"] == "PUT":
        await _upload(store, scope, receive, send)
        return
    try:
        await _download(store, scope, receive, send)
    except TransferRefused as refused:
        await _problem(send, refused)


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}


def _query(scope: Scope) -> str:
    return bytes(scope.get("query_string", b"")).decode("latin-1")


def _file_blob_store() -> FileBlobStore | None:
    try:
        store = ports.backend().blobs
    except RuntimeError:  # no backend installed: nothing serves /_blobs/
        return None
    return store if isinstance(store, FileBlobStore) else None


def with_blob_transfers(app: AsgiApp) -> AsgiApp:
    """`app`, with ``/_blobs/`` answered by the installed backend's file blob store (when it has one)."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(PREFIX):
            store = _file_blob_store()
            if store is not None:
                await serve_transfer(store, scope, receive, send)
                return
        await app(scope, receive, send)

    return route
