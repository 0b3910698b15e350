"""How the pages write values: metric numbers, sizes, digests and times (Jinja filters).

Each returns plain text; the templates escape it like any other value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_SIZE_UNITS = ("KiB", "MiB", "GiB", "TiB")
_DIGEST_SHOWN = 8  # hex digits: enough to tell versions apart on one page, short enough for a table cell


def metric_value(value: float) -> str:
    """A metric to 4 significant digits (0.93412 -> 0.9341); nan and infinities by name."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
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


def short_digest(digest: str) -> str:
    """`sha256:<first 8 hex digits>…` for a digest written with or without its algorithm."""
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


NOTHING = "\u2013"  # an en dash: a cell with no value


def _or_nothing(write: Callable[[Any], str]) -> Callable[[Any], str]:
    """`write` as a template filter: a missing value (None, "") shows as a dash rather than failing the page."""

    def written(value: Any) -> str:
        return NOTHING if value is None or value == "" else write(value)

    return written


def _moment(value: datetime | str) -> str:
    if not isinstance(value, str):
        return utc_minute(value)
    try:
        return utc_minute(datetime.fromisoformat(value))
    except ValueError:
        return value


FILTERS: dict[str, Callable[[Any], str]] = {
    "metric_value": _or_nothing(metric_value),
    "size": _or_nothing(byte_size),
    "short_digest": _or_nothing(short_digest),
    "when": _or_nothing(_moment),
}
