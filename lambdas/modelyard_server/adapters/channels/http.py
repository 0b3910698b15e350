"""POST a rendered message with retries: backoff on 5xx and timeouts, `Retry-After` on 429/503, no redirects."""

from __future__ import annotations

import email.utils
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "modelyard-notifier/1"
REASON_BODY_CHARS = 300


@dataclass(frozen=True)
class OutgoingMessage:
    """One message for one channel; `sign` adds headers that depend on the attempt's time (signatures)."""

    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    sign: Callable[[int], dict[str, str]] | None = None

    def headers_at(self, unix_seconds: int) -> dict[str, str]:
        extra = self.sign(unix_seconds) if self.sign is not None else {}
        return {"Content-Type": "application/json", "User-Agent": USER_AGENT, **self.headers, **extra}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 5.0

    def backoff(self, attempt: int) -> float:
        """Exponential: backoff, twice that, four times… capped (attempt counts from 1)."""
        return float(min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    attempts: int
    status: int | None = None
    reason: str | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a webhook that redirects is misconfigured: report it, don't re-POST elsewhere


_opener = urllib.request.build_opener(_NoRedirects)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds to wait: delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _attempt(message: OutgoingMessage, timeout: float) -> tuple[int | None, str | None, float | None]:
    """(status, why it failed or None, Retry-After seconds); status None = no HTTP answer."""
    # The URL was checked to be https (or loopback http where allowed) when the config was set.
    request = urllib.request.Request(  # noqa: S310
        message.url, data=message.body, method="POST", headers=message.headers_at(int(time.time()))
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read()
            return status, None, None
    except urllib.error.HTTPError as error:
        with error:
            text = error.read(REASON_BODY_CHARS).decode("utf-8", "replace").strip()
        retry_after = retry_after_seconds(error.headers.get("Retry-After"))
        return error.code, f"HTTP {error.code}" + (f": {text}" if text else ""), retry_after
    except TimeoutError:
        return None, f"timed out after {timeout:g} s", None
    except urllib.error.URLError as error:
        cause = error.reason
        if isinstance(cause, TimeoutError):
            return None, f"timed out after {timeout:g} s", None
        return None, f"could not connect: {cause}", None
    except (ConnectionError, OSError) as error:
        return None, f"connection failed: {error}", None


def deliver(
    message: OutgoingMessage, policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep
) -> DeliveryOutcome:
    """POST until a 2xx, a permanent failure (other 4xx, 3xx) or the attempts run out."""
    status: int | None = None
    reason: str | None = None
    for attempt in range(1, policy.attempts + 1):
        status, reason, retry_after = _attempt(message, policy.timeout_seconds)
        if reason is None:
            return DeliveryOutcome(True, attempt, status)
        if status is not None and status not in RETRYABLE_STATUSES:
            return DeliveryOutcome(False, attempt, status, f"{reason} (not retried)")
        if attempt == policy.attempts:
            break
        if retry_after is not None and retry_after > policy.max_backoff_seconds:
            limit = f"{policy.max_backoff_seconds:g} s"
            reason = f"{reason}; Retry-After {retry_after:g} s is longer than the notifier waits ({limit})"
            return DeliveryOutcome(False, attempt, status, reason)
        sleep(retry_after if retry_after is not None else policy.backoff(attempt))
    return DeliveryOutcome(False, policy.attempts, status, f"{reason} (gave up after {policy.attempts} attempts)")
