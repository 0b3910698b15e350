"""JSON over HTTPS on kept-alive connections: bearer token, timeouts, and polite retries.

Retries (exponential backoff with jitter) happen on connection errors, timeouts, 429
(honouring ``Retry-After``) and 502/503/504. Any other 4xx/5xx is final at once: retrying a
bad request only repeats it. The token never appears in a message or a log line.
Connections are reused between calls (:mod:`modelyard.connections`); close the transport (or
the :class:`~modelyard.client.Client`) to release them early.
"""

from __future__ import annotations

import dataclasses
import email.utils
import http.client
import json
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from modelyard.commands.inputs import is_ascii_number
from modelyard.connections import KeepAliveOpener
from modelyard.errors import ClientError, RegistryError, RegistryUnreachable
from modelyard.version import __version__

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
USER_AGENT = f"modelyard/{__version__} (python/{sys.version_info.major}.{sys.version_info.minor})"


class TokenSource(Protocol):
    """Where bearer tokens come from (see :mod:`modelyard.oidc`)."""

    def get(self) -> str: ...

    def invalidate(self) -> bool:
        """Forget a cached token; True when a fresh one can be fetched."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Defaults suit a CI job; tests shrink them."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 120.0
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetryPolicy:
        """Defaults, overridden by ``MODELYARD_MAX_ATTEMPTS`` and ``MODELYARD_TIMEOUT``."""
        env = os.environ if env is None else env
        policy = cls()
        attempts = env.get("MODELYARD_MAX_ATTEMPTS")
        timeout = env.get("MODELYARD_TIMEOUT")
        try:
            if attempts:
                policy = dataclasses.replace(policy, attempts=max(1, int(attempts)))
            if timeout:
                policy = dataclasses.replace(policy, timeout=float(timeout))
        except ValueError as exc:
            raise ClientError(
                f"MODELYARD_MAX_ATTEMPTS must be an integer and MODELYARD_TIMEOUT a number of seconds: {exc}"
            ) from exc
        return policy

    def backoff(self, failed_attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after ``failed_attempts`` failures (1-based)."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_retry_after))
        ceiling = min(self.max_delay, self.base_delay * (1 << min(max(failed_attempts - 1, 0), 30)))
        # "equal jitter": never zero, and clients that failed together spread out.
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - not for security


class RetryableFailure(Exception):
    """One attempt failed in a way worth retrying.

    ``final`` is raised instead of :class:`RegistryUnreachable` when attempts run out
    (e.g. the registry's own 429 answer).
    """

    def __init__(self, reason: str, retry_after: float | None = None, final: Exception | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.final = final


def call_with_retries(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    url: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``attempt`` until it succeeds, raises something final, or attempts run out."""
    attempts = max(1, policy.attempts)
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except RetryableFailure as failure:
            if number == attempts:
                if failure.final is not None:
                    raise failure.final from None
                raise RegistryUnreachable(redact_url(url), attempts, failure.reason) from None
            sleep(policy.backoff(number, failure.retry_after))
    raise AssertionError("unreachable")  # pragma: no cover


def redact_url(url: str) -> str:
    """Scheme, host and path only: presigned URLs carry signatures in their query."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); None when absent or junk."""
    if not value:
        return None
    value = value.strip()
    if is_ascii_number(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:  # pragma: no cover - older Pythons returned None
        return None
    return max(0.0, when.timestamp() - time.time())


def describe_failure(exc: BaseException, timeout: float) -> str:
    """A short human reason for a connection-level failure."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return f"timed out after {timeout:g}s"
        if isinstance(reason, OSError) and reason.strerror:
            return reason.strerror
        return str(reason)
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    urllib.error.URLError,
    OSError,
    http.client.HTTPException,
)


class Transport:
    """Talks JSON to one registry."""

    def __init__(
        self,
        base_url: str,
        token: TokenSource | None,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        base = base_url.strip().rstrip("/")
        if base.endswith("/v1"):
            base = base[: -len("/v1")]
        scheme = urllib.parse.urlsplit(base).scheme
        if scheme not in ("http", "https"):
            raise ClientError(f"registry URL must start with https:// (or http:// for a local stack), got {base_url!r}")
        self.base_url = base
        self.token = token
        self.retry = retry or RetryPolicy.from_env()
        self._sleep = sleep
        self._opener = KeepAliveOpener()

    def close(self) -> None:
        """Close the kept-alive connections; a later request opens new ones."""
        self._opener.close()

    def url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        url = self.base_url + path
        pairs: list[tuple[str, str]] = []
        for key, value in (query or {}).items():
            if value is None:
                continue
            values = value if isinstance(value, list | tuple) else [value]
            pairs.extend((key, str(item)) for item in values)
        if pairs:
            url += "?" + urllib.parse.urlencode(pairs)
        return url

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        answer_headers: dict[str, str] | None = None,
    ) -> Any:
        """Send one JSON request (with retries) and return the decoded JSON answer.

        ``answer_headers``, when given, receives the successful answer's headers (names lower-cased).
        """
        url = self.url(path, query)
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        refreshed = False

        def attempt() -> Any:
            nonlocal refreshed
            req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - scheme checked above
            req.add_header("User-Agent", USER_AGENT)
            req.add_header("Accept", "application/json, application/problem+json")
            if data is not None:
                req.add_header("Content-Type", "application/json")
            for key, value in (headers or {}).items():
                req.add_header(key, value)
            if auth and self.token is not None:
                req.add_header("Authorization", f"Bearer {self.token.get()}")
            try:
                raw = self._opener.read(req, self.retry.timeout, answer_headers)
            except urllib.error.HTTPError as exc:
                answer = _read_error_body(exc)
                error = RegistryError.from_response(exc.code, answer, exc.reason or "")
                if exc.code in RETRY_STATUSES:
                    retry_after = parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                    final = error if exc.code == 429 else None
                    raise RetryableFailure(f"HTTP {exc.code} {error.title}", retry_after, final) from None
                if exc.code == 401 and auth and self.token is not None and not refreshed and self.token.invalidate():
                    refreshed = True  # an expired CI token: fetch a fresh one, once
                    raise RetryableFailure("token expired", retry_after=0.0, final=error) from None
                raise error from None
            except CONNECTION_ERRORS as exc:
                raise RetryableFailure(describe_failure(exc, self.retry.timeout)) from None
            if not raw:
                return None
            try:
                return json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise ClientError(
                    f"the registry at {redact_url(url)} answered with something that is not JSON; "
                    "check that MODELYARD_URL points at a modelyard registry"
                ) from None

        return call_with_retries(attempt, policy=self.retry, url=url, sleep=self._sleep)


def _read_error_body(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except CONNECTION_ERRORS:
        return b""
