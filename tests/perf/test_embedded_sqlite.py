"""The embedded backend's write path: registrations per second with synchronous=FULL vs NORMAL, and
per-thread connections vs one shared connection under a mixed multi-threaded load.

Prints figures; asserts only that every registration got its own consecutive number.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from modelyard_server.adapters.embedded.backend import open_embedded
from modelyard_server.adapters.embedded.database import Synchronous, utc_now
from tests.contract.registry_driver import Driver

REGISTRATIONS = 300
THREADS = 8
OPS_PER_THREAD = 60  # each fifth one a registration, the rest reads


def _registrations_per_second(directory: Path, synchronous: Synchronous) -> float:
    backend = open_embedded(directory, synchronous=synchronous)
    try:
        registry = Driver(backend, utc_now)
        registry.create_model("bench")
        started = time.perf_counter()
        for _ in range(REGISTRATIONS):
            registry.register("bench")  # read the counter, then one transaction: version, counter, event
        elapsed = time.perf_counter() - started
        model = backend.models.get_model("bench")
        assert model is not None
        assert model.latest_version == REGISTRATIONS
    finally:
        backend.close()
    return REGISTRATIONS / elapsed


def _mixed_ops_per_second(directory: Path, shared_connection: bool) -> float:
    backend = open_embedded(directory, shared_connection=shared_connection)
    try:
        registry = Driver(backend, utc_now)
        registry.create_model("bench")
        for _ in range(50):
            registry.ready_version("bench")
        numbers: list[int] = []

        def work() -> None:
            for op in range(OPS_PER_THREAD):
                if op % 5 == 0:
                    numbers.append(registry.register("bench").version)
                elif op % 5 == 1:
                    backend.models.load_model("bench")
                elif op % 5 == 2:
                    backend.versions.list_versions("bench", 20, None, None, None)
                else:
                    backend.versions.get_version("bench", 1 + op % 50)

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        assert sorted(numbers) == list(range(51, 51 + len(numbers)))
    finally:
        backend.close()
    return THREADS * OPS_PER_THREAD / elapsed


def test_embedded_write_path_figures(tmp_path: Path) -> None:
    full = _registrations_per_second(tmp_path / "full", "FULL")
    normal = _registrations_per_second(tmp_path / "normal", "NORMAL")
    per_thread = _mixed_ops_per_second(tmp_path / "per-thread", shared_connection=False)
    shared = _mixed_ops_per_second(tmp_path / "shared", shared_connection=True)
    print(f"\nembedded sqlite, {REGISTRATIONS} registrations, one thread:")
    print(f"  synchronous=FULL    {full:8.0f} registrations/s")
    print(f"  synchronous=NORMAL  {normal:8.0f} registrations/s  ({normal / full:.1f}x FULL)")
    print(f"mixed load, {THREADS} threads x {OPS_PER_THREAD} ops (1 registration : 4 reads), FULL:")
    print(f"  per-thread connections  {per_thread:8.0f} ops/s")
    print(f"  one shared connection   {shared:8.0f} ops/s  ({shared / per_thread:.2f}x per-thread)")
