"""Run a child process and read its own peak memory and wall time (``os.wait4`` rusage)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    seconds: float
    peak_rss_bytes: int
    stdout: str
    stderr: str

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_bytes / MIB


# ru_maxrss is inherited across fork+exec: a child of a big process (pytest holding moto's objects)
# would report its parent's size. So a small launcher starts the real child and reads its rusage.
_LAUNCHER = """
import json, os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(report, "w") as out:
    code = os.waitstatus_to_exitcode(status)
    json.dump({"status": code, "seconds": seconds, "maxrss": usage.ru_maxrss}, out)
"""


def run_measured(argv: Sequence[str], env: Mapping[str, str], timeout: float = 600) -> ChildRun:
    """Run `argv` (argv[0] a path) to completion: its wall time and peak RSS, from the kernel's
    accounting of that one process."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "rusage.json"
        out_path, err_path = Path(scratch) / "stdout", Path(scratch) / "stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            launcher = [sys.executable, "-c", _LAUNCHER, str(report), *argv]
            subprocess.run(launcher, stdout=out, stderr=err, env=dict(env), timeout=timeout, check=False)
        if not report.exists():
            raise RuntimeError(f"the launcher did not report on {argv!r}: {err_path.read_text()}")
        facts = json.loads(report.read_text())
        return ChildRun(
            returncode=facts["status"],
            seconds=facts["seconds"],
            peak_rss_bytes=facts["maxrss"] * 1024,  # Linux reports KiB
            stdout=out_path.read_text(errors="replace"),
            stderr=err_path.read_text(errors="replace"),
        )


def parse_size(text: str) -> int:
    """`268435456`, `256MiB`, `1GiB`, `512KiB` -> bytes."""
    units = {"kib": 1024, "mib": MIB, "gib": 1024 * MIB}
    cleaned = text.strip().lower()
    for suffix, factor in units.items():
        if cleaned.endswith(suffix):
            return int(float(cleaned.removesuffix(suffix)) * factor)
    return int(cleaned)
