"""People sign in: what the device flow needs (/v1/sign-in), a GitHub token for a session (/v1/sessions),
who the caller is (/v1/whoami); and sign out (DELETE /v1/sessions/current)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends

from modelyard_server.domain.principal import Principal
from modelyard_server.domain.sign_out import end_session
from modelyard_server.handlers.auth import authenticated_principal, github_users, session_tokens
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.settings import get_settings

if TYPE_CHECKING:
    from modelyard_server.domain import sessions
else:  # loaded by the first request that needs it (see `deferred`)
    sessions = Deferred("modelyard_server.domain.sessions")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]
DEVICE_FLOW_SCOPES = ["read:org"]  # the user's teams and organizations (GET /user/teams, /user/orgs)
NOT_CONFIGURED = (
    "this registry does not sign people in: its operator sets MODELYARD_GITHUB_CLIENT_ID (the OAuth or "
    "GitHub App client id with device flow enabled) and a session key"
)


@router.get(
    "/v1/sign-in", summary="What a client needs to sign a person in with GitHub's device flow", tags=["sessions"]
)
def sign_in_info() -> sessions.SignInInfo:
    settings = get_settings()
    if not settings.github_client_id:
        raise sessions.SignInNotConfigured(NOT_CONFIGURED)
    return sessions.SignInInfo(
        github_url=settings.github_url.rstrip("/"),
        client_id=settings.github_client_id,
        scopes=DEVICE_FLOW_SCOPES,
        session_ttl_seconds=settings.session_ttl_seconds,
    )


@router.post(
    "/v1/sessions",
    summary="Exchange a GitHub user token for a registry session (asks GitHub who it is, and their teams)",
    tags=["sessions"],
)
def start_session(body: sessions.StartSessionRequest) -> sessions.SessionGrant:
    tokens = session_tokens()
    if tokens is None:
        raise sessions.SignInNotConfigured(NOT_CONFIGURED)
    return sessions.open_session(body.github_token, github_users(), tokens, get_settings().allowed_owners)


@router.get("/v1/whoami", summary="Who the caller is: a person (login, teams) or a workflow run", tags=["sessions"])
def whoami(caller: Caller) -> sessions.Whoami:
    return sessions.whoami(caller)


@router.delete(
    "/v1/sessions/current",
    summary="Sign out: end the session this request is made with (204), on every client that holds a copy",
    description="From then on the session token is refused (401, as an expired one) until it would have expired. "
    "A workflow's OIDC token is no session: 400 `not-a-session`.",
    tags=["sessions"],
)
def sign_out(caller: Caller) -> Response[None]:
    end_session(caller)
    return Response(status_code=204)
