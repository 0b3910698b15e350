"""The embedded registry keeps every acknowledged change: SIGKILL the server, start it again, all is there."""

from __future__ import annotations

import json
import re
import signal
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from modelyard.client import Client
from modelyard.transport import RetryPolicy
from tests.e2e.conftest import OWNER, base_env, write_bytes
from tests.support.terminal import Terminal


def _start(
    data_dir: Path, port: int = 0, issuer_port: int = 0, extra: tuple[str, ...] = ()
) -> tuple[Terminal, str, str]:
    """`modelyard dev` on `data_dir`: the running terminal, the API URL and the issuer URL."""
    command = [sys.executable, "-m", "modelyard_local", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--issuer-port", str(issuer_port), *extra]
    terminal = Terminal(command, base_env())
    terminal.wait_for("Ctrl-C to stop")
    urls = dict(re.findall(r"^\s+(API|issuer)\s+(http://\S+)", terminal.text, flags=re.MULTILINE))
    return terminal, urls["API"], urls["issuer"]


def _mint(issuer: str, **claims: str) -> str:
    with urllib.request.urlopen(f"{issuer}/mint?{urllib.parse.urlencode(claims)}", timeout=10) as answer:
        token: str = json.loads(answer.read())["value"]
    return token


def _client(url: str, token: str) -> Client:
    return Client(url=url, token=token, retry=RetryPolicy(attempts=1, timeout=10.0), progress=False, env={})


def _port(url: str) -> int:
    port = urllib.parse.urlsplit(url).port
    assert port is not None
    return port


def test_every_acknowledged_change_survives_sigkill_and_old_tokens_still_work(tmp_path: Path) -> None:
    data_dir = tmp_path / "registry"
    first, api, issuer = _start(data_dir)
    with first:
        owner_token = _mint(issuer, repository=OWNER)
        owner = _client(api, owner_token)
        weights = write_bytes(tmp_path / "model.onnx", b"weights " * 4096)
        one = owner.register("fraud", weights, metrics={"accuracy": 0.91}, create_model=True)
        two = owner.register("fraud", write_bytes(tmp_path / "two.onnx", b"better " * 4096), semver="2.0.0")
        owner.set_alias("fraud", "champion", 2)
        deployer = _client(api, _mint(issuer, repository=OWNER, environment="development"))
        deployer.promote("fraud", 1, stage="development")
        events_before = [event["id"] for event in owner.events("fraud")]
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)

    second, api_again, issuer_again = _start(data_dir, _port(api), _port(issuer))
    with second:
        assert (api_again, issuer_again) == (api, issuer)
        owner = _client(api, owner_token)  # minted before the kill: the issuer kept its key
        model: dict[str, Any] = owner.get_model("fraud")
        assert model["latest_version"] == 2
        assert model["stages"]["development"]["version"] == 1
        assert model["aliases"]["champion"]["version"] == 2
        versions = {v["version"]: v for v in owner.list_versions("fraud")}
        assert {n: v["status"] for n, v in versions.items()} == {1: "ready", 2: "ready"}
        assert versions[1]["artifact"]["sha256"] == one["artifact"]["sha256"]
        assert versions[2]["semver"] == "2.0.0"
        assert [event["id"] for event in owner.events("fraud")] == events_before
        downloaded = owner.download("models:/fraud/2", tmp_path / "out.onnx")
        assert Path(downloaded).read_bytes() == b"better " * 4096
        assert two["artifact"]["sha256"] == versions[2]["artifact"]["sha256"]
        status, _ = second.stop_with(signal.SIGTERM)
        assert status == 0


@pytest.mark.parametrize("events", [True, False], ids=["events-pipeline", "no-events"])
def test_a_second_server_on_the_same_data_directory_refuses_to_start(tmp_path: Path, events: bool) -> None:
    data_dir = tmp_path / "registry"
    first, _, _ = _start(data_dir, extra=() if events else ("--no-events",))
    with first:
        command = [sys.executable, "-m", "modelyard_local", "--data-dir", str(data_dir), "--port", "0"]
        with Terminal([*command, "--issuer-port", "0"], base_env()) as second:
            status = second.process.wait(timeout=30)
            assert status == 1, second.text
            assert f"the data directory {data_dir.resolve()} is in use by another modelyard server" in second.text
        assert first.process.poll() is None  # the first one is unharmed


def test_a_data_directory_that_is_a_file_is_a_clear_error_at_start(tmp_path: Path) -> None:
    not_a_dir = write_bytes(tmp_path / "registry", b"not a directory")
    command = [sys.executable, "-m", "modelyard_local", "--data-dir", str(not_a_dir), "--port", "0"]
    with Terminal([*command, "--issuer-port", "0"], base_env()) as server:
        assert server.process.wait(timeout=30) == 1, server.text
        assert "could not start the local stack" in server.text
        assert str(not_a_dir) in server.text
    assert not_a_dir.read_bytes() == b"not a directory"


def test_transfer_urls_point_at_the_public_url_when_one_is_given(tmp_path: Path) -> None:
    from modelyard_local.stack import LocalStack

    public = "https://models.example"
    with LocalStack(port=0, issuer_port=0, data_dir=tmp_path / "registry", public_url=public) as stack:
        owner = _client(stack.api_url, stack.mint(repository=OWNER))
        owner.create_model("fraud")
        body = {"artifact": {"sha256": "a" * 64, "size": 10}}
        plan = owner._request("POST", "/v1/models/fraud/versions", body=body)["upload"]
    assert plan["url"].startswith(f"{public}/_blobs/put/")
