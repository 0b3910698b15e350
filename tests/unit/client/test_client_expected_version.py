"""``expected_version`` on the wire: absent = unconditional, null = must be empty, a number = must hold it."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from client_fakes import FakeRegistry
from test_client_cli import run

from conftest import Loopback
from modelyard import Client
from modelyard.client import UNSET
from modelyard.errors import RegistryError
from modelyard.transport import RetryPolicy

ABSENT = object()  # the request had no expected_version member at all
CASES = [(UNSET, ABSENT), (None, None), (1, 1)]
CLI_CASES = [([], ABSENT), (["--expected-version", "none"], None), (["--expected-version", "1"], 1)]
PROMOTE = "/v1/models/fraud/stages/staging/promote"
ALIAS = "/v1/models/fraud/aliases/champion"


@pytest.fixture
def server(loopback, clean_env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Loopback:
    registry = FakeRegistry()
    started: Loopback = loopback(registry)
    registry.base_url = started.url
    monkeypatch.setenv("MODELYARD_URL", started.url)
    monkeypatch.setenv("MODELYARD_TOKEN", "test-token")
    monkeypatch.setenv("MODELYARD_MAX_ATTEMPTS", "1")
    (tmp_path / "m.onnx").write_bytes(b"model")
    _client(started).register("fraud", tmp_path / "m.onnx", create_model=True)
    return started


def _client(server: Loopback) -> Client:
    return Client(server.url, "test-token", retry=RetryPolicy(attempts=1), progress=False)


def _sent(server: Loopback, path: str) -> Any:
    body = [seen for seen in server.seen if seen.path == path][-1].json()
    return body.get("expected_version", ABSENT)


@pytest.mark.parametrize(("given", "sent"), CASES)
def test_sdk_sends_the_three_cases_distinctly(server: Loopback, given: Any, sent: Any) -> None:
    client = _client(server)
    with contextlib.suppress(RegistryError):  # only what went over the wire matters here
        client.promote("fraud", 1, stage="staging", expected_version=given)
    with contextlib.suppress(RegistryError):
        client.set_alias("fraud", "champion", 1, expected_version=given)
    assert _sent(server, PROMOTE) == sent
    assert _sent(server, ALIAS) == sent


@pytest.mark.parametrize(("flags", "sent"), CLI_CASES)
def test_cli_sends_the_three_cases_distinctly(server: Loopback, capsys, flags: list[str], sent: Any) -> None:
    run(capsys, "promote", "fraud", "1", "--stage", "staging", *flags)
    run(capsys, "alias", "set", "fraud", "champion", "1", *flags)
    assert _sent(server, PROMOTE) == sent
    assert _sent(server, ALIAS) == sent


def test_none_means_the_stage_must_be_empty(server: Loopback, capsys) -> None:
    assert run(capsys, "promote", "fraud", "1", "--stage", "staging", "--expected-version", "none")[0] == 0
    code, _, err = run(capsys, "promote", "fraud", "1", "--stage", "staging", "--expected-version", "none")
    assert code == 1 and "409" not in err and err.startswith("error: Pointer moved")
