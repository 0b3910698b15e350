"""Waiting for the registry to verify a large upload (the completion answered 202, status `verifying`).

Above a size the registry hashes uploaded bytes in a verifier of its own instead of inside the
completion call (which must answer within the API gateway's 29 s). The client polls the version
until it is `ready` or `rejected`, showing how long it has waited, up to ``MODELYARD_VERIFY_TIMEOUT``
seconds (default 30 minutes).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from modelyard.errors import ClientError
from modelyard.progress import human_bytes

DEFAULT_TIMEOUT = 30 * 60.0
FIRST_POLL = 1.0
MAX_POLL = 10.0
LOG_EVERY = 30.0  # without a terminal (CI logs): one line this often, not a redraw


class VerificationRejected(ClientError):
    """The registry's verifier found the uploaded bytes are not the declared artifact."""


class VerificationTimeout(ClientError):
    """The version was still `verifying` when the client stopped waiting (the registry keeps going)."""


def verify_timeout(env: Mapping[str, str]) -> float:
    raw = env.get("MODELYARD_VERIFY_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ClientError(f"MODELYARD_VERIFY_TIMEOUT={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise ClientError(f"MODELYARD_VERIFY_TIMEOUT={raw!r} must be a positive number of seconds")
    return value


def wait_until_verified(
    read: Callable[[], dict[str, Any]],
    version: dict[str, Any],
    *,
    timeout: float,
    show: bool | None = None,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll `read` (a GET of the version) until it is no longer verifying; the ready version, or raise."""
    out = stream if stream is not None else sys.stderr
    redraw = out.isatty() if show is None else show
    started = last_line = clock()
    what = f"version {version.get('version')} of '{version.get('model')}'"
    size = human_bytes(int((version.get("artifact") or {}).get("size") or 0))
    delay = FIRST_POLL
    while version.get("status") == "verifying":
        waited = clock() - started
        if waited >= timeout:
            _end_line(out, redraw)
            raise VerificationTimeout(
                f"{what} is still verifying after {waited:.0f} s (MODELYARD_VERIFY_TIMEOUT={timeout:g}); the "
                f"registry keeps verifying it: `modelyard get-version {version.get('model')} {version.get('version')}` "
                "shows when it is ready, or raise MODELYARD_VERIFY_TIMEOUT"
            )
        line = f"verifying {what} ({size}) on the registry: {waited:.0f} s"
        if redraw:
            out.write(f"\r{line}  ")
            out.flush()
        elif show is not False and clock() - last_line >= LOG_EVERY:
            out.write(line + "\n")
            out.flush()
            last_line = clock()
        sleep(min(delay, max(timeout - waited, 0.0)))
        delay = min(delay * 1.5, MAX_POLL)
        version = read()
    _end_line(out, redraw)
    if version.get("status") == "rejected":
        raise VerificationRejected(f"the registry rejected {what}: {version.get('status_reason') or 'no reason given'}")
    return version


def _end_line(out: TextIO, redraw: bool) -> None:
    if redraw:
        out.write("\n")
        out.flush()
