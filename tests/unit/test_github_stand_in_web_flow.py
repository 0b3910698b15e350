"""The GitHub stand-in's OAuth web flow, as a registry's sign-in sees it over HTTP: authorize, then exchange the code.

Each refusal is answered the way GitHub documents it (status 200 and an `error`), and the token a
successful exchange hands out works with `/user` like a device-flow token.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from modelyard_local.github import LocalGitHub
from modelyard_local.github_people import DEVICE_GRANT
from modelyard_local.github_web_flow import pkce_challenge

CALLBACK = "http://127.0.0.1:9/ui/sign-in/callback"
VERIFIER = "v" * 43 + "-correct-horse-battery-staple"


@pytest.fixture
def github() -> Iterator[LocalGitHub]:
    stand_in = LocalGitHub()
    stand_in.people.add_person("alice", user_id=1001, teams=("acme/ml-ops",))
    yield stand_in
    stand_in.stop()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Visit:
    status: int
    location: str
    content_type: str
    body: str

    def redirect_query(self) -> dict[str, str]:
        assert self.status == 302, self
        return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(self.location).query).items()}


def _authorize(github: LocalGitHub, **overrides: str | None) -> Visit:
    """A browser's visit to /login/oauth/authorize (not following the redirect)."""
    query = {
        "client_id": github.people.client_id,
        "redirect_uri": CALLBACK,
        "state": "state-123",
        "code_challenge": pkce_challenge(VERIFIER),
        "code_challenge_method": "S256",
        "scope": "read:org",
    }
    query.update(overrides)
    url = f"{github.url}/login/oauth/authorize?" + urllib.parse.urlencode(
        {k: v for k, v in query.items() if v is not None}
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url, timeout=10) as answer:
            status, headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        with error:
            status, headers, body = error.code, error.headers, error.read()
    return Visit(status, headers.get("Location", ""), headers.get("Content-Type", ""), body.decode())


def _exchange(github: LocalGitHub, code: str, **overrides: str) -> dict[str, Any]:
    form = {
        "client_id": github.people.client_id,
        "client_secret": github.people.client_secret,
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
        **overrides,
    }
    request = urllib.request.Request(
        f"{github.url}/login/oauth/access_token",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200  # GitHub answers its refusals with 200 too
        body: dict[str, Any] = json.loads(answer.read())
        return body


def _user(github: LocalGitHub, token: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{github.url}/user", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        body: dict[str, Any] = json.loads(answer.read())
        return body


def test_a_signed_in_person_is_sent_back_with_a_code_that_buys_their_token(github: LocalGitHub) -> None:
    github.people.sign_in_browser("alice")
    back = _authorize(github).redirect_query()

    assert set(back) == {"code", "state"} and back["state"] == "state-123"
    answer = _exchange(github, back["code"])
    assert answer["token_type"] == "bearer" and answer["scope"] == "read:org"
    assert answer["access_token"].startswith("gho_")
    assert _user(github, answer["access_token"]) == {"login": "alice", "id": 1001, "type": "User", "site_admin": False}


def test_with_nobody_signed_in_the_browser_gets_a_page_and_no_code(github: LocalGitHub) -> None:
    github.people.sign_in_browser(None)
    visit = _authorize(github)

    assert (visit.status, visit.location) == (200, "")
    assert visit.content_type.startswith("text/html")
    assert "No one is signed in" in visit.body


def test_a_person_who_cancels_is_sent_back_with_access_denied_and_the_state(github: LocalGitHub) -> None:
    github.people.sign_in_browser("alice")
    github.people.deny_next_authorization()
    back = _authorize(github).redirect_query()

    assert back["error"] == "access_denied" and back["state"] == "state-123"
    assert "code" not in back
    assert "code" in _authorize(github).redirect_query()  # only the next authorization was denied


def test_a_wrong_verifier_gets_no_token_and_spends_the_code(github: LocalGitHub) -> None:
    github.people.sign_in_browser("alice")
    code = _authorize(github).redirect_query()["code"]

    assert _exchange(github, code, code_verifier="w" * 43)["error"] == "bad_verification_code"
    assert _exchange(github, code)["error"] == "bad_verification_code"  # an attacker's guess burnt it


def test_a_code_is_single_use_and_dies_after_ten_minutes(github: LocalGitHub) -> None:
    github.people.sign_in_browser("alice")
    code = _authorize(github).redirect_query()["code"]
    assert "access_token" in _exchange(github, code)
    assert _exchange(github, code)["error"] == "bad_verification_code"

    stale = _authorize(github).redirect_query()["code"]
    github.people.web_flow.expire_codes()
    assert _exchange(github, stale)["error"] == "bad_verification_code"
    assert _exchange(github, "made-up")["error"] == "bad_verification_code"


def test_a_wrong_client_secret_is_refused_and_leaves_the_code_for_the_real_client(github: LocalGitHub) -> None:
    github.people.sign_in_browser("alice")
    code = _authorize(github).redirect_query()["code"]

    refused = _exchange(github, code, client_secret="not-the-secret")
    assert refused["error"] == "incorrect_client_credentials" and "access_token" not in refused
    assert _exchange(github, code, client_id="Iv1.someoneelse")["error"] == "incorrect_client_credentials"
    assert "access_token" in _exchange(github, code)


def test_the_exchange_must_name_the_redirect_uri_the_code_was_sent_to(github: LocalGitHub) -> None:
    github.people.sign_in_browser("alice")
    code = _authorize(github).redirect_query()["code"]

    answer = _exchange(github, code, redirect_uri="https://evil.example.com/callback")
    assert answer["error"] == "redirect_uri_mismatch"
    assert answer["error_description"] and answer["error_uri"]


def test_authorize_checks_the_client_the_redirect_uri_and_the_challenge_method(github: LocalGitHub) -> None:
    github.people.sign_in_browser("alice")

    assert _authorize(github, client_id="Iv1.unknown").status == 404
    assert _authorize(github, redirect_uri=None).status == 400
    assert _authorize(github, code_challenge_method="plain").status == 400
    assert _authorize(github, code_challenge_method=None).status == 400
    # without a challenge the flow still works (GitHub's PKCE is optional), and needs no verifier
    code = _authorize(github, code_challenge=None, code_challenge_method=None).redirect_query()["code"]
    assert "access_token" in _exchange(github, code, code_verifier="")


def test_the_device_flow_still_answers_on_the_same_endpoint(github: LocalGitHub) -> None:
    form = urllib.parse.urlencode({"client_id": github.people.client_id, "scope": "read:org"}).encode()
    with urllib.request.urlopen(f"{github.url}/login/device/code", data=form, timeout=10) as answer:
        device = json.loads(answer.read())
    github.people.approve(device["user_code"], "alice")
    request = urllib.request.Request(
        f"{github.url}/login/oauth/access_token",
        data=urllib.parse.urlencode(
            {"client_id": github.people.client_id, "device_code": device["device_code"], "grant_type": DEVICE_GRANT}
        ).encode(),
        headers={"Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        token = json.loads(answer.read())["access_token"]
    assert _user(github, token)["login"] == "alice"


def test_by_hand_the_browsers_person_is_set_over_loopback(github: LocalGitHub) -> None:
    def local(action: str, **fields: str) -> int:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(f"{github.url}/_local/browser/{action}", data=data, timeout=10) as answer:
            return int(answer.status)

    assert local("sign-in", login="bob") == 200
    code = _authorize(github).redirect_query()["code"]
    assert _user(github, _exchange(github, code)["access_token"])["login"] == "bob"
    assert local("deny-next") == 200
    assert _authorize(github).redirect_query()["error"] == "access_denied"
    assert local("sign-in", login="") == 200
    assert "No one is signed in" in _authorize(github).body
