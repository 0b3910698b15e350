"""A long-running command as a user's terminal sees it: its output so far, a signal, how long it takes to stop."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType


class Terminal:
    """Runs ``command`` with stdout and stderr interleaved, like a terminal; kills it on exit if still running."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        stream = self.process.stdout
        assert stream is not None
        self._reader = threading.Thread(target=lambda: self.lines.extend(iter(stream.readline, "")), daemon=True)
        self._reader.start()

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Until a line contains ``text``; fails if the command exits or the time runs out first."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None, f"exited with {self.process.returncode}:\n{self.text}"
            assert time.monotonic() < deadline, f"never printed {text!r}:\n{self.text}"
            time.sleep(0.05)

    def stop_with(self, signum: int, timeout: float = 10) -> tuple[int, float]:
        """Send ``signum``; the exit status and the seconds it took to exit."""
        self.process.send_signal(signum)
        started = time.monotonic()
        status = self.process.wait(timeout=timeout)
        return status, time.monotonic() - started

    def __enter__(self) -> Terminal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
