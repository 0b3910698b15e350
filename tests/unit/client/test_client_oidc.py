"""Token acquisition against a loopback server shaped like GitHub's OIDC token endpoint."""

from __future__ import annotations

import base64
import json
import time

import pytest

from conftest import Answer, Seen
from modelyard.errors import ClientError
from modelyard.oidc import GitHubActionsToken, get_token, token_source

REQUEST_TOKEN = "runner-request-token-123"


def _jwt(claims: dict[str, object]) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def github_oidc(seen: Seen) -> Answer:
    """Like GitHub's endpoint: needs the runner's bearer token, echoes the audience into the JWT."""
    if seen.headers.get("authorization") != f"bearer {REQUEST_TOKEN}":
        return Answer(401, {"message": "Bad credentials"})
    if seen.query.get("api-version") != ["2.0"]:
        return Answer(400, {"message": "api-version missing"})
    audience = seen.query.get("audience", ["https://github.com/acme"])[0]
    token = _jwt({"aud": audience, "repository": "acme/fraud", "exp": int(time.time()) + 300})
    return Answer(200, {"count": 1, "value": token})


def _actions_env(url: str, **extra: str) -> dict[str, str]:
    env = {
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{url}/_apis/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
    }
    env.update(extra)
    return env


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def test_oidc_token_is_requested_with_audience_and_bearer(loopback, capsys: pytest.CaptureFixture[str]) -> None:
    server = loopback(github_oidc)
    token = get_token(env=_actions_env(server.url))
    assert _claims(token)["aud"] == "modelyard"
    (request,) = server.seen
    assert request.query["audience"] == ["modelyard"]
    assert request.headers["authorization"] == f"bearer {REQUEST_TOKEN}"
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"::add-mask::{token}"


def test_audience_comes_from_modelyard_audience(loopback, capsys: pytest.CaptureFixture[str]) -> None:
    server = loopback(github_oidc)
    token = get_token(env=_actions_env(server.url, MODELYARD_AUDIENCE="https://registry.acme.dev"))
    assert _claims(token)["aud"] == "https://registry.acme.dev"
    assert server.seen[0].query["audience"] == ["https://registry.acme.dev"]


def test_token_is_cached_until_close_to_expiry(loopback, capsys: pytest.CaptureFixture[str]) -> None:
    server = loopback(github_oidc)
    now = [time.time()]
    source = GitHubActionsToken(
        f"{server.url}/_apis/token?api-version=2.0", REQUEST_TOKEN, "modelyard", clock=lambda: now[0]
    )
    first = source.get()
    assert source.get() == first
    assert len(server.seen) == 1
    now[0] += 280  # within the refresh margin of the 300 s lifetime
    source.get()
    assert len(server.seen) == 2


def test_refused_request_token_is_a_clear_error(loopback, capsys: pytest.CaptureFixture[str]) -> None:
    server = loopback(github_oidc)
    env = _actions_env(server.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN="wrong")
    with pytest.raises(ClientError, match=r"GitHub refused the OIDC token request \(HTTP 401") as info:
        get_token(env=env)
    assert "wrong" not in str(info.value)
    assert capsys.readouterr().out == ""


def test_missing_id_token_permission_explains_the_fix() -> None:
    with pytest.raises(ClientError, match=r"permissions: id-token: write"):
        get_token(env={"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/fraud"})


def test_outside_actions_without_token_says_how_to_get_one() -> None:
    with pytest.raises(ClientError, match=r"MODELYARD_TOKEN.*dev-token"):
        get_token(env={})


def test_modelyard_token_wins_and_is_masked_in_actions(loopback, capsys: pytest.CaptureFixture[str]) -> None:
    server = loopback(github_oidc)
    assert get_token(env=_actions_env(server.url, MODELYARD_TOKEN="static-jwt")) == "static-jwt"
    assert server.seen == []
    assert capsys.readouterr().out == "::add-mask::static-jwt\n"
    assert get_token("explicit", env={"MODELYARD_TOKEN": "static-jwt"}) == "explicit"
    assert capsys.readouterr().out == "", "no workflow commands outside Actions"


def test_endpoint_answer_without_value(loopback, capsys: pytest.CaptureFixture[str]) -> None:
    server = loopback(lambda seen: Answer(200, {"count": 0}))
    with pytest.raises(ClientError, match="without a token"):
        get_token(env=_actions_env(server.url))


def test_token_source_repr_hides_secrets() -> None:
    source = token_source("super-secret", env={})
    assert "super-secret" not in repr(source)
