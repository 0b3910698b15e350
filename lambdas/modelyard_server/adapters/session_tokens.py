"""The registry's own session tokens for people: HS256 JWTs it signs and alone verifies.

Only HS256 is accepted here, and only RS256 by the OIDC verifier (adapters/oidc.py): a session key
can never verify an OIDC token, nor a public key a session token. Claims: `iss` (the registry's
session issuer), `aud` (a session audience, never the OIDC one), `sub` (`github-user:<id>`), `login`,
`teams`, `kind: "person"`, `iat`, `exp`, `jti`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any

import jwt

from modelyard_server.adapters.oidc import TokenRejected
from modelyard_server.ports.identity import GitHubIdentity

ALGORITHM = "HS256"
MIN_KEY_BYTES = 32  # RFC 7518 §3.2: an HS256 key is at least 256 bits
LEEWAY_SECONDS = 30
SUBJECT_PREFIX = "github-user:"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti", "login", "teams", "kind"]


class SessionTokens:
    def __init__(
        self, key: bytes, issuer: str, audience: str, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the session key has {len(key)} bytes; HS256 needs at least {MIN_KEY_BYTES}")
        self._key = key
        self.issuer = issuer
        self._audience = audience
        self._ttl = ttl_seconds
        self._clock = clock

    def issue(self, person: GitHubIdentity) -> tuple[str, int]:
        """A session token for `person`, and when it expires (unix seconds)."""
        now = int(self._clock())
        expires = now + self._ttl
        claims = {
            "iss": self.issuer,
            "aud": self._audience,
            "sub": f"{SUBJECT_PREFIX}{person.user_id}",
            "login": person.login,
            "teams": list(person.teams),
            "kind": "person",
            "iat": now,
            "exp": expires,
            "jti": secrets.token_urlsafe(16),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"typ": "JWT"}), expires

    def tag(self, purpose: str, value: str) -> str:
        """A MAC of `value` for one `purpose` under the session key (base64url): what binds a web form to its
        session (CSRF) or a sign-in cookie to this registry. Purposes never collide: each is part of the input."""
        message = f"modelyard:{purpose}\0{value}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a session token this registry signed, for its audience, not expired."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=self._key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                # the lifetime is checked below on this verifier's clock
                options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidAlgorithmError as error:
            raise TokenRejected("session tokens are signed with HS256 only") from error
        except jwt.InvalidAudienceError as error:
            raise TokenRejected("the session token is not for this registry's session audience") from error
        except jwt.InvalidSignatureError as error:
            raise TokenRejected("the session token's signature does not verify") from error
        except jwt.PyJWTError as error:
            raise TokenRejected(f"the session token was rejected: {error}") from error
        if self._clock() > float(claims["exp"]) + LEEWAY_SECONDS:
            raise TokenRejected("the session has expired; run `modelyard login` again")
        subject, teams = str(claims["sub"]), claims["teams"]
        user_id = subject.removeprefix(SUBJECT_PREFIX)
        if claims["kind"] != "person" or not subject.startswith(SUBJECT_PREFIX) or not user_id.isdigit():
            raise TokenRejected("the session token does not name a GitHub user")
        if not isinstance(teams, list) or not all(isinstance(team, str) for team in teams):
            raise TokenRejected("the session token's teams are not a list of names")
        return claims
