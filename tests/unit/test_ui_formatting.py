"""How the pages write metric values, sizes, digests and times."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from modelyard_server.ui.formatting import byte_size, metric_value, short_digest, utc_minute


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.93412, "0.9341"),
        (0.934, "0.934"),
        (12.0, "12"),
        (-3.14159, "-3.142"),
        (1234567.0, "1.235e+06"),
        (0.000012345, "1.234e-05"),
        (0.0, "0"),
        (math.nan, "NaN"),
        (math.inf, "∞"),
        (-math.inf, "-∞"),
    ],
)
def test_metric_values_show_four_significant_digits(value: float, shown: str) -> None:
    assert metric_value(value) == shown


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (5 * 1024**2, "5.0 MiB"),
        (10 * 1024**3 + 1, "10.0 GiB"),
        (3 * 1024**4, "3.0 TiB"),
        (5000 * 1024**4, "5000.0 TiB"),
    ],
)
def test_sizes_use_binary_units(size: int, shown: str) -> None:
    assert byte_size(size) == shown


@pytest.mark.parametrize(
    ("digest", "shown"),
    [
        ("sha256:" + "ab12cd34" + "0" * 56, "sha256:ab12cd34…"),
        ("ab12cd34" + "f" * 56, "sha256:ab12cd34…"),
        ("sha256:abc", "sha256:abc"),
        ("md5:0123456789abcdef", "md5:01234567…"),
    ],
)
def test_digests_are_shortened_with_their_algorithm(digest: str, shown: str) -> None:
    assert short_digest(digest) == shown


def test_times_are_iso_utc_minutes() -> None:
    assert utc_minute(datetime(2026, 11, 30, 3, 37, 59, tzinfo=UTC)) == "2026-11-30T03:37Z"
    paris = timezone(timedelta(hours=1))
    assert utc_minute(datetime(2026, 11, 30, 4, 37, tzinfo=paris)) == "2026-11-30T03:37Z"
    assert utc_minute(datetime(2026, 11, 30, 3, 37)) == "2026-11-30T03:37Z"
