"""The registry's side of GitHub's web flow, against the GitHub stand-in on 127.0.0.1: the authorize URL a
browser follows, the code exchange, GitHub's refusals, and GitHub being away."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.support.loopback_http import serving_handler

from modelyard_local.github import LocalGitHub
from modelyard_server.adapters import secrets
from modelyard_server.adapters.github_oauth import (
    GitHubWebFlow,
    configured_client_secret,
    new_pkce_pair,
    new_state,
)
from modelyard_server.adapters.github_users import GitHubUserApi
from modelyard_server.ports.identity import GitHubTokenRefused, GitHubUnreachable
from modelyard_server.settings import Settings

CALLBACK = "http://127.0.0.1:8642/ui/sign-in/callback"


@pytest.fixture
def github() -> Iterator[LocalGitHub]:
    stand_in = LocalGitHub()
    stand_in.people.add_person("alice", user_id=1001, teams=("acme/ml-ops",))
    stand_in.people.sign_in_browser("alice")
    yield stand_in
    stand_in.stop()


@pytest.fixture
def flow(github: LocalGitHub) -> GitHubWebFlow:
    return GitHubWebFlow(github.url + "/", github.people.client_id, github.people.client_secret)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _browser_visits(url: str) -> dict[str, str]:
    """The query GitHub sends the browser back to the callback with."""
    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(_NoRedirects).open(url, timeout=10).close()
    with redirected.value as answer:
        status, location = answer.code, answer.headers["Location"]
    assert status == 302 and location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}


def _code_for(flow: GitHubWebFlow, challenge: str, state: str = "s") -> str:
    return _browser_visits(flow.authorize_url(CALLBACK, state, challenge, ["read:org"]))["code"]


def test_a_person_signs_in_and_the_token_says_who_they_are(github: LocalGitHub, flow: GitHubWebFlow) -> None:
    verifier, challenge = new_pkce_pair()
    state = new_state()
    back = _browser_visits(flow.authorize_url(CALLBACK, state, challenge, ["read:org"]))
    assert back["state"] == state

    token = flow.exchange_code(back["code"], verifier, CALLBACK)
    identity = GitHubUserApi(github.url).identify(token)
    assert (identity.login, identity.user_id, identity.teams) == ("alice", 1001, ("acme/ml-ops",))
    assert [line.split("?")[0] for line in github.requests] == [
        "GET /login/oauth/authorize",
        *(["POST /login/oauth/access_token", "GET /user", "GET /user/teams", "GET /user/orgs"]),
    ]


def test_the_authorize_url_asks_for_s256_and_the_scopes(flow: GitHubWebFlow, github: LocalGitHub) -> None:
    url = flow.authorize_url(CALLBACK, "st", "ch", ["read:org", "user:email"])
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{github.url}/login/oauth/authorize"
    assert dict(urllib.parse.parse_qsl(parts.query)) == {
        "client_id": github.people.client_id,
        "redirect_uri": CALLBACK,
        "state": "st",
        "code_challenge": "ch",
        "code_challenge_method": "S256",
        "scope": "read:org user:email",
    }


def test_pkce_verifiers_and_states_are_fresh_and_well_formed() -> None:
    pairs = [new_pkce_pair() for _ in range(20)]
    for verifier, challenge in pairs:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,128}", verifier)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge)  # 32 bytes of sha256, unpadded base64url
    assert len({verifier for verifier, _ in pairs}) == len({challenge for _, challenge in pairs}) == 20
    assert len({new_state() for _ in range(20)}) == 20 and len(new_state()) >= 32


def test_a_wrong_verifier_is_githubs_bad_verification_code(flow: GitHubWebFlow) -> None:
    _, challenge = new_pkce_pair()
    code = _code_for(flow, challenge)
    someone_elses_verifier, _ = new_pkce_pair()
    with pytest.raises(GitHubTokenRefused) as refused:
        flow.exchange_code(code, someone_elses_verifier, CALLBACK)
    assert refused.value.error == "bad_verification_code"
    assert code not in str(refused.value) and someone_elses_verifier not in str(refused.value)


def test_a_spent_code_is_refused(flow: GitHubWebFlow) -> None:
    verifier, challenge = new_pkce_pair()
    code = _code_for(flow, challenge)
    flow.exchange_code(code, verifier, CALLBACK)
    with pytest.raises(GitHubTokenRefused) as refused:
        flow.exchange_code(code, verifier, CALLBACK)
    assert refused.value.error == "bad_verification_code"


def test_a_wrong_client_secret_is_refused_and_never_repeated(github: LocalGitHub) -> None:
    flow = GitHubWebFlow(github.url, github.people.client_id, "stale-secret-0123456789")
    verifier, challenge = new_pkce_pair()
    code = _code_for(flow, challenge)
    with pytest.raises(GitHubTokenRefused) as refused:
        flow.exchange_code(code, verifier, CALLBACK)
    assert refused.value.error == "incorrect_client_credentials"
    assert "stale-secret" not in str(refused.value) and "stale-secret" not in repr(flow)


def test_a_different_redirect_uri_is_refused(flow: GitHubWebFlow) -> None:
    verifier, challenge = new_pkce_pair()
    code = _code_for(flow, challenge)
    with pytest.raises(GitHubTokenRefused) as refused:
        flow.exchange_code(code, verifier, "http://127.0.0.1:8642/elsewhere")
    assert refused.value.error == "redirect_uri_mismatch"


def test_github_down_is_unreachable_with_a_wait(github: LocalGitHub, flow: GitHubWebFlow) -> None:
    github.down = True  # 503
    with pytest.raises(GitHubUnreachable) as away:
        flow.exchange_code("code", "v" * 43, CALLBACK)
    assert away.value.retry_after >= 1


def test_a_closed_port_is_unreachable() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as server:
        port = server.server_address[1]
    flow = GitHubWebFlow(f"http://127.0.0.1:{port}", "Iv1.x", "secret")
    with pytest.raises(GitHubUnreachable):
        flow.exchange_code("code", "v" * 43, CALLBACK)


def test_an_answer_that_is_not_json_is_unreachable_not_a_crash() -> None:
    class HtmlPage(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>captive portal</html>")

    with serving_handler(HtmlPage) as url:
        flow = GitHubWebFlow(url, "Iv1.x", "secret")
        with pytest.raises(GitHubUnreachable):
            flow.exchange_code("code", "v" * 43, CALLBACK)


def test_a_redirect_is_not_followed_with_the_secret() -> None:
    followed: list[str] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            followed.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET

    with serving_handler(Elsewhere) as elsewhere:

        class Redirecting(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                self.send_response(302)  # urllib would follow it (as a GET) unless told not to
                self.send_header("Location", f"{elsewhere}/collect")
                self.end_headers()

        with serving_handler(Redirecting) as github, pytest.raises(GitHubUnreachable):
            GitHubWebFlow(github, "Iv1.x", "secret").exchange_code("code", "v" * 43, CALLBACK)
    assert followed == []


def test_plain_http_to_another_host_is_never_sent() -> None:
    flow = GitHubWebFlow("http://github.example.com", "Iv1.x", "secret")
    with pytest.raises(GitHubUnreachable, match="plain HTTP"):
        flow.exchange_code("code", "v" * 43, CALLBACK)


def test_the_client_secret_comes_inline_from_secrets_manager_or_not_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    assert configured_client_secret(Settings()) is None
    assert configured_client_secret(Settings(github_client_secret="inline")) == "inline"
    assert "inline" not in repr(Settings(github_client_secret="inline"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="modelyard/gh-client", SecretString="from-sm")["ARN"]
        secrets.secret_string.cache_clear()
        try:
            assert configured_client_secret(Settings(github_client_secret_arn=arn)) == "from-sm"
        finally:
            secrets.secret_string.cache_clear()
