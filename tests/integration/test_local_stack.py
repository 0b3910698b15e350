"""The local stack starts on free ports, wires boto3/pynamodb to moto, and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from modelyard_local.stack import LocalStack
from modelyard_local.template_resources import load_template
from tests.support.terminal import Terminal

# Each command gets its own data directory, all of them inside this one, removed when the session ends.
_SCRATCH = tempfile.TemporaryDirectory(prefix="modelyard-test-")

REPO = Path(__file__).resolve().parents[2]
Scope = dict[str, Any]


async def placeholder_app(scope: Scope, receive: Callable[[], Any], send: Callable[[Scope], Any]) -> None:
    """Stands in for modelyard_local.asgi.create_app(): answers what the API process sees."""
    if scope["type"] != "http":
        return
    tables = boto3.client("dynamodb").list_tables()["TableNames"]
    body = json.dumps(
        {"path": scope["path"], "tables": tables, "issuers": os.environ["MODELYARD_TRUSTED_ISSUERS"]}
    ).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(
        port=0,
        issuer_port=0,
        moto_port=0,
        backend="moto",
        table_name="stack-test-registry",
        bucket_name="stack-test-artifacts",
        app_factory=lambda: placeholder_app,
    ) as running:
        yield running


def _port_is_free(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_moto_is_reachable_and_holds_the_table_and_bucket(stack: LocalStack) -> None:
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.moto_url)
    table = dynamodb.describe_table(TableName="stack-test-registry")["Table"]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    s3 = boto3.client("s3", endpoint_url=stack.moto_url)
    assert s3.get_bucket_versioning(Bucket="stack-test-artifacts")["Status"] == "Enabled"


def test_environment_points_plain_clients_at_moto(stack: LocalStack) -> None:
    assert os.environ["AWS_ENDPOINT_URL"] == stack.moto_url
    assert os.environ["MODELYARD_TABLE"] == "stack-test-registry"
    assert os.environ["MODELYARD_BUCKET"] == "stack-test-artifacts"
    assert os.environ["MODELYARD_TRUSTED_ISSUERS"] == stack.issuer_url
    assert os.environ["MODELYARD_AUDIENCE"] == "modelyard"
    assert "stack-test-registry" in boto3.client("dynamodb").list_tables()["TableNames"]
    url = boto3.client("s3").generate_presigned_url(
        "put_object", Params={"Bucket": "stack-test-artifacts", "Key": "blobs/sha256/ab"}
    )
    assert url.startswith(f"{stack.moto_url}/stack-test-artifacts/blobs/sha256/ab?")


def test_pynamodb_reaches_moto_without_a_host_setting(stack: LocalStack) -> None:
    from pynamodb.connection import Connection

    assert Connection().describe_table("stack-test-registry")["TableName"] == "stack-test-registry"


def test_api_is_served_and_sees_the_stack(stack: LocalStack) -> None:
    with urllib.request.urlopen(f"{stack.api_url}/v1/health", timeout=5) as response:
        body = json.loads(response.read())
    assert body == {"path": "/v1/health", "tables": ["stack-test-registry"], "issuers": stack.issuer_url}


def test_tokens_come_from_the_stacks_issuer(stack: LocalStack) -> None:
    import jwt

    token = stack.mint(repository="acme/fraud")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == stack.issuer_url
    assert claims["repository"] == "acme/fraud"


def test_stack_sets_every_variable_the_deployed_function_gets(stack: LocalStack) -> None:
    deployed = load_template()["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    local = stack.environment()
    # Optional settings with defaults the local stack keeps (no admins, default stages and limits, no GitHub App).
    optional = {
        "LOG_LEVEL",
        "MODELYARD_ALLOWED_OWNERS",
        "MODELYARD_ADMIN_REPOSITORIES",
        "MODELYARD_REVIEWER_REPOSITORIES",
        "MODELYARD_STAGES",
        "MODELYARD_MAX_ARTIFACT_BYTES",
        "MODELYARD_VERIFY_ASYNC_BYTES",
        "MODELYARD_SECURITY_LOG_PER_HOUR",
        "MODELYARD_SECURITY_LOG_DAYS",
        "MODELYARD_GITHUB_APP_ID",
        "MODELYARD_GITHUB_APP_PRIVATE_KEY_SECRET",
        # sign-in: the client id comes with the GitHub stand-in (github=True); the session key is in the data
        # directory (or, on moto, MODELYARD_SESSION_KEY), not in Secrets Manager; the lifetime keeps its default
        "MODELYARD_GITHUB_CLIENT_ID",
        "MODELYARD_GITHUB_CLIENT_SECRET_ARN",  # the stand-in's client secret comes inline (github=True)
        "MODELYARD_SESSION_KEY_SECRET",
        "MODELYARD_SESSION_TTL_SECONDS",
    }
    missing = set(deployed) - optional - set(local)
    assert not missing


def test_stop_restores_the_environment_and_frees_the_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://before.invalid")
    monkeypatch.delenv("MODELYARD_TABLE", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "someone")
    threads_before = set(threading.enumerate())
    stack = LocalStack(port=0, issuer_port=0, moto_port=0, backend="moto", app_factory=lambda: placeholder_app).start()
    urls = (stack.api_url, stack.issuer_url, stack.moto_url)
    assert "AWS_PROFILE" not in os.environ
    stack.stop()
    stack.stop()  # twice is fine

    assert os.environ["AWS_ENDPOINT_URL"] == "http://before.invalid"
    assert "MODELYARD_TABLE" not in os.environ
    assert os.environ["AWS_PROFILE"] == "someone"
    for url in urls:
        assert _port_is_free(url), url
    assert not [t for t in set(threading.enumerate()) - threads_before if t.name.startswith("modelyard-")]


def test_a_failing_app_factory_leaves_nothing_running() -> None:
    def broken() -> Any:
        raise ImportError("no module named modelyard_local.asgi")

    before = os.environ.get("AWS_ENDPOINT_URL")
    threads_before = set(threading.enumerate())
    with pytest.raises(ImportError):
        LocalStack(port=0, issuer_port=0, moto_port=0, app_factory=broken).start()
    assert os.environ.get("AWS_ENDPOINT_URL") == before
    assert not [t for t in set(threading.enumerate()) - threads_before if t.name.startswith("modelyard-")]


RUN_MAIN = textwrap.dedent(
    """
    import sys
    import modelyard_local.stack as stack

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    stack.default_app_factory = lambda: app
    from modelyard_local.__main__ import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _main_env() -> dict[str, str]:
    return {
        **os.environ,
        "XDG_DATA_HOME": tempfile.mkdtemp(prefix="data-", dir=_SCRATCH.name),  # the default data directory lives here
        "PYTHONPATH": os.pathsep.join([str(REPO / "lambdas"), str(REPO / "local"), str(REPO / "actions")]),
    }


def _main_process(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUN_MAIN, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_main_env(),
        cwd=REPO,
    )


def _terminal(script: str, *args: str) -> Terminal:
    return Terminal([sys.executable, "-c", script, *args], _main_env(), REPO)


FREE_PORTS = ("--port", "0", "--issuer-port", "0", "--moto-port", "0")


def test_dev_command_prints_how_to_connect_and_stops_on_sigint() -> None:
    with _terminal(RUN_MAIN, *FREE_PORTS, "--log-level", "warning") as terminal:
        terminal.wait_for("Ctrl-C to stop", timeout=30)
        lines = terminal.lines
        banner = terminal.text
        api_url = next(line.split()[1] for line in lines if line.strip().startswith("API"))
        assert f"{api_url}/v1/docs" in banner
        assert "modelyard dev-token --repository acme/models" in banner
        assert "/mint?repository=acme/models" in banner
        issuer_url = next(line.split()[1] for line in lines if line.strip().startswith("issuer"))
        assert f"export MODELYARD_URL={api_url}" in banner
        assert f"export MODELYARD_DEV_ISSUER={issuer_url}" in banner
        with urllib.request.urlopen(f"{api_url}/v1/health", timeout=5) as response:
            assert response.status == 204
        assert terminal.stop_with(signal.SIGINT)[0] == 0


def test_dev_command_refuses_a_public_address() -> None:
    process = _main_process("--host", "0.0.0.0", "--port", "0")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "--allow-remote" in stderr


SLOW_START = textwrap.dedent(
    """
    import sys, time
    import modelyard_local.stack as stack

    def slow_factory():
        print("building the app", flush=True)
        time.sleep(60)

    stack.default_app_factory = slow_factory
    from modelyard_local.__main__ import main
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize("flag", ["--port", "--issuer-port", "--moto-port"])
def test_a_taken_port_is_a_clear_error_naming_the_port_and_its_flag(flag: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = list(FREE_PORTS) + (["--backend", "moto"] if flag == "--moto-port" else [])
        args[args.index(flag) + 1] = str(port)
        started = time.monotonic()
        process = _main_process(*args)
        try:
            _, stderr = process.communicate(timeout=5)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert time.monotonic() - started < 5
    assert process.returncode not in (0, None)
    assert str(port) in stderr
    assert f"{flag} N" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_startup_stops_the_stack_within_5_s(signum: int) -> None:
    with _terminal(SLOW_START, *FREE_PORTS) as terminal:
        terminal.wait_for("building the app", timeout=30)
        _, seconds = terminal.stop_with(signum)
        assert seconds < 5


def test_sigterm_stops_a_running_stack_within_5_s() -> None:
    with _terminal(RUN_MAIN, *FREE_PORTS) as terminal:
        terminal.wait_for("Ctrl-C to stop", timeout=30)
        status, seconds = terminal.stop_with(signal.SIGTERM)
        assert (status, seconds < 5) == (0, True)


@pytest.mark.parametrize("url", ["registry.example.com:8642", "ftp://registry.example.com", "http://", "http://h/x?y"])
def test_dev_command_refuses_a_public_url_clients_could_not_use(url: str) -> None:
    process = _main_process("--public-url", url, "--port", "0", "--issuer-port", "0")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "--public-url" in stderr
    assert "Traceback" not in stderr
