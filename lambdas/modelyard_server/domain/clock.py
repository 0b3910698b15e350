"""The registry's clock: every timestamp it records is timezone-aware UTC.

Expiry rules (idempotency records, claims, quotas) read it too; the contract suite moves it
forward with :func:`set_source` instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _system_time() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_time


def now() -> datetime:
    return _source()


def set_source(source: Callable[[], datetime] | None) -> None:
    """Read the time from `source` from now on (None: the system clock again)."""
    global _source
    _source = source if source is not None else _system_time
