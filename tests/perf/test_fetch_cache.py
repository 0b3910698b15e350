"""What ``modelyard.fetch`` costs a serving process: cold (download, verify, install), warm in a new process
(resolve and re-hash the cached bytes), warm again in the same process (resolve, and a stat of the
files hashed before), and several processes starting at once on an empty cache (one download).

The embedded local stack runs in this process; each fetch runs in a fresh child process that times the
``fetch`` call alone. Size: ``MODELYARD_BENCH_FETCH_BYTES`` (default 128 MiB). Figures are printed; the
test asserts only that every child got the registered bytes.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import base_env, sdk
from tests.perf.child import MIB, parse_size
from tests.perf.tables import format_table

SIZE = parse_size(os.environ.get("MODELYARD_BENCH_FETCH_BYTES", "") or "128MiB")
WARM_RUNS = 5
TOGETHER = 4
TIMED_FETCH = """
import sys, time
import modelyard
started = time.perf_counter()
path = modelyard.fetch(sys.argv[1])
if len(sys.argv) > 2:  # once more in the same process: the bytes were hashed a moment ago
    started = time.perf_counter()
    path = modelyard.fetch(sys.argv[1])
print(time.perf_counter() - started, path, flush=True)
"""


def _start(uri: str, env: dict[str, str], *again: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", TIMED_FETCH, uri, *again],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(run: subprocess.Popen[str]) -> tuple[float, Path]:
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    seconds, path = out.split(maxsplit=1)
    return float(seconds), Path(path.strip())


def test_fetch_cold_warm_and_together(tmp_path: Path) -> None:
    data = os.urandom(SIZE)
    digest = hashlib.sha256(data).hexdigest()
    (tmp_path / "model.safetensors").write_bytes(data)
    with LocalStack(port=0, issuer_port=0, moto_port=0) as stack:
        token = stack.mint(repository="acme/models")
        client = sdk(stack, token)
        client.register("bench-fetch", tmp_path / "model.safetensors", create_model=True)
        client.set_alias("bench-fetch", "champion", 1)
        uri = "models:/bench-fetch@champion"
        env = base_env()
        env.update({"MODELYARD_URL": stack.api_url, "MODELYARD_TOKEN": token})

        env["MODELYARD_CACHE_DIR"] = str(tmp_path / "one")
        cold, path = _finish(_start(uri, env))
        warm = [_finish(_start(uri, env))[0] for _ in range(WARM_RUNS)]
        time.sleep(2.1)  # past the cache's "racily clean" margin, as a long-running process would be
        repeat = _finish(_start(uri, env, "again"))[0]

        env["MODELYARD_CACHE_DIR"] = str(tmp_path / "together")
        started = time.perf_counter()
        runs = [_start(uri, env) for _ in range(TOGETHER)]
        together = [_finish(run) for run in runs]
        wall = time.perf_counter() - started

    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == digest for _, p in together)
    rate = SIZE / MIB
    rows = [
        ("cold: resolve, download, verify, install", f"{cold:.3f}", f"{rate / cold:.0f}"),
        (f"warm, new process: resolve, re-hash (median of {WARM_RUNS})", f"{statistics.median(warm):.3f}", "-"),
        ("warm, same process again: resolve, stat", f"{repeat:.3f}", "-"),
        (f"{TOGETHER} processes at once, empty cache (slowest)", f"{max(s for s, _ in together):.3f}", "-"),
        (f"{TOGETHER} processes at once, wall time incl. start-up", f"{wall:.3f}", "-"),
    ]
    print()
    print(format_table(f"modelyard.fetch of {rate:.0f} MiB", ["case", "seconds", "MiB/s"], rows))
