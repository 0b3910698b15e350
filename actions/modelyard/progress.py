"""A one-line transfer progress display, on a terminal only (silent in CI logs)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


def human_bytes(count: float) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


class Progress:
    """Thread-safe byte counter that redraws ``\\r label: done / total  pct  MB/s`` on stderr."""

    def __init__(
        self,
        total: int,
        label: str,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        interval: float = 0.1,
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self._interval = interval
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._drawn = 0.0

    def update(self, count: int) -> None:
        """Add ``count`` bytes (negative when a failed part is retried)."""
        with self._lock:
            self.done += count
            if not self.enabled:
                return
            now = time.monotonic()
            if now - self._drawn >= self._interval:
                self._drawn = now
                self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._started, 1e-6)
        pct = 100.0 * self.done / self.total if self.total else 100.0
        rate = self.done / elapsed / 1e6
        amounts = f"{human_bytes(self.done)} / {human_bytes(self.total)}"
        self.stream.write(f"\r{self.label}: {amounts}  {pct:5.1f}%  {rate:.1f} MB/s  ")
        self.stream.flush()

    def close(self) -> None:
        with self._lock:
            if self.enabled:
                self._draw(time.monotonic())
                self.stream.write("\n")
                self.stream.flush()
