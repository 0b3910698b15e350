"""Large uploads the registry verifies after answering: the client waits, shows it, and says how it ended."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
from client_fakes import FakeRegistry

from modelyard import Client, verifying
from modelyard.errors import ClientError
from modelyard.transport import RetryPolicy
from modelyard.verifying import VerificationRejected, VerificationTimeout, wait_until_verified


@pytest.fixture
def registry(loopback: Any, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> tuple[FakeRegistry, Client]:
    monkeypatch.setattr(verifying, "FIRST_POLL", 0.01)
    monkeypatch.setattr(verifying, "MAX_POLL", 0.02)
    fake = FakeRegistry(verify_async_above=100_000)
    server = loopback(fake)
    fake.base_url = server.url
    client = Client(server.url, "test-token", retry=RetryPolicy(attempts=2, base_delay=0.001), progress=False)
    client.create_model("fraud")
    return fake, client


def _file(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "weights.safetensors"
    path.write_bytes(os.urandom(size))
    return path


def test_register_waits_for_the_verifier_and_returns_the_ready_version(registry: Any, tmp_path: Path) -> None:
    fake, client = registry
    fake.verify_after_reads = 3
    path = _file(tmp_path, 200_000)

    version = client.register("fraud", path)

    assert version["status"] == "ready"
    assert version["artifact"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert fake.verifying_reads == 3  # it polled until the verdict, and no further


def test_a_small_upload_is_ready_without_waiting(registry: Any, tmp_path: Path) -> None:
    fake, client = registry
    assert client.register("fraud", _file(tmp_path, 50_000))["status"] == "ready"
    assert fake.verifying_reads == 0


def test_a_rejected_upload_is_an_error_carrying_the_registrys_reason(registry: Any, tmp_path: Path) -> None:
    fake, client = registry
    fake.lose_bytes_while_verifying = True

    with pytest.raises(VerificationRejected) as rejected:
        client.register("fraud", _file(tmp_path, 200_000))

    assert "the registry rejected version 1 of 'fraud'" in str(rejected.value)
    assert "not the declared one" in str(rejected.value)
    assert isinstance(rejected.value, ClientError)  # the CLI's exit code and message for local problems


def test_waiting_stops_at_the_configured_timeout_and_says_what_to_do(
    registry: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, client = registry
    fake.verify_after_reads = 10**9
    monkeypatch.setenv("MODELYARD_VERIFY_TIMEOUT", "0.1")

    with pytest.raises(VerificationTimeout) as timed_out:
        client.register("fraud", _file(tmp_path, 200_000))

    message = str(timed_out.value)
    assert "version 1 of 'fraud' is still verifying" in message
    assert "MODELYARD_VERIFY_TIMEOUT" in message
    assert "modelyard get-version fraud 1" in message
    assert client.get_version("fraud", 1)["status"] == "verifying"


@pytest.mark.parametrize("raw", ["soon", "0", "-5"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(raw: str) -> None:
    with pytest.raises(ClientError, match="MODELYARD_VERIFY_TIMEOUT"):
        verifying.verify_timeout({"MODELYARD_VERIFY_TIMEOUT": raw})


def test_the_default_timeout_is_thirty_minutes() -> None:
    assert verifying.verify_timeout({}) == 1800


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _reads(statuses: list[str]) -> Any:
    answers = iter(statuses)
    return lambda: {"model": "fraud", "version": 4, "status": next(answers), "artifact": {"size": 10**10}}


def test_progress_on_a_terminal_redraws_one_line_with_the_time_waited() -> None:
    out, time = io.StringIO(), FakeTime()
    first = {"model": "fraud", "version": 4, "status": "verifying", "artifact": {"size": 10**10}}

    wait_until_verified(
        _reads(["verifying", "ready"]),
        first,
        timeout=60,
        show=True,
        stream=out,
        sleep=time.sleep,
        clock=lambda: time.now,
    )

    assert out.getvalue().startswith("\rverifying version 4 of 'fraud' (10.0 GB) on the registry: 0 s")
    assert out.getvalue().endswith("\n")


def test_progress_in_a_log_is_a_line_every_thirty_seconds() -> None:
    out, time = io.StringIO(), FakeTime()
    first = {"model": "fraud", "version": 4, "status": "verifying", "artifact": {"size": 10**10}}

    wait_until_verified(
        _reads(["verifying"] * 60 + ["ready"]),
        first,
        timeout=3600,
        stream=out,
        sleep=time.sleep,
        clock=lambda: time.now,
    )

    lines = out.getvalue().splitlines()
    assert 10 <= len(lines) <= 40  # about one per 30 s of some 8 minutes (polls back off to 10 s), no redraws
    assert all(line.startswith("verifying version 4 of 'fraud' (10.0 GB) on the registry:") for line in lines)
