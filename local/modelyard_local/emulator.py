"""Run the MiniStack AWS emulator as a child process on one loopback port.

MiniStack lives in its own virtualenv (``.venv-ministack``, made by ``make .venv-ministack/.installed``
with the version pinned in the Makefile): it runs Python Lambda functions with its own interpreter, so
that environment must hold nothing of the project's - a function that imports development tooling
fails there as it would on AWS. Only the services the template uses are switched on, and its IoT
listener (0.0.0.0:8883 by default) is off, so several emulators can run side by side on one machine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from modelyard_local.bundle_lock import REPO

MINISTACK_VENV = REPO / ".venv-ministack"
SERVICES = "cloudformation,lambda,dynamodb,s3,sqs,events,apigateway,ssm,secretsmanager,logs,iam,sts"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class MiniStack:
    """``with MiniStack() as aws:`` - ``aws.endpoint`` answers every service until the block ends."""

    def __init__(self, port: int | None = None, venv: Path = MINISTACK_VENV, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self._binary = venv / "bin" / "ministack"
        if not self._binary.exists():
            raise FileNotFoundError(f"{self._binary} is missing: run `make .venv-ministack/.installed`")
        self._state = tempfile.TemporaryDirectory(prefix="modelyard-ministack-")
        # MiniStack unpacks a function's code (about 100 MB for ours) into a fresh temporary directory at
        # every cold start and never removes it: its TMPDIR is kept inside the state directory, so stop()
        # takes all of them away instead of leaving them to fill the machine's disk.
        self.temp_dir = Path(self._state.name) / "tmp"
        self.temp_dir.mkdir()
        self.log_path = log_path or Path(self._state.name) / "ministack.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        # The workers inherit this environment: the project's own PYTHONPATH must not leak into them.
        inherited = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
        return {
            **inherited,
            "GATEWAY_PORT": str(self.port),
            "BIND_HOST": "127.0.0.1",
            "SERVICES": SERVICES,
            "IOT_MTLS_ENABLED": "0",
            "MINISTACK_REGION": REGION,
            "STATE_DIR": self._state.name,
            "TMPDIR": str(self.temp_dir),
            "LAMBDA_EXECUTOR": "local",
            "LOG_LEVEL": "INFO",
        }

    def start(self, timeout: float = 60.0) -> Self:
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [str(self._binary)],
            cwd=self._state.name,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its Lambda workers are its children: stop() ends the whole group
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"MiniStack exited ({self._process.returncode}): {self.log_path.read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.endpoint}/_ministack/health", timeout=2) as answer:  # noqa: S310 - http on loopback
                    if json.load(answer).get("services"):
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"MiniStack did not answer on {self.endpoint} within {timeout:.0f} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._state.cleanup()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
