"""How values read on the pages: metric values, sizes, digests and times (the templates' filters)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

NOTHING = "\u2013"  # an en dash: no value
SIZE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def metric_value(value: float | int | None) -> str:
    """Four significant digits; integers as they are."""
    if value is None:
        return NOTHING
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def size(count: int | None) -> str:
    if count is None:
        return NOTHING
    amount = float(count)
    for unit in SIZE_UNITS:
        if amount < 1024 or unit == SIZE_UNITS[-1]:
            return f"{count} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{count} B"


def short_digest(digest: str | None) -> str:
    """`sha256:0123abcd…`: enough to tell two artifacts apart at a glance."""
    if not digest:
        return NOTHING
    algorithm, _, hexdigest = digest.partition(":")
    return f"{algorithm}:{hexdigest[:12]}…" if hexdigest else digest[:19]


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
