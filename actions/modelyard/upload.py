"""Carrying an artifact's bytes to storage, as the registry's ``UploadPlan`` says.

* ``none``      — the registry already has these bytes;
* ``put``       — one streamed ``PUT`` of the whole file;
* ``multipart`` — parts ``[(n-1)*part_size, n*part_size)`` streamed in parallel from their
  offsets, each retried a few times, ETags collected in part order.

Bodies are read in small blocks straight from the file: memory does not grow with the
artifact's size.
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from email.message import Message
from pathlib import Path
from typing import Any

from modelyard.connections import ConnectionPool
from modelyard.errors import ClientError
from modelyard.progress import Progress
from modelyard.transport import (
    CONNECTION_ERRORS,
    RETRY_STATUSES,
    USER_AGENT,
    RetryableFailure,
    RetryPolicy,
    call_with_retries,
    describe_failure,
    parse_retry_after,
)
from modelyard.version import __version__

# Parts in flight at once, as boto3's TransferConfig sends them: against one moto server on 2 cores, 10
# workers moved the part phase 15-25 % faster than 4 (tests/perf/README.md); memory stays flat (see below).
DEFAULT_WORKERS = 10
PART_ATTEMPTS = 3
# Blocks of this size go to the socket (and to the progress line) at a time: large enough that the
# per-block Python cost vanishes, small enough that 10 workers hold a few MiB between them (over plain
# HTTP no block is read at all: the kernel sends the file).
SEND_BLOCK = 1024 * 1024


class FileSlice:
    """A read-only file object over ``length`` bytes of a file starting at ``offset``.

    ``on_read`` hears of every byte handed out, and of bytes taken back (a negative count) when
    the slice starts over.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        offset: int,
        length: int,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._offset = offset
        self._file.seek(offset)
        self.length = length
        self._remaining = length
        self._on_read = on_read

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        want = self._remaining if size is None or size < 0 else min(size, self._remaining)
        data = self._file.read(min(want, SEND_BLOCK))
        if not data:
            raise _shrank()
        self._handed_out(len(data))
        return data

    def send_over(self, sock: socket.socket) -> None:
        """Write the whole slice onto ``sock``, from its first byte (see ``connections.StreamedBody``).

        On a plain socket the kernel copies file to socket (``sendfile``): no bytes pass through
        Python. TLS has to encrypt in user space, so there it is read and sent a block at a time.
        """
        self._rewind()
        if isinstance(sock, ssl.SSLSocket) or not hasattr(os, "sendfile"):
            while chunk := self.read(SEND_BLOCK):
                sock.sendall(chunk)
            return
        while self._remaining > 0:
            want = min(SEND_BLOCK, self._remaining)
            sent = sock.sendfile(self._file, self._offset + self.length - self._remaining, want)
            if sent < want:
                raise _shrank()
            self._handed_out(sent)

    def _handed_out(self, count: int) -> None:
        self._remaining -= count
        if self._on_read is not None:
            self._on_read(count)

    def _rewind(self) -> None:
        if self._remaining != self.length:
            self._handed_out(-(self.length - self._remaining))
        self._file.seek(self._offset)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> FileSlice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _shrank() -> ClientError:
    return ClientError("the artifact file shrank while it was being uploaded; do not modify it mid-upload")


# Storage connections kept alive per upload thread, so each worker pays one connection setup (one
# TLS handshake) for all its parts, not one per part.
_STORAGE = ConnectionPool()


def _put(url: str, body: FileSlice, headers: dict[str, str], timeout: float) -> tuple[int, Message, bytes]:
    """PUT ``body``: (status, headers, answer), whatever the status; connection failures raise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("http", "https") and not _proxied(parts.scheme, parts.hostname):
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        exchanged = _STORAGE.exchange("PUT", parts.scheme, parts.netloc, target, body, headers, timeout)
        return exchanged.status, exchanged.headers, exchanged.body
    # through a proxy: urllib's handlers know how to reach it
    req = urllib.request.Request(url, data=body, method="PUT", headers=headers)  # noqa: S310 - presigned URL
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        try:
            answer = exc.read()
        except CONNECTION_ERRORS:
            answer = b""
        return exc.code, exc.headers, answer


def _proxied(scheme: str, host: str | None) -> bool:
    return scheme in urllib.request.getproxies() and not (host and urllib.request.proxy_bypass(host))


def _one_of_each(*layers: Mapping[str, str]) -> dict[str, str]:
    """Headers merged case-insensitively, later layers winning (a plan's ``content-type`` replaces ours)."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, str(value))
    return dict(merged.values())


def _storage_error(status: int, body: bytes) -> str:
    """S3 answers errors in XML (keep its Code and Message); the embedded registry in problem JSON (title, detail)."""
    text = body.decode("utf-8", "replace")
    code = re.search(r"<Code>(.*?)</Code>", text)
    message = re.search(r"<Message>(.*?)</Message>", text)
    found = ": ".join(m.group(1) for m in (code, message) if m) or _problem_reason(text)
    return f"HTTP {status}" + (f" {found}" if found else "")


def _problem_reason(text: str) -> str:
    try:
        problem = json.loads(text)
    except ValueError:
        return ""
    if not isinstance(problem, dict):
        return ""
    return ": ".join(str(problem[field]) for field in ("title", "detail") if isinstance(problem.get(field), str))


def put_bytes(
    url: str,
    path: str | os.PathLike[str],
    offset: int,
    length: int,
    *,
    headers: Mapping[str, str] | None = None,
    policy: RetryPolicy,
    progress: Progress | None = None,
    what: str = "upload",
) -> str:
    """PUT ``length`` bytes of ``path`` from ``offset`` to ``url``; return the answer's ETag."""

    def attempt() -> str:
        sent = 0

        def count(n: int) -> None:
            nonlocal sent
            sent += n
            if progress is not None:
                progress.update(n)

        def undo() -> None:
            if progress is not None and sent:
                progress.update(-sent)

        sent_headers = _one_of_each(
            {"User-Agent": USER_AGENT, "Content-Type": "application/octet-stream"},
            headers or {},
            {"Content-Length": str(length)},
        )
        with FileSlice(path, offset, length, count) as body:
            try:
                status, answer_headers, answer = _put(url, body, sent_headers, policy.timeout)
            except CONNECTION_ERRORS as exc:
                undo()
                raise RetryableFailure(describe_failure(exc, policy.timeout)) from None
        if 200 <= status < 300:
            return str(answer_headers.get("ETag") or "")
        undo()
        reason = _storage_error(status, answer)
        if status in RETRY_STATUSES or status >= 500:
            retry_after = parse_retry_after(answer_headers.get("Retry-After") if answer_headers else None)
            raise RetryableFailure(reason, retry_after)
        hint = " (the presigned URL may have expired; register again)" if status == 403 else ""
        raise ClientError(f"storage rejected the {what}: {reason}{hint}")

    return call_with_retries(attempt, policy=policy, url=url)


PartsPager = Callable[[int], Mapping[str, Any]]


def _page_parts(page: Mapping[str, Any], expected_first: int, last: int) -> list[tuple[int, str]]:
    """The (number, url) pairs of one page, which must continue exactly where the last page ended."""
    raw_parts = page.get("parts")
    if not isinstance(raw_parts, list) or not raw_parts:
        raise ClientError("the registry sent a multipart page without parts; is it a modelyard registry?")
    parts: list[tuple[int, str]] = []
    for item in raw_parts:
        if not isinstance(item, dict) or not isinstance(item.get("part_number"), int) or not item.get("url"):
            raise ClientError("the registry sent a malformed multipart part (need part_number and url)")
        parts.append((int(item["part_number"]), str(item["url"])))
    parts.sort()
    numbers = [n for n, _ in parts]
    if numbers != list(range(expected_first, expected_first + len(parts))) or numbers[-1] > last:
        raise ClientError(
            f"the registry's multipart plan skips or repeats parts (expected part {expected_first} next, "
            f"got {numbers[0]}..{numbers[-1]} of {last}); register again"
        )
    return parts


def _part_pages(plan: Mapping[str, Any], size: int, more_parts: PartsPager | None) -> Iterator[list[tuple[int, str]]]:
    """The plan's part URLs page by page: the first page is in the plan, the rest is asked for as needed."""
    part_size = plan["part_size"]
    expected = max(1, -(-size // part_size))
    count = plan.get("part_count", expected)
    if count != expected:
        raise ClientError(
            f"the registry's multipart plan has {count} parts of {part_size} bytes, "
            f"but {size} bytes need {expected}; register again"
        )
    page: Mapping[str, Any] = plan
    next_number = 1
    while True:
        parts = _page_parts(page, next_number, expected)
        last_page = page.get("next_part") is None
        if last_page and parts[-1][0] != expected:
            raise ClientError(
                f"the registry's multipart plan has {parts[-1][0]} parts of {part_size} bytes, "
                f"but {size} bytes need {expected}; register again"
            )
        yield parts
        if last_page:
            return
        if more_parts is None:
            raise ClientError("the registry's plan has more parts than it sent, and no way to ask for them was given")
        next_number = parts[-1][0] + 1
        page = more_parts(next_number)


def _settle(pending: set[Future[None]], keep: int) -> set[Future[None]]:
    """Wait until at most ``keep`` of ``pending`` are unfinished; the first failure is raised at once."""
    while len(pending) > keep:
        done, pending = wait(pending, return_when=FIRST_EXCEPTION if keep == 0 else FIRST_COMPLETED)
        for future in done:
            error = future.exception()
            if error is not None:
                raise error
    return pending


def upload_multipart(
    path: str | os.PathLike[str],
    size: int,
    plan: Mapping[str, Any],
    *,
    workers: int | None = None,
    policy: RetryPolicy,
    progress: Progress | None = None,
    more_parts: PartsPager | None = None,
) -> list[dict[str, Any]]:
    """Upload every part in parallel, a page of part URLs at a time; return ``[{part_number, etag}]`` in order.

    ``more_parts(first)`` answers the registry's next page of part URLs starting at part ``first``;
    ``workers`` parts go at once (default ``DEFAULT_WORKERS``).
    """
    workers = DEFAULT_WORKERS if workers is None else max(1, workers)
    part_size = plan.get("part_size")
    if not isinstance(part_size, int) or part_size <= 0:
        raise ClientError("the registry sent a multipart upload plan without part_size; is it a modelyard registry?")
    etags: dict[int, str] = {}
    lock = threading.Lock()

    def send(number: int, url: str) -> None:
        offset = (number - 1) * part_size
        length = min(part_size, size - offset)
        etag = put_bytes(url, path, offset, length, policy=policy, progress=progress, what=f"part {number}")
        if not etag:
            raise ClientError(
                f"storage accepted part {number} but sent no ETag header; "
                "if a proxy or CORS rule strips it, expose the ETag header"
            )
        with lock:
            etags[number] = etag

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="modelyard-part")
    pending: set[Future[None]] = set()
    try:
        for parts in _part_pages(plan, size, more_parts):
            pending.update(pool.submit(send, number, url) for number, url in parts)
            # ask for the next page while the workers still have parts of this one: they never idle
            pending = _settle(pending, keep=workers)
        _settle(pending, keep=0)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _STORAGE.close_orphans()  # the workers' connections: their threads have ended
    return [{"part_number": number, "etag": etags[number]} for number in sorted(etags)]


def execute_plan(
    path: Path,
    size: int,
    plan: Mapping[str, Any],
    *,
    workers: int | None = None,
    policy: RetryPolicy | None = None,
    progress: Progress | None = None,
    more_parts: PartsPager | None = None,
) -> list[dict[str, Any]] | None:
    """Carry out ``plan``; return the parts to send to ``complete`` (None unless multipart).

    ``more_parts(first)`` fetches the next page of a multipart plan's part URLs from the registry.
    """
    policy = policy or RetryPolicy(attempts=PART_ATTEMPTS, timeout=120.0)
    method = plan.get("method")
    if method == "none":
        return None
    if method == "put":
        url = plan.get("url")
        if not isinstance(url, str) or not url:
            raise ClientError("the registry sent a put upload plan without a url")
        raw_headers = plan.get("headers") or {}
        headers = {str(k): str(v) for k, v in raw_headers.items()} if isinstance(raw_headers, dict) else {}
        put_bytes(url, path, 0, size, headers=headers, policy=policy, progress=progress)
        return None
    if method == "multipart":
        return upload_multipart(
            path, size, plan, workers=workers, policy=policy, progress=progress, more_parts=more_parts
        )
    raise ClientError(
        f"the registry asked for upload method {method!r}, which modelyard {__version__} does not know; "
        "upgrade modelyard"
    )
