"""Signing out ends a person's session on the registry, not only on the client that held it.

A session token is a self-contained JWT: the registry would accept a copy of it (a cookie lifted from a
browser, a session file read off a laptop) until it expires. Signing out therefore records the session's
token id (`jti`) as revoked, and every request made with a session token asks whether it was: one storage
read per request, asked afresh each time, so a sign-out in one process holds in every other at once.
Workflow tokens (GitHub's OIDC) are not sessions: they expire with their job and cost no read here.

What this does not end: the GitHub user token a CLI session file also keeps (`modelyard login`). A stolen
copy of that file can buy a new session until GitHub revokes the token (the person can, under their
GitHub settings' authorized applications); the registry does not revoke it at GitHub.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend

# A revocation outlives its token's `exp` by more than the clock leeway any verifier of it allows
# (adapters/session_tokens.py: 30 s), so the token is refused as expired before its revocation lapses.
KEPT_BEYOND_EXPIRY_SECONDS = 300
SIGNED_OUT = "the session was signed out; run `modelyard login` again"


class NotASession(DomainError):
    status, slug, title = 400, "not-a-session", "The request is not made with a session"


def end_session(caller: Principal) -> None:
    """Revoke the session `caller` is authenticated with: refused from now until it would have expired."""
    if not caller.is_person:
        raise NotASession(
            "this request is made with a workflow's OIDC token, not a person's session: there is no session to "
            "sign out of (the token expires with its job)"
        )
    until = int(caller.claims["exp"]) + KEPT_BEYOND_EXPIRY_SECONDS
    backend().sessions.revoke_session(str(caller.claims["jti"]), until)


def signed_out(session_claims: Mapping[str, Any]) -> bool:
    """Whether the session these verified claims belong to was signed out (one storage read, never cached)."""
    return backend().sessions.session_revoked(str(session_claims["jti"]))
