"""`modelyard dev` as a new user meets it: its options, its banner, its terminal, and stopping it."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from modelyard_local.__main__ import parser
from tests.e2e.conftest import base_env, write_bytes
from tests.support.terminal import Terminal


def _modelyard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        env={**base_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_dev_help_lists_every_option_of_the_stack() -> None:
    result = _modelyard("dev", "--help")
    assert result.returncode == 0, result.stderr
    options = {option for action in parser()._actions for option in action.option_strings}
    assert {"--port", "--notifications", "--no-events", "--issuer-port", "--moto-port"} <= options
    missing = [option for option in options if option not in result.stdout]
    assert not missing, result.stdout
    assert "usage: modelyard dev" in result.stdout


def test_dev_runs_with_options_prints_the_exports_and_stops_quietly_on_sigterm(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "modelyard", "dev", "--port", "0", "--issuer-port", "0", "--moto-port", "0"]
    with Terminal(command, base_env()) as terminal:
        terminal.wait_for("Ctrl-C to stop")
        exports = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in terminal.lines
            if line.strip().startswith("export MODELYARD_") and "$(" not in line
        )
        assert set(exports) == {"MODELYARD_URL", "MODELYARD_DEV_ISSUER"}, terminal.text

        minted = _modelyard("dev-token", "--repository", "acme/models", env=exports)
        assert minted.returncode == 0, minted.stderr
        session = {**exports, "MODELYARD_TOKEN": minted.stdout.strip()}
        assert _modelyard("create-model", "quiet", env=session).returncode == 0
        model = write_bytes(tmp_path / "m.onnx", b"weights" * 100)
        for _ in range(3):
            registered = _modelyard("register", "quiet", str(model), env=session)
            assert registered.returncode == 0, registered.stderr

        status, seconds = terminal.stop_with(signal.SIGTERM)
        assert (status, seconds < 5) == (0, True)
    assert "botocore.credentials" not in terminal.text
    assert "Found credentials" not in terminal.text


def _without_redirects() -> urllib.request.OpenerDirector:
    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(Stay)


def _open(opener: urllib.request.OpenerDirector, url: str, cookie: str | None = None) -> tuple[int, Any, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read().decode()


def test_dev_prints_a_one_time_link_that_signs_the_local_user_in_to_the_web_pages(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "modelyard", "dev", "--port", "0", "--issuer-port", "0"]
    env = {**base_env(), "USER": "dana", "LOGNAME": "dana", "XDG_DATA_HOME": str(tmp_path)}
    with Terminal(command, env) as terminal:
        terminal.wait_for("Ctrl-C to stop")
        link = next(line.split()[-1] for line in terminal.lines if line.strip().startswith("Web UI"))
        opener = _without_redirects()

        status, headers, _ = _open(opener, link)
        again, _, reused = _open(opener, link)
        cookie = headers["Set-Cookie"].split(";")[0]
        catalog_status, _, catalog = _open(opener, link.split("/ui/")[0] + "/ui/", cookie)
        terminal.stop_with(signal.SIGTERM)

    assert (status, headers["Location"]) == (303, "/ui/")
    assert cookie.startswith("__Host-modelyard-session=")
    assert again == 400 and "already used or has expired" in reused
    assert catalog_status == 200 and "Signed in as" in catalog and "dana" in catalog
