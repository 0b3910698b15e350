"""Signing out ends the session on the registry, not only on the client: on the Lambda path (moto, the API
function's IAM role), a signed-out session token is refused by the API and the pages alike, whichever warm
container the next request reaches."""

from __future__ import annotations

from typing import Any

import jwt

from modelyard_local.github_people import GitHubPeople
from tests.integration import test_sessions
from tests.integration.conftest import Registry
from tests.integration.test_sessions import _session
from tests.support.page_calls import csrf_of, page_call, set_cookies

people = test_sessions.people  # sign-in configured as the template configures it (a fixture)


def _whoami(registry: Registry, token: str) -> Any:
    return registry.call("GET", "/v1/whoami", token=token)


def _sign_out(registry: Registry, token: str | None) -> Any:
    return registry.call("DELETE", "/v1/sessions/current", token=token)


def test_a_signed_out_session_is_refused_as_an_expired_one_is(registry: Registry, people: GitHubPeople) -> None:
    token = _session(registry, people)["token"]
    assert _whoami(registry, token).status == 200

    signed_out = _sign_out(registry, token)
    after = _whoami(registry, token)

    assert signed_out.status == 204 and signed_out.raw == ""
    assert after.status == 401
    assert after.problem["type"].endswith("/invalid-token")
    assert "signed out" in after.problem["detail"] and "modelyard login" in after.problem["detail"]
    assert _sign_out(registry, token).status == 401  # nothing left to sign out of


def test_signing_out_ends_that_session_only(registry: Registry, people: GitHubPeople) -> None:
    laptop = _session(registry, people)["token"]
    desktop = _session(registry, people)["token"]  # the same person, signed in twice

    assert _sign_out(registry, laptop).status == 204

    assert _whoami(registry, laptop).status == 401
    assert _whoami(registry, desktop).status == 200


def test_a_workflow_token_has_no_session_to_end(registry: Registry) -> None:
    answer = _sign_out(registry, registry.token())

    assert answer.status == 400
    assert answer.problem["type"].endswith("/not-a-session")
    assert "workflow" in answer.problem["detail"]
    assert _whoami(registry, registry.token()).status == 200


def test_signing_out_needs_a_token(registry: Registry) -> None:
    assert _sign_out(registry, None).status == 401


def test_a_sign_out_in_another_container_reaches_a_warm_one(registry: Registry, people: GitHubPeople) -> None:
    """This process has just accepted the token; another container (a backend of its own on the same table) signs
    the session out; this one refuses the token at its next request: nothing here remembered the earlier answer."""
    from modelyard_server.adapters.dynamodb.backend import dynamodb_backend
    from modelyard_server.settings import get_settings

    token = _session(registry, people)["token"]
    assert _whoami(registry, token).status == 200
    claims = jwt.decode(token, options={"verify_signature": False})
    with registry.principals.acting_as("ApiFunction"):
        dynamodb_backend(get_settings()).sessions.revoke_session(claims["jti"], claims["exp"])

    assert _whoami(registry, token).status == 401


def test_signing_out_in_the_browser_ends_the_session_for_the_api_too(registry: Registry, people: GitHubPeople) -> None:
    token = _session(registry, people)["token"]
    csrf = csrf_of(token)

    forged = page_call(token, "POST", "/ui/sign-out", form={"csrf": "forged"})
    assert forged.status == 403
    assert _whoami(registry, token).status == 200  # a forged form ends nothing

    signed_out = page_call(token, "POST", "/ui/sign-out", form={"csrf": csrf})
    assert signed_out.status == 303 and signed_out.headers["Location"] == "/ui/sign-in"

    assert _whoami(registry, token).status == 401
    copied_cookie = page_call(token, "GET", "/ui/")
    assert copied_cookie.status == 303
    assert copied_cookie.headers["Location"].startswith("/ui/sign-in")


def test_a_signed_out_cookie_left_in_another_tab_is_cleared_at_its_sign_out(
    registry: Registry, people: GitHubPeople
) -> None:
    token = _session(registry, people)["token"]
    assert _sign_out(registry, token).status == 204  # signed out elsewhere (the CLI, another tab)

    answer = page_call(token, "POST", "/ui/sign-out", form={"csrf": "from-a-stale-page"})

    assert answer.status == 303 and answer.headers["Location"] == "/ui/sign-in"
    assert "Max-Age=0" in set_cookies(answer.cookies)["__Host-modelyard-session"]
