"""The web pages on the Lambda path (API Gateway payload v2, moto, the API function's IAM role): signing in is
required, the session cookie is the registry's session token, errors are pages with the API's status, every
page leaves with a no-script Content-Security-Policy, and forms are bound to the session (CSRF)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from modelyard_local.github import LocalGitHub
from tests.integration.conftest import Registry
from tests.integration.function_roles import SESSION_SIGNING_KEY
from tests.support.api_events import ApiResponse
from tests.support.page_calls import read_page, session_cookie, set_cookies

PERSON_ID = 583231
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def signed_in(registry: Registry, github: LocalGitHub, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sessions configured as the template configures them; a session token for octocat (team acme/ml)."""
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_GITHUB_URL", github.url)
    monkeypatch.setenv("MODELYARD_GITHUB_API_URL", github.url)
    monkeypatch.setenv("MODELYARD_GITHUB_CLIENT_ID", github.people.client_id)
    monkeypatch.setenv("MODELYARD_SESSION_KEY_SECRET", registry.stack.resolver.refs["SessionSigningKey"])
    forget_configuration()
    github.people.add_person("octocat", user_id=PERSON_ID, teams=("acme/ml",))
    github_token = github.people.token_for("octocat")
    answer = registry.call("POST", "/v1/sessions", body={"github_token": github_token}, token=None)
    assert answer.status == 200, answer
    return str(answer.body["token"])


def _page(registry: Registry, path: str, cookie: str | None, method: str = "GET", **kwargs: Any) -> ApiResponse:
    cookies = session_cookie(cookie) if cookie else None
    kwargs["headers"] = {"accept": "text/html,*/*;q=0.8", **kwargs.get("headers", {})}
    return registry.call(method, path, token=None, cookies=cookies, **kwargs)


def _csrf(registry: Registry, cookie: str) -> str:
    catalog = read_page(_page(registry, "/ui/", cookie))
    sign_out = next(form for form in catalog.forms() if form.action == "/ui/sign-out")
    return sign_out.fields["csrf"]


def test_a_page_sends_a_browser_without_a_session_to_sign_in_and_back(registry: Registry) -> None:
    answer = _page(registry, "/ui/", None, query={"tag": "team=risk"})

    assert answer.status == 303
    assert answer.headers["Location"] == "/ui/sign-in?next=%2Fui%2F%3Ftag%3Dteam%253Drisk"


@pytest.mark.parametrize(
    "cookie",
    [
        "not-a-jwt",
        jwt.encode({"sub": "github-user:1"}, "another-key-of-at-least-thirty-two-bytes!", algorithm="HS256"),
    ],
)
def test_a_forged_or_foreign_cookie_is_no_session(registry: Registry, signed_in: str, cookie: str) -> None:
    assert _page(registry, "/ui/", cookie).status == 303


def test_an_expired_session_cookie_is_no_session(registry: Registry, signed_in: str) -> None:
    claims = jwt.decode(signed_in, SESSION_SIGNING_KEY, algorithms=["HS256"], audience="modelyard-session")
    expired = jwt.encode({**claims, "exp": int(time.time()) - 3600}, SESSION_SIGNING_KEY, algorithm="HS256")

    assert _page(registry, "/ui/", expired).status == 303


def test_the_catalog_shows_models_with_their_stage_holders_and_headline_metric(
    registry: Registry, signed_in: str
) -> None:
    registry.create_model("fraud")
    registry.call("PATCH", "/v1/models/fraud", body={"tags": {"team": "risk", "headline_metric": "auc"}})
    registry.register("fraud", b"v1", metrics={"auc": 0.9134, "accuracy": 0.88})
    promoted = registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1})
    assert promoted.status == 200, promoted
    registry.create_model("churn")

    answer = _page(registry, "/ui/", signed_in)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    page = read_page(answer)
    assert page.link_to("/ui/models/fraud") == "fraud"
    assert page.link_to("/ui/models/fraud/versions/1") == "v1"
    assert "auc 0.9134" in page.shown
    assert "/ui/models/churn" in page.hrefs()


def test_the_catalog_finds_models_by_tag_and_an_empty_form_field_filters_nothing(
    registry: Registry, signed_in: str
) -> None:
    for name, team in (("fraud", "risk"), ("churn", "growth")):
        registry.create_model(name)
        registry.call("PATCH", f"/v1/models/{name}", body={"tags": {"team": team}})

    by_tag = read_page(_page(registry, "/ui/", signed_in, query=[("tag", "team=risk"), ("owner", "")]))
    everything = read_page(_page(registry, "/ui/", signed_in, query=[("name_prefix", ""), ("tag", "")]))

    assert "/ui/models/fraud" in by_tag.hrefs() and "/ui/models/churn" not in by_tag.hrefs()
    assert {"/ui/models/fraud", "/ui/models/churn"} <= set(everything.hrefs())


def test_a_hostile_description_and_tags_show_as_text(registry: Registry, signed_in: str) -> None:
    registry.create_model("fraud")
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    changed = registry.call("PATCH", "/v1/models/fraud", body={"description": hostile, "tags": {"note": "<b>x</b>"}})
    assert changed.status == 200, changed

    answer = _page(registry, "/ui/", signed_in)

    page = read_page(answer)
    assert not page.tags() & {"script", "img", "b"}
    assert "<script>alert(1)</script>" in page.shown


def test_every_page_leaves_with_a_no_script_content_security_policy(registry: Registry, signed_in: str) -> None:
    for path in ("/ui/", "/ui/sign-in", "/ui/models/missing"):
        answer = _page(registry, path, signed_in)
        assert answer.headers["Content-Security-Policy"] == CSP, path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"


def test_a_failed_page_is_a_page_with_the_api_status_and_the_api_stays_json(registry: Registry, signed_in: str) -> None:
    unknown = _page(registry, "/ui/", signed_in, query={"colour": "red"})
    missing_route = _page(registry, "/ui/nowhere", signed_in)
    api = registry.call("GET", "/v1/models", query={"colour": "red"})
    not_a_browser = registry.call("GET", "/ui/", token=None, cookies=session_cookie(signed_in), query={"colour": "r"})

    assert not_a_browser.status == 400 and not_a_browser.problem["unknown"] == ["colour"]  # no HTML asked for
    assert unknown.status == 400 and unknown.headers["Content-Type"].startswith("text/html")
    assert "'colour' is not a parameter of GET /ui/" in read_page(unknown).shown
    assert missing_route.status == 404 and missing_route.headers["Content-Type"].startswith("text/html")
    assert api.status == 400 and api.problem["type"].endswith("/unknown-query-parameter")


def test_the_stylesheet_is_served_from_the_package_and_nothing_else_is(registry: Registry) -> None:
    css = registry.call("GET", "/ui/static/modelyard.css", token=None)
    elsewhere = registry.call("GET", "/ui/static/..%2Fweb_session.py", token=None)

    assert css.status == 200 and css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert ".chart-line" in css.raw
    assert elsewhere.status in (404, 422)


def test_signing_out_takes_the_pages_csrf_token_and_clears_the_cookie(registry: Registry, signed_in: str) -> None:
    csrf = _csrf(registry, signed_in)

    forged = _page(registry, "/ui/sign-out", signed_in, method="POST", raw_body="csrf=forged", headers=FORM)
    cross_site = _page(
        registry,
        "/ui/sign-out",
        signed_in,
        method="POST",
        raw_body=f"csrf={csrf}",
        headers={**FORM, "sec-fetch-site": "cross-site"},
    )
    signed_out = _page(registry, "/ui/sign-out", signed_in, method="POST", raw_body=f"csrf={csrf}", headers=FORM)

    assert forged.status == 403 and not forged.cookies
    assert cross_site.status == 403 and not cross_site.cookies
    assert signed_out.status == 303 and signed_out.headers["Location"] == "/ui/sign-in"
    cleared = set_cookies(signed_out.cookies)["__Host-modelyard-session"]
    assert cleared.startswith(";") and "Max-Age=0" in cleared


def test_a_sign_out_that_brought_no_session_cookie_sets_no_cookie(registry: Registry, signed_in: str) -> None:
    """What another site's form looks like from a browser that sends no Sec-Fetch-Site: the SameSite=Lax cookie
    stays behind, so nothing proves the post came from our page, and an answer clearing the cookie would still
    sign the person out."""
    answer = _page(registry, "/ui/sign-out", None, method="POST", raw_body="", headers=FORM)

    assert answer.status == 303 and answer.headers["Location"] == "/ui/sign-in"
    assert "__Host-modelyard-session" not in set_cookies(answer.cookies)


def test_a_form_with_fields_the_page_does_not_take_is_refused(registry: Registry, signed_in: str) -> None:
    csrf = _csrf(registry, signed_in)
    answer = _page(registry, "/ui/sign-out", signed_in, method="POST", raw_body=f"csrf={csrf}&x=1", headers=FORM)

    assert answer.status == 400 and not answer.cookies


def test_a_form_body_is_for_the_pages_only(registry: Registry) -> None:
    answer = registry.call("POST", "/v1/models", raw_body="name=fraud", headers=FORM)

    assert answer.status == 415
    assert registry.call("GET", "/v1/models/fraud").status == 404


def test_the_session_cookie_is_host_only_secure_httponly_and_lax() -> None:
    from modelyard_server.ui.web_session import session_cookie as make

    attributes = str(make("token", 3600))

    assert attributes.startswith("__Host-modelyard-session=token")
    for part in ("Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=3600"):
        assert part in attributes
    assert "Domain" not in attributes


def test_a_sign_in_never_returns_to_another_site() -> None:
    from modelyard_server.ui.web_session import safe_next_page

    for given in ("//evil.example/ui/", "https://evil.example/ui/", "/ui/\\evil", "/v1/models", "", None, "/ui/\n"):
        assert safe_next_page(given) == "/ui/", given
    assert safe_next_page("/ui/models/fraud?metric=auc") == "/ui/models/fraud?metric=auc"


def test_the_sign_in_cookie_opens_only_untouched_and_in_time() -> None:
    from modelyard_server.adapters.session_tokens import SessionTokens
    from modelyard_server.ui.sign_in_state import new_pending, opened, sealed

    tokens = SessionTokens(b"k" * 32, "urn:i", "urn:a", 3600)
    pending = new_pending("state-1", "verifier-1", "/ui/models/fraud")
    value = sealed(pending, tokens)
    payload, mac = value.split(".")
    other = sealed(new_pending("state-2", "verifier-2", "/ui/"), tokens).split(".")[0]

    assert opened(value, tokens) == pending
    assert opened(f"{other}.{mac}", tokens) is None  # another payload under this MAC
    assert opened(value, SessionTokens(b"j" * 32, "urn:i", "urn:a", 3600)) is None  # another registry's key
    assert opened(value, tokens, now=pending.expires + 1) is None
    assert opened(f"{payload}", tokens) is None


def test_the_catalog_answers_with_or_without_its_trailing_slash(registry: Registry, signed_in: str) -> None:
    for path in ("/ui", "/ui/"):
        answer = _page(registry, path, signed_in)
        assert answer.status == 200 and "<h1>Models</h1>" in answer.raw, path


def test_a_session_cookie_in_the_cookie_header_counts_as_in_the_cookies_field(
    registry: Registry, signed_in: str
) -> None:
    answer = registry.call("GET", "/ui/", token=None, headers={"cookie": f"theme=dark; {session_cookie(signed_in)[0]}"})

    assert answer.status == 200 and "Signed in as octocat" in read_page(answer).shown
