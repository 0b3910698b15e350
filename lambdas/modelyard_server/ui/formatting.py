"""How the pages write values: metric numbers, sizes, digests and times (the templates' filters).

Each returns plain text; the templates escape it like any other value. The filters take a missing value
(None) too and show it as an en dash.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

NOTHING = "\u2013"  # an en dash: no value
_SIZE_UNITS = ("KiB", "MiB", "GiB", "TiB")
_DIGEST_SHOWN = 8  # hex digits: enough to tell versions apart on one page, short enough for a table cell


def metric_value(value: float | None) -> str:
    """A metric to 4 significant digits (0.93412 -> 0.9341); integers as they are; nan and infinities by name."""
    if value is None:
        return NOTHING
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if abs(value) < 1e4 else f"{value:.4g}"
    return f"{value:.4g}"


def byte_size(size: int) -> str:
    """A size in bytes, KiB, MiB, GiB or TiB (1024-based), to one decimal above bytes."""
    if size < 1024:
        return f"{size} B"
    scaled = float(size)
    for unit in _SIZE_UNITS:
        scaled /= 1024
        if scaled < 1024 or unit == _SIZE_UNITS[-1]:
            return f"{scaled:.1f} {unit}"
    raise AssertionError("unreachable: the last unit always returns")


def size(count: int | None) -> str:
    return NOTHING if count is None else byte_size(count)


def short_digest(digest: str | None) -> str:
    """`sha256:<first 8 hex digits>…` for a digest written with or without its algorithm."""
    if not digest:
        return NOTHING
    algorithm, _, hex_digits = digest.rpartition(":")
    algorithm = algorithm or "sha256"
    if len(hex_digits) <= _DIGEST_SHOWN:
        return f"{algorithm}:{hex_digits}"
    return f"{algorithm}:{hex_digits[:_DIGEST_SHOWN]}…"


def utc_minute(moment: datetime) -> str:
    """ISO 8601 in UTC to the minute (2026-11-30T03:37Z); a naive time is taken as UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def when(moment: datetime | str | None) -> str:
    """A time in UTC to the minute (`2026-11-30 03:40 UTC`)."""
    if moment is None or moment == "":
        return NOTHING
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    else:
        parsed = moment
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


FILTERS: dict[str, Callable[..., Any]] = {
    "metric_value": metric_value,
    "size": size,
    "short_digest": short_digest,
    "when": when,
}
