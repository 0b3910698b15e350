"""/ui/sign-in: people sign in with GitHub's web flow (state + PKCE), and sign out.

The end of the flow is the API's own session exchange (`domain.sessions.open_session`): GitHub is asked who
the person is and which teams they are in, the registry's allowed owners are applied, and the session token
it answers goes into the HttpOnly session cookie. The GitHub token itself is used once and kept nowhere.
"""

from __future__ import annotations

import functools
import hmac
import time
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Request, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.domain.sign_out import end_session
from modelyard_server.handlers.auth import github_users, session_tokens
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.ports.identity import GitHubTokenRefused, GitHubUnreachable
from modelyard_server.settings import get_settings
from modelyard_server.ui import links, page_responses
from modelyard_server.ui.sign_in_state import SIGN_IN_COOKIE, new_pending, opened, sealed
from modelyard_server.ui.web_session import (
    SESSION_COOKIE,
    cleared,
    cookie,
    cookie_value,
    form_fields,
    refuse_other_sites,
    safe_next_page,
    session_cookie,
    viewer,
)

if TYPE_CHECKING:
    from modelyard_server.adapters import github_oauth
    from modelyard_server.domain import sessions
    from modelyard_server.ui import rendering
else:  # loaded by the first page that needs them (see handlers/routes/deferred.py)
    github_oauth = Deferred("modelyard_server.adapters.github_oauth")
    sessions = Deferred("modelyard_server.domain.sessions")
    rendering = Deferred("modelyard_server.ui.rendering")

router = Router()
SCOPES = ["read:org"]  # the person's teams and organizations, as the CLI's device flow asks
NextQuery = Annotated[str | None, Query(max_length=2000)]
GitHubAnswer = Annotated[str | None, Query(max_length=2000)]


@functools.cache
def web_flow() -> github_oauth.GitHubWebFlow | None:
    """The GitHub OAuth client of this registry, or None when it does not sign people in on the web."""
    settings = get_settings()
    secret = github_oauth.configured_client_secret(settings)
    if not settings.github_client_id or not secret or session_tokens() is None:
        return None
    return github_oauth.GitHubWebFlow(settings.github_url, settings.github_client_id, secret)


def _callback_url(request: Request) -> str:
    """Where GitHub sends the browser back: on the registry's public URL (else the host it was reached at)."""
    base = get_settings().public_url
    if not base:
        headers = request.resolved_event.headers
        scheme = headers.get("x-forwarded-proto") or "https"
        base = f"{scheme}://{headers.get('host', 'localhost')}"
    return base.rstrip("/") + links.SIGN_IN_CALLBACK


def _sign_in_page(status: int, problem: str | None, next_page: str) -> Response[str]:
    github_link = links.sign_in_with_github(next_page)
    return rendering.page(
        "sign_in.html", status=status, web_flow=web_flow() is not None, github_link=github_link, problem=problem
    )


@router.get("/ui/sign-in", include_in_schema=False)
def sign_in(next: NextQuery = None) -> Response[str]:
    return _sign_in_page(200, None, safe_next_page(next))


@router.get("/ui/sign-in/github", include_in_schema=False)
def start_web_flow(request: Request, next: NextQuery = None) -> Response[str]:
    flow, tokens = web_flow(), session_tokens()
    if flow is None or tokens is None:
        return _sign_in_page(404, "This registry does not sign people in with GitHub.", links.UI_PREFIX)
    verifier, challenge = github_oauth.new_pkce_pair()
    pending = new_pending(github_oauth.new_state(), verifier, safe_next_page(next))
    authorize = flow.authorize_url(_callback_url(request), pending.state, challenge, SCOPES)
    return page_responses.redirect(authorize, cookies=[cookie(SIGN_IN_COOKIE, sealed(pending, tokens), 600)])


@router.get("/ui/sign-in/callback", include_in_schema=False)
def finish_web_flow(
    request: Request,
    code: GitHubAnswer = None,
    state: GitHubAnswer = None,
    error: GitHubAnswer = None,
    error_description: GitHubAnswer = None,
    error_uri: GitHubAnswer = None,
) -> Response[str]:
    flow, tokens = web_flow(), session_tokens()
    if flow is None or tokens is None:
        return _sign_in_page(404, "This registry does not sign people in with GitHub.", links.UI_PREFIX)
    pending = opened(cookie_value(request, SIGN_IN_COOKIE), tokens)
    if pending is None or not state or not hmac.compare_digest(state.encode(), pending.state.encode()):
        # no sign-in started in this browser, started too long ago, or an answer to someone else's
        return _sign_in_page(400, "That sign-in was not started here or took too long: sign in again.", "/ui/")
    if error or not code:
        said = (error_description or error or "no authorization code")[:200]
        return _sign_in_page(403, f"GitHub did not authorize the sign-in: {said}", pending.next_page)
    try:
        github_token = flow.exchange_code(code, pending.verifier, _callback_url(request))
        grant = sessions.open_session(github_token, github_users(), tokens, get_settings().allowed_owners)
    except GitHubTokenRefused as refused:
        return _sign_in_page(401, f"GitHub refused the sign-in ({refused}): sign in again.", pending.next_page)
    except GitHubUnreachable:
        return _sign_in_page(503, "GitHub could not be reached: try again in a minute.", pending.next_page)
    expires_in = int(grant.expires_at.timestamp() - time.time())
    return page_responses.redirect(
        pending.next_page, cookies=[session_cookie(grant.token, expires_in), cleared(SIGN_IN_COOKIE)]
    )


@router.post("/ui/sign-out", include_in_schema=False)
def sign_out(request: Request) -> Response[str]:
    refuse_other_sites(request)  # another site may not sign a person out either
    if cookie_value(request, SESSION_COOKIE) is None:
        # Nothing of ours to clear. It is also what another site's form looks like from a browser that sends no
        # Sec-Fetch-Site (the SameSite=Lax cookie stays behind): clearing the cookie would sign the person out.
        return page_responses.redirect(links.sign_in())
    person = viewer(request)
    if person is not None:
        form_fields(request, ())  # a signed-in person signs out only from the registry's own page (CSRF)
        end_session(person)  # a copy of the cookie is no session any more either
    return page_responses.redirect(links.sign_in(), cookies=[cleared(SESSION_COOKIE)])
