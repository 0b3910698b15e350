"""modelyard against MLflow on the same machine, in the same run (issue 9's targets, printed).

Each side runs :mod:`registry_workload` through its own client in a child process against its
own server: MLflow's ``MlflowClient`` against ``mlflow server`` with its sqlite store (from
``.venv-mlflow``), modelyard's SDK against the local server. Then modelyard alone: the server's
memory after many versions, and concurrent registrations (asserted: all succeed, numbers
1..N). Only under ``make bench`` (``MODELYARD_BENCH_MLFLOW=1``): it installs MLflow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.perf import registry_workload
from tests.perf.bench_servers import (
    MLFLOW_QUIET,
    MlflowServer,
    ModelyardServer,
    mlflow_server_kind,
    modelyard_backend,
    peak_rss_bytes,
    tree_rss_bytes,
)
from tests.perf.child import MIB
from tests.perf.comparison import COMPARISON_HEADERS, comparison_rows
from tests.perf.mlflow_env import MLFLOW_VERSION, mlflow_executable, mlflow_python
from tests.perf.tables import format_table

pytestmark = pytest.mark.skipif(
    os.environ.get("MODELYARD_BENCH_MLFLOW") != "1",
    reason="the MLflow comparison installs MLflow: `make bench` runs it (MODELYARD_BENCH_MLFLOW=1)",
)

HERE = Path(__file__).resolve().parent
DRIVER_TIMEOUT = 4 * 3600
UPLOAD_WORKERS = 4  # client threads filling the registry for the memory figure


def _counts(variable: str, default: str) -> list[int]:
    return sorted({int(part) for part in os.environ.get(variable, default).split(",") if part.strip()})


def _sdk(server: ModelyardServer, token: str) -> Any:
    from modelyard.client import Client

    return Client(url=server.api_url, token=token, progress=False, env={})


def _run_driver(argv: list[str], scratch: Path, extra_env: dict[str, str] | None = None) -> dict[str, list[float]]:
    """Run a driver to completion; its per-operation samples."""
    scratch.mkdir(parents=True, exist_ok=True)
    report = scratch / "report.json"
    env = {**os.environ, **(extra_env or {}), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [*argv, str(scratch), str(report)],
        env=env,
        capture_output=True,
        text=True,
        timeout=DRIVER_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{argv[1]} failed:\n{done.stdout}\n{done.stderr}"
    samples: dict[str, list[float]] = json.loads(report.read_text())["samples"]
    return samples


def test_same_operations_as_mlflow(tmp_path: Path) -> None:
    scales = _counts("MODELYARD_BENCH_VERSIONS", "200,2000")
    most = max(scales)
    python, mlflow = mlflow_python(), mlflow_executable()  # before any server starts: may install

    (tmp_path / "mlflow").mkdir()
    with MlflowServer(mlflow, tmp_path / "mlflow").start() as mlflow_server:
        driver = [str(python), str(HERE / "mlflow_driver.py"), mlflow_server.url, str(most)]
        mlflow_samples = _run_driver(driver, tmp_path / "mlflow-scratch", MLFLOW_QUIET)
        mlflow_rss = tree_rss_bytes(mlflow_server.pid)

    with ModelyardServer(tmp_path / "modelyard").start() as server:
        driver = [sys.executable, str(HERE / "modelyard_driver.py"), server.api_url, str(most)]
        token = {"MODELYARD_BENCH_TOKEN": server.owner_token()}
        modelyard_samples = _run_driver(driver, tmp_path / "modelyard-scratch", token)
        modelyard_rss = tree_rss_bytes(server.pid)

    for samples in (mlflow_samples, modelyard_samples):
        assert all(len(samples[operation]) == most for operation in registry_workload.OPERATIONS)
    for versions in scales:
        title = (
            f"MLflow {MLFLOW_VERSION} (mlflow server on {mlflow_server_kind()}, sqlite) "
            f"against modelyard ({modelyard_backend()} backend), "
            f"{versions} versions: one round per version, each operation once per round; "
            "growth = last tenth / first tenth of the rounds"
        )
        rows = comparison_rows(registry_workload.OPERATIONS, mlflow_samples, modelyard_samples, versions)
        print(format_table(title, COMPARISON_HEADERS, rows))
    memory = [
        [f"mlflow server (process tree), after {most} versions", round(mlflow_rss / MIB, 1)],
        [f"modelyard local server, after {most} versions", round(modelyard_rss / MIB, 1)],
    ]
    print(format_table("Server memory after the comparison", ["server", "RSS (MiB)"], memory))


def test_server_memory_after_many_versions(tmp_path: Path) -> None:
    (count,) = _counts("MODELYARD_BENCH_RSS_VERSIONS", "10000")[-1:]
    name = f"memory-{uuid.uuid4().hex[:8]}"
    with ModelyardServer(tmp_path).start() as server:
        token = server.owner_token()
        idle = tree_rss_bytes(server.pid)
        _sdk(server, token).create_model(name)
        local = threading.local()
        scratch = tmp_path / "artifacts"
        scratch.mkdir()

        def register(number: int) -> int:
            if not hasattr(local, "client"):
                local.client = _sdk(server, token)
            artifact = registry_workload.write_artifact(scratch, number)
            try:
                return int(local.client.register(name, artifact)["version"])
            finally:
                artifact.unlink()

        started = time.perf_counter()
        with ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
            numbers = list(pool.map(register, range(1, count + 1)))
        seconds = time.perf_counter() - started
        after, peak = tree_rss_bytes(server.pid), peak_rss_bytes(server.pid)

    assert sorted(numbers) == list(range(1, count + 1))
    rows = [
        ["idle, after start", round(idle / MIB, 1)],
        [f"after {count} versions", round(after / MIB, 1)],
        ["peak (VmHWM)", round(peak / MIB, 1)],
    ]
    title = (
        f"modelyard local server ({modelyard_backend()} backend) memory: {count} registrations of 4 KiB "
        f"by {UPLOAD_WORKERS} SDK threads in {seconds:.1f} s ({count / seconds:.1f} per s)"
    )
    print(format_table(title, ["when", "RSS (MiB)"], rows))


def test_concurrent_registrations_all_succeed_with_consecutive_numbers(tmp_path: Path) -> None:
    (count,) = _counts("MODELYARD_BENCH_CONCURRENT", "200")[-1:]
    name = f"concurrent-{uuid.uuid4().hex[:8]}"
    scratch = tmp_path / "artifacts"
    scratch.mkdir()
    artifacts = [registry_workload.write_artifact(scratch, number) for number in range(1, count + 1)]
    with ModelyardServer(tmp_path).start() as server:
        token = server.owner_token()
        _sdk(server, token).create_model(name)
        clients = [_sdk(server, token) for _ in range(count)]
        start_together = threading.Barrier(count)

        def register(index: int) -> tuple[int | str, float]:
            start_together.wait(timeout=60)
            started = time.perf_counter()
            try:
                number: int | str = int(clients[index].register(name, artifacts[index])["version"])
            except Exception as error:  # every failure is counted and shown
                number = f"{type(error).__name__}: {error}"
            return number, time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(count) as pool:
            results = list(pool.map(register, range(count)))
        wall = time.perf_counter() - started

    numbers = [number for number, _ in results if isinstance(number, int)]
    failures = [number for number, _ in results if isinstance(number, str)]
    rows = [
        ["registrations started at once", count],
        ["succeeded", len(numbers)],
        ["distinct version numbers", len(set(numbers))],
        ["wall (s)", round(wall, 2)],
        ["slowest registration (s)", round(max(seconds for _, seconds in results), 2)],
    ]
    print(format_table(f"{count} concurrent registrations, one model ({modelyard_backend()} backend)", ["", ""], rows))
    assert failures == []
    assert sorted(numbers) == list(range(1, count + 1))
