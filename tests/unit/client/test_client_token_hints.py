"""A refused token says what to do next: locally the `modelyard dev-token` to run, in Actions the permission."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from test_client_cli import run

from conftest import Answer

LOCAL_ISSUER = "http://127.0.0.1:8643"


def _jwt(**claims: Any) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2ln"


def _refusing(detail: str) -> Any:
    body = {
        "type": "https://modelyard.dev/problems/invalid-token",
        "title": "Invalid bearer token",
        "status": 401,
        "detail": detail,
    }
    return lambda seen: Answer(401, body, {"Content-Type": "application/problem+json"})


@pytest.fixture
def refusing(loopback, clean_env, monkeypatch: pytest.MonkeyPatch) -> Any:
    def start(detail: str, token: str) -> None:
        server = loopback(_refusing(detail))
        monkeypatch.setenv("MODELYARD_URL", server.url)
        monkeypatch.setenv("MODELYARD_TOKEN", token)
        monkeypatch.setenv("MODELYARD_MAX_ATTEMPTS", "1")

    return start


def test_an_expired_local_token_says_which_dev_token_to_mint(refusing, capsys) -> None:
    token = _jwt(iss=LOCAL_ISSUER, exp=int(time.time()) - 60, repository="acme/models", environment="staging")
    refusing("the bearer token has expired", token)
    code, _, err = run(capsys, "show", "fraud")
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == "error: Invalid bearer token: the bearer token has expired"
    assert lines[1].startswith("hint: ")
    assert "export MODELYARD_TOKEN=$(modelyard dev-token --repository acme/models --environment staging)" in lines[1]


def test_a_token_from_a_restarted_local_issuer_says_to_mint_a_new_one(refusing, capsys) -> None:
    token = _jwt(iss=LOCAL_ISSUER, exp=int(time.time()) + 600, repository="acme/models")
    refusing("the issuer has no signing key 'k1'", token)
    code, _, err = run(capsys, "list")
    assert code == 1
    assert "restarted" in err
    assert "modelyard dev-token --repository acme/models)" in err


def test_in_actions_a_refused_token_names_the_permission(refusing, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    refusing("the bearer token has expired", _jwt(iss="https://token.actions.githubusercontent.com", exp=1))
    code, out, err = run(capsys, "list")
    assert code == 1
    assert "permissions: id-token: write" in err
    assert "permissions: id-token: write" in out  # the ::error annotation says it too
