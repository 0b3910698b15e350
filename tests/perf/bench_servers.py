"""The two servers of the MLflow comparison, each a child process on free loopback ports.

:func:`modelyard_server_command` is the one place that says how the modelyard local server is
started; ``$MODELYARD_BENCH_BACKEND`` picks the backend (``sqlite``, the embedded default of
``modelyard dev``; or ``moto``, the AWS-shaped stack).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

START_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0
TOKEN_TTL_SECONDS = 6 * 3600  # the 10,000-version run outlasts the issuer's default 15 minutes
OWNER = "acme/models"
#: MLflow 3 reports usage to its vendor by default; this machine has no internet, so nobody waits on it
MLFLOW_QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
#: MLflow 3's server also starts a job runner by default (7 huey consumers, ~1.4 GB, polling the CPUs for
#: GenAI scoring jobs the registry never uses): off, as modelyard's events pipeline is off (--no-events)
MLFLOW_SERVER_ENV = {**MLFLOW_QUIET, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


def modelyard_backend() -> str:
    return os.environ.get("MODELYARD_BENCH_BACKEND", "sqlite")


def modelyard_server_command(data_dir: Path) -> list[str]:
    """How the benchmark starts the modelyard local server (API, issuer) on free ports."""
    common = [sys.executable, "-m", "modelyard_local", "--port", "0", "--issuer-port", "0", "--no-events"]
    common += ["--log-level", "warning"]
    if modelyard_backend() == "sqlite":
        return [*common, "--backend", "sqlite", "--data-dir", str(data_dir)]
    return [*common, "--moto-port", "0"]


def _status_bytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024  # the kernel reports kB
    raise RuntimeError(f"no {field} for process {pid}")


def rss_bytes(pid: int) -> int:
    """Resident memory of one process now (``VmRSS``)."""
    return _status_bytes(pid, "VmRSS")


def peak_rss_bytes(pid: int) -> int:
    """The most resident memory the process has had (``VmHWM``)."""
    return _status_bytes(pid, "VmHWM")


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (a server with worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # exited meanwhile
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += rss_bytes(current)
        except (OSError, RuntimeError):
            continue
        pending.extend(children.get(current, []))
    return total


def mlflow_server_kind() -> str:
    return os.environ.get("MODELYARD_BENCH_MLFLOW_SERVER", "gunicorn")


def mlflow_server_options() -> list[str]:
    """gunicorn unless asked otherwise: behind MLflow 3's default uvicorn its own client waits ~40 ms more
    per request (measured 55 ms against 7 ms to resolve an alias: the response leaves in two segments
    and the keep-alive connection's delayed ACK holds the second), which no MLflow user should be
    measured by. gunicorn is MLflow's documented alternative and its default before 3.x."""
    if mlflow_server_kind() == "uvicorn":
        return []
    return ["--gunicorn-opts", "--log-level warning"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _ServerProcess:
    """A child server in its own process group, its output in a log file (never a full pipe)."""

    def __init__(self, argv: Sequence[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.log = log
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid

    def spawn(self) -> None:
        self._log_handle = self.log.open("wb")
        self.process = subprocess.Popen(
            self.argv, stdout=self._log_handle, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
        )

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"{self.argv[0]} exited with {self.process.returncode}:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group we started: the server and its workers
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            with contextlib.suppress(ProcessLookupError):  # workers that outlived their parent
                os.killpg(self.process.pid, signal.SIGKILL)
        if self._log_handle is not None:
            self._log_handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class ModelyardServer(_ServerProcess):
    """``modelyard_local`` as users start it; URLs read from its banner, tokens from its issuer."""

    def __init__(self, workdir: Path) -> None:
        data_dir = workdir / "modelyard-data"
        data_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(modelyard_server_command(data_dir), workdir / "modelyard.log")
        self.api_url = ""
        self.issuer_url = ""

    def start(self) -> Self:
        self.spawn()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.check_alive()
            banner = self.output()
            api, issuer = re.search(r"API\s+(http\S+)", banner), re.search(r"issuer\s+(http\S+)", banner)
            if api and issuer:
                self.api_url, self.issuer_url = api.group(1), issuer.group(1)
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"no banner within {START_TIMEOUT:g} s:\n{self.output()}")

    def mint(self, **claims: str) -> str:
        """A token from the local issuer, as ``curl $ISSUER/mint?repository=...`` gets one."""
        query = urllib.parse.urlencode({**claims, "ttl": TOKEN_TTL_SECONDS})
        with urllib.request.urlopen(f"{self.issuer_url}/mint?{query}", timeout=30) as answer:
            return str(json.load(answer)["value"])

    def owner_token(self) -> str:
        return self.mint(repository=OWNER)


class MlflowServer(_ServerProcess):
    """``mlflow server`` with its sqlite store and its artifact proxy, from MLflow's own virtualenv."""

    def __init__(self, mlflow_bin: Path, workdir: Path) -> None:
        self.port = free_port()
        argv = [
            str(mlflow_bin),
            "server",
            "--backend-store-uri",
            f"sqlite:///{workdir / 'mlflow.db'}",
            "--artifacts-destination",
            str(workdir / "mlflow-artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *mlflow_server_options(),
        ]
        super().__init__(argv, workdir / "mlflow.log", env={**os.environ, **MLFLOW_SERVER_ENV})
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self.spawn()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer /health within {START_TIMEOUT:g} s:\n{self.output()}")
