"""A tracking URI may carry credentials (`https://user:secret@mlflow.example`, as MLflow's basic-auth app
expects): they are sent as HTTP Basic authentication and never shown in a message, which ends in CI logs."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from modelyard.errors import ClientError
from modelyard.mlflow_source import MlflowRegistry

SECRET = "s3cr3t-Passw0rd"


@pytest.fixture
def mlflow_stand_in() -> Iterator[tuple[str, list[str | None]]]:
    """An MLflow server with no models, recording each request's Authorization header."""
    seen: list[str | None] = []

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            body = json.dumps({"registered_models": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_credentials_in_the_tracking_uri_are_sent_as_basic_auth(mlflow_stand_in: tuple[str, list[str | None]]) -> None:
    host, seen = mlflow_stand_in
    assert list(MlflowRegistry(f"http://alice:{SECRET}@{host}").models()) == []
    assert seen == ["Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("uri", ["http://alice:{secret}@127.0.0.1:{port}", "ftp://alice:{secret}@mlflow.example"])
def test_a_failure_never_shows_the_password(uri: str) -> None:
    # the port is found when the test runs: a parameter must be the same in every xdist worker's collection
    uri = uri.format(secret=SECRET, port=_closed_port())
    with pytest.raises(ClientError) as refused:
        list(MlflowRegistry(uri).models())
    assert SECRET not in str(refused.value)
