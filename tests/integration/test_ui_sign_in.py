"""A person signs in to the web pages with GitHub's web flow, on the Lambda path: state and PKCE checked,
the session exchange of the API behind it, and every way the flow can go wrong answered without a session."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from modelyard_local.github import LocalGitHub
from tests.integration.conftest import Registry
from tests.support.api_events import ApiResponse
from tests.support.page_calls import read_page, session_cookie, set_cookies

SIGN_IN_COOKIE = "__Host-modelyard-sign-in"
PUBLIC_URL = "https://registry.example"


@pytest.fixture
def web_flow(registry: Registry, github: LocalGitHub, monkeypatch: pytest.MonkeyPatch) -> LocalGitHub:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("MODELYARD_GITHUB_URL", github.url)
    monkeypatch.setenv("MODELYARD_GITHUB_API_URL", github.url)
    monkeypatch.setenv("MODELYARD_GITHUB_CLIENT_ID", github.people.client_id)
    monkeypatch.setenv("MODELYARD_GITHUB_CLIENT_SECRET", github.people.client_secret)
    monkeypatch.setenv("MODELYARD_SESSION_KEY_SECRET", registry.stack.resolver.refs["SessionSigningKey"])
    forget_configuration()
    github.people.add_person("octocat", user_id=583231, teams=("acme/ml",))
    return github


def _get(registry: Registry, path: str, cookies: dict[str, str] | None = None, **kwargs: Any) -> ApiResponse:
    pairs = [f"{name}={value}" for name, value in (cookies or {}).items()]
    return registry.call("GET", path, token=None, cookies=pairs or None, **kwargs)


def _github_answers(authorize_url: str) -> str:
    """Where GitHub sends the browser back (its Location), as a browser following the redirect would see."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as redirect:  # urllib reports a redirect it does not follow so
        urllib.request.build_opener(Stay).open(authorize_url, timeout=10)
    assert redirect.value.code == 302, redirect.value.read()
    return str(redirect.value.headers["Location"])


def _start(registry: Registry, next_page: str = "/ui/") -> tuple[str, str]:
    """The authorize URL the registry sends the browser to, and the sign-in cookie it set."""
    started = _get(registry, "/ui/sign-in/github", query={"next": next_page})
    assert started.status == 303, started
    return started.headers["Location"], set_cookies(started.cookies)[SIGN_IN_COOKIE].split(";")[0]


def _callback_path(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return parts.path + "?" + parts.query


def test_a_person_signs_in_with_github_and_lands_on_the_page_they_asked_for(
    registry: Registry, web_flow: LocalGitHub
) -> None:
    web_flow.people.sign_in_browser("octocat")
    authorize, pending = _start(registry, "/ui/?tag=team%3Drisk")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize).query)
    back = _github_answers(authorize)

    finished = _get(registry, urllib.parse.urlsplit(back).path, {SIGN_IN_COOKIE: pending}, query=_query(back))

    assert authorize.startswith(web_flow.url + "/login/oauth/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["redirect_uri"] == [f"{PUBLIC_URL}/ui/sign-in/callback"]
    assert back.startswith(f"{PUBLIC_URL}/ui/sign-in/callback?")
    assert finished.status == 303 and finished.headers["Location"] == "/ui/?tag=team%3Drisk"
    cookies = set_cookies(finished.cookies)
    assert "Max-Age=0" in cookies[SIGN_IN_COOKIE]
    session = cookies["__Host-modelyard-session"].split(";")[0]
    catalog = registry.call("GET", "/ui/", token=None, cookies=session_cookie(session))
    assert "Signed in as octocat" in read_page(catalog).shown


def _query(url: str) -> list[tuple[str, str]]:
    return urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)


def test_an_answer_to_a_sign_in_started_elsewhere_signs_nobody_in(registry: Registry, web_flow: LocalGitHub) -> None:
    web_flow.people.sign_in_browser("octocat")
    authorize, _ = _start(registry)
    _, other_browsers_cookie = _start(registry)
    back = _github_answers(authorize)
    path = urllib.parse.urlsplit(back).path

    no_cookie = _get(registry, path, query=_query(back))
    wrong_state = _get(registry, path, {SIGN_IN_COOKIE: other_browsers_cookie}, query=_query(back))

    for answer in (no_cookie, wrong_state):
        assert answer.status == 400, answer
        assert "__Host-modelyard-session" not in set_cookies(answer.cookies)


def test_a_tampered_sign_in_cookie_signs_nobody_in(registry: Registry, web_flow: LocalGitHub) -> None:
    web_flow.people.sign_in_browser("octocat")
    authorize, pending = _start(registry)
    back = _github_answers(authorize)
    payload, mac = pending.split(".")
    tampered = f"{payload[:-2]}AA.{mac}"

    answer = _get(registry, urllib.parse.urlsplit(back).path, {SIGN_IN_COOKIE: tampered}, query=_query(back))

    assert answer.status == 400 and not answer.cookies


def test_a_code_used_once_cannot_sign_in_again(registry: Registry, web_flow: LocalGitHub) -> None:
    web_flow.people.sign_in_browser("octocat")
    authorize, pending = _start(registry)
    back = _github_answers(authorize)
    path = urllib.parse.urlsplit(back).path

    first = _get(registry, path, {SIGN_IN_COOKIE: pending}, query=_query(back))
    replayed = _get(registry, path, {SIGN_IN_COOKIE: pending}, query=_query(back))

    assert first.status == 303
    assert replayed.status == 401 and "__Host-modelyard-session" not in set_cookies(replayed.cookies)


def test_a_person_who_refuses_on_github_is_told_so(registry: Registry, web_flow: LocalGitHub) -> None:
    web_flow.people.sign_in_browser("octocat")
    web_flow.people.deny_next_authorization()
    authorize, pending = _start(registry)
    back = _github_answers(authorize)

    answer = _get(registry, urllib.parse.urlsplit(back).path, {SIGN_IN_COOKIE: pending}, query=_query(back))

    assert answer.status == 403 and "GitHub did not authorize the sign-in" in read_page(answer).shown
    assert "__Host-modelyard-session" not in set_cookies(answer.cookies)


def test_without_a_client_secret_the_sign_in_page_says_how_to_sign_in(
    registry: Registry, web_flow: LocalGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.delenv("MODELYARD_GITHUB_CLIENT_SECRET")
    forget_configuration()

    page = _get(registry, "/ui/sign-in")
    started = _get(registry, "/ui/sign-in/github")

    assert page.status == 200 and "does not sign people in with GitHub's web flow" in read_page(page).shown
    assert started.status == 404 and not started.cookies


def test_the_sign_in_link_carries_the_page_to_return_to(registry: Registry, web_flow: LocalGitHub) -> None:
    page = read_page(_get(registry, "/ui/sign-in", query={"next": "/ui/models/fraud"}))

    assert page.link_to("/ui/sign-in/github?next=%2Fui%2Fmodels%2Ffraud") == "Sign in with GitHub"


def test_a_head_of_the_callback_uses_up_no_code(registry: Registry, web_flow: LocalGitHub) -> None:
    """A link checker or prefetcher sending HEAD must not spend GitHub's one-time code (HEAD is no GET here)."""
    web_flow.people.sign_in_browser("octocat")
    authorize, pending = _start(registry)
    back = _github_answers(authorize)
    path = urllib.parse.urlsplit(back).path
    cookie = [f"{SIGN_IN_COOKIE}={pending}"]

    head = registry.call("HEAD", path, token=None, cookies=cookie, query=_query(back))
    browser = _get(registry, path, {SIGN_IN_COOKIE: pending}, query=_query(back))

    assert head.status == 405 and head.headers["Allow"] == "GET" and not head.cookies
    assert browser.status == 303, browser
    assert "__Host-modelyard-session" in set_cookies(browser.cookies)
