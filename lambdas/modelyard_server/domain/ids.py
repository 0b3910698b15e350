"""Time-ordered identifiers (ULIDs) for events and history entries."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last: tuple[int, int] = (0, 0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def new_ulid(at: datetime | None = None) -> str:
    """A 26-character ULID, strictly increasing within this process (monotonic randomness).

    Its time is now, or `at` (so an id and its record's time agree to the millisecond, unless an id of a
    later millisecond was already handed out: ids never go back).
    """
    global _last
    with _lock:
        millis = time.time_ns() // 1_000_000 if at is None else _millis(at)
        last_millis, last_random = _last
        if millis <= last_millis:
            millis, randomness = last_millis, last_random + 1
        else:
            randomness = int.from_bytes(os.urandom(10), "big") >> 1
        _last = (millis, randomness)
    return _encode(millis, 10) + _encode(randomness, 16)


def _millis(at: datetime) -> int:
    return max(0, (at - _EPOCH) // timedelta(milliseconds=1))


def first_ulid_at(at: datetime) -> str:
    """The smallest ULID of the millisecond holding `at`: ids ≥ it were made at or after `at` (to the ms)."""
    return _encode(_millis(at), 10) + "0" * 16


def last_ulid_before(at: datetime) -> str:
    """The largest ULID of the millisecond before `at`'s: ids ≤ it were made before `at` (to the ms)."""
    return _encode(max(0, _millis(at) - 1), 10) + "Z" * 16


def ulid_at(at: datetime, randomness: int = 0) -> str:
    """A ULID made at `at` (for tests and backfills that need events at chosen times)."""
    return _encode(_millis(at), 10) + _encode(randomness, 16)
