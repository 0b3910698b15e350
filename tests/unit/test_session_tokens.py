"""Session tokens: only the registry's own HS256 tokens for its session audience verify, and only as people."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from modelyard_server.adapters.oidc import TokenRejected, TokenVerifier
from modelyard_server.adapters.session_tokens import LEEWAY_SECONDS, SessionTokens
from modelyard_server.ports.identity import GitHubIdentity

KEY = b"k" * 64
ISSUER = "http://127.0.0.1:8642/v1/sessions"
AUDIENCE = "modelyard-session"
OCTOCAT = GitHubIdentity(user_id=583231, login="octocat", teams=("acme/ml-ops",), organizations=("acme",))


def _tokens(clock: Callable[[], float] = time.time, key: bytes = KEY) -> SessionTokens:
    return SessionTokens(key, ISSUER, AUDIENCE, 3600, clock=clock)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "github-user:583231",
        "login": "octocat",
        "teams": ["acme/ml-ops"],
        "kind": "person",
        "iat": now,
        "exp": now + 600,
        "jti": "j1",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def test_a_session_names_the_person_by_github_user_id_with_login_and_teams() -> None:
    token, expires = _tokens().issue(OCTOCAT)
    claims = _tokens().verify(token)
    assert claims["sub"] == "github-user:583231"
    assert (claims["login"], claims["teams"], claims["kind"]) == ("octocat", ["acme/ml-ops"], "person")
    assert claims["exp"] == expires and expires - claims["iat"] == 3600
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert _tokens().issue(OCTOCAT)[0] != token  # each session has its own jti


BAD_SESSIONS: dict[str, Callable[[], str]] = {
    "another issuer": lambda: jwt.encode(_claims(iss="https://evil.example.com"), KEY, algorithm="HS256"),
    "the OIDC audience": lambda: jwt.encode(_claims(aud="modelyard"), KEY, algorithm="HS256"),
    "signed with another key": lambda: jwt.encode(_claims(), b"x" * 48, algorithm="HS256"),
    "HS512 with the right key": lambda: jwt.encode(_claims(), KEY, algorithm="HS512"),
    "alg none": lambda: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}.",
    "RS256 with session claims": lambda: jwt.encode(
        _claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256"
    ),
    "no teams claim": lambda: jwt.encode(_claims(teams=None), KEY, algorithm="HS256"),
    "no jti": lambda: jwt.encode(_claims(jti=None), KEY, algorithm="HS256"),
    "a workflow's kind": lambda: jwt.encode(_claims(kind="workflow"), KEY, algorithm="HS256"),
    "a subject that is a login": lambda: jwt.encode(_claims(sub="github-user:octocat"), KEY, algorithm="HS256"),
    "teams that are not names": lambda: jwt.encode(_claims(teams="acme/ml-ops"), KEY, algorithm="HS256"),
}


@pytest.mark.parametrize("case", sorted(BAD_SESSIONS))
def test_forged_or_foreign_sessions_are_refused(case: str) -> None:
    with pytest.raises(TokenRejected):
        _tokens().verify(BAD_SESSIONS[case]())


def test_an_expired_session_is_refused_and_says_to_sign_in_again() -> None:
    now = [time.time()]
    token, expires = _tokens(lambda: now[0]).issue(OCTOCAT)
    now[0] = expires + LEEWAY_SECONDS - 1
    assert _tokens(lambda: now[0]).verify(token)["login"] == "octocat"
    now[0] = expires + LEEWAY_SECONDS + 1
    with pytest.raises(TokenRejected, match="modelyard login"):
        _tokens(lambda: now[0]).verify(token)


def test_a_key_shorter_than_256_bits_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        SessionTokens(b"short-key", ISSUER, AUDIENCE, 3600)


def test_the_oidc_verifier_never_accepts_a_session_token() -> None:
    """Even if an operator listed the session issuer as trusted, HS256 is not an OIDC algorithm."""
    token, _ = _tokens().issue(OCTOCAT)
    verifier = TokenVerifier((ISSUER,), AUDIENCE, fetch=lambda url: pytest.fail(f"fetched {url}"))
    with pytest.raises(TokenRejected, match="RS256"):
        verifier.verify(token)
