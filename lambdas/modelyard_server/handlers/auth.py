"""Authentication: every route but the public ones depends on a verified bearer token.

Two kinds of token: a workflow's OIDC token (RS256, a trusted issuer's published keys) and a
person's session token (HS256, the registry's own key, issued by POST /v1/sessions). Which verifier
a token meets is chosen by its unverified issuer; each verifier accepts only its own algorithm, so
neither kind of key can ever verify the other kind of token.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import jwt
from aws_lambda_powertools.event_handler import Request

from modelyard_server.adapters.github_users import GitHubUserApi
from modelyard_server.adapters.oidc import MAX_TOKEN_CHARS, TokenRejected, TokenVerifier
from modelyard_server.adapters.session_key import configured_session_key
from modelyard_server.adapters.session_tokens import SessionTokens
from modelyard_server.domain.errors import Unauthenticated
from modelyard_server.domain.principal import Principal, require_allowed_owner
from modelyard_server.domain.sign_out import SIGNED_OUT, signed_out
from modelyard_server.domain.visibility import require_visible
from modelyard_server.handlers.named_models import models_named
from modelyard_server.settings import get_settings

MAX_CLIENT_CHARS = 200
_session_lock = threading.Lock()


@functools.cache
def token_verifier() -> TokenVerifier:
    settings = get_settings()
    return TokenVerifier(settings.trusted_issuers, settings.audience)


def session_tokens() -> SessionTokens | None:
    """The session signer and verifier, or None when no session key is configured."""
    with _session_lock:  # the embedded registry makes its key file once, not once per thread
        return _session_tokens()


@functools.cache
def _session_tokens() -> SessionTokens | None:
    settings = get_settings()
    key = configured_session_key(settings)
    if key is None:
        return None
    return SessionTokens(key, settings.session_issuer_in_force, settings.session_audience, settings.session_ttl_seconds)


def verified_session(tokens: SessionTokens, token: str) -> dict[str, Any]:
    """The claims of a session token that verifies and was not signed out; TokenRejected otherwise.

    The signature and expiry are checked first, so a forged or expired token costs no storage read; a valid
    one costs exactly one (the API and the pages alike).
    """
    claims = tokens.verify(token)
    if signed_out(claims):
        raise TokenRejected(SIGNED_OUT)
    return claims


def forget_sessions() -> None:
    _session_tokens.cache_clear()
    github_users.cache_clear()


@functools.cache
def github_users() -> GitHubUserApi:
    return GitHubUserApi(get_settings().github_api_url)


def client_of(request: Request) -> str | None:
    """The caller's User-Agent, printable and short: what an event records as the client."""
    agent = request.resolved_event.headers.get("user-agent") or ""
    printable = "".join(char for char in agent if char.isprintable()).strip()
    return printable[:MAX_CLIENT_CHARS] or None


def _issuer_of(token: str) -> str:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""  # the OIDC verifier says what is wrong with it
    return str(claims.get("iss", "")).rstrip("/")


def authenticated_principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer <jwt>`; 401 when it is missing or does not verify.

    A model the request names that the caller may not see (a private namespace's) is then the 404 of a
    missing model, whichever route it reached.
    """
    principal = _verified_principal(request)
    require_visible(principal, models_named(request))
    return principal


def _verified_principal(request: Request) -> Principal:
    header = request.resolved_event.headers.get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(
            "send 'Authorization: Bearer <token>' (in GitHub Actions: the job's ID token; a person: `modelyard login`)"
        )
    settings = get_settings()
    client = client_of(request)
    if len(token) <= MAX_TOKEN_CHARS and _issuer_of(token) == settings.session_issuer_in_force:
        sessions = session_tokens()
        if sessions is None:
            raise TokenRejected("this registry does not sign people in (no session key is configured)")
        return Principal(verified_session(sessions, token), kind="person", client=client)
    principal = Principal(token_verifier().verify(token), client=client)
    require_allowed_owner(principal, settings.allowed_owners)
    return principal
