"""Authentication: every route but the public ones depends on a verified bearer token."""

from __future__ import annotations

import functools

from aws_lambda_powertools.event_handler import Request

from modelyard_server.adapters.oidc import TokenVerifier
from modelyard_server.domain.errors import Unauthenticated
from modelyard_server.domain.principal import Principal, require_allowed_owner
from modelyard_server.settings import get_settings


@functools.cache
def token_verifier() -> TokenVerifier:
    settings = get_settings()
    return TokenVerifier(settings.trusted_issuers, settings.audience)


def authenticated_principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer <jwt>`; 401 when it is missing or does not verify."""
    header = request.resolved_event.headers.get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <OIDC token>' (in GitHub Actions: the job's ID token)")
    principal = Principal(token_verifier().verify(token.strip()))
    require_allowed_owner(principal, get_settings().allowed_owners)
    return principal
