"""OIDC bearer-token verification: trusted issuers, cached JWKS refreshed on an unknown key id, RS256 only.

A token that verified is remembered (a few hundred, least recently used first out) until it expires
or its signing key leaves the issuer's key set: a job's many calls with one token pay for one
signature check. Anything else about the token, even one changed character, is checked in full.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from modelyard_server.adapters.urls import is_safe_to_call

ALGORITHMS = ["RS256"]
JWKS_TTL_SECONDS = 3600
MIN_REFRESH_INTERVAL_SECONDS = 10  # an unknown kid cannot make us hammer the issuer
LEEWAY_SECONDS = 60
MAX_TOKEN_CHARS = 16 * 1024
REMEMBERED_TOKENS = 512


class TokenRejected(Exception):
    """The bearer token is not acceptable; the message says why, without echoing the token."""


Fetch = Callable[[str], dict[str, Any]]


def fetch_json(url: str) -> dict[str, Any]:
    if not is_safe_to_call(url):
        raise TokenRejected(f"refusing to fetch keys over {url.split(':', 1)[0]}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, headers={"Accept": "application/json", "User-Agent": "modelyard"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - scheme checked above
        data = json.loads(response.read(1024 * 1024))
    if not isinstance(data, dict):
        raise TokenRejected(f"{url} did not answer a JSON object")
    return data


@dataclass
class _IssuerKeys:
    keys: dict[str, Any] = field(default_factory=dict)
    fetched_at: float = 0.0


@dataclass(frozen=True)
class _Verified:
    claims: dict[str, Any]
    issuer: str
    kid: str


class TokenVerifier:
    """Verifies JWTs from a fixed set of issuers for one audience."""

    def __init__(
        self,
        issuers: tuple[str, ...],
        audience: str,
        fetch: Fetch = fetch_json,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuers = {issuer.rstrip("/") for issuer in issuers}
        self._audience = audience
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, _IssuerKeys] = {}
        self._verified: OrderedDict[str, _Verified] = OrderedDict()
        self._lock = threading.Lock()
        self.verified_from_memory = 0

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once signature, algorithm, issuer, audience and lifetime all check out."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise TokenRejected("the bearer token is empty or too long")
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise TokenRejected("the bearer token is not a well-formed JWT") from error
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise TokenRejected(f"tokens must be signed with RS256, not {algorithm!r}")
        issuer = str(unverified.get("iss", "")).rstrip("/")
        if issuer not in self._issuers:
            raise TokenRejected(f"tokens from issuer {issuer!r} are not trusted")
        key = self._signing_key(issuer, str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=unverified.get("iss"),
                leeway=LEEWAY_SECONDS,
                # the lifetime is checked below, on this verifier's clock (the one remembered tokens expire on)
                options={"require": ["exp", "iat", "iss", "aud"], "verify_exp": False, "verify_nbf": False},
            )
        except jwt.InvalidAudienceError as error:
            raise TokenRejected(f"the bearer token is not for audience {self._audience!r}") from error
        except jwt.InvalidSignatureError as error:
            raise TokenRejected("the bearer token's signature does not verify") from error
        except jwt.PyJWTError as error:
            raise TokenRejected(f"the bearer token was rejected: {error}") from error
        self._check_lifetime(claims)
        self._remember(token, _Verified(claims, issuer, str(header.get("kid", ""))))
        return dict(claims)

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        now = self._clock()
        try:
            expires, not_before = float(claims["exp"]), float(claims.get("nbf", now))
        except (TypeError, ValueError) as error:
            raise TokenRejected("the bearer token's exp or nbf is not a number") from error
        if now > expires + LEEWAY_SECONDS:
            raise TokenRejected("the bearer token has expired")
        if not_before > now + LEEWAY_SECONDS:
            raise TokenRejected("the bearer token is not valid yet")

    def _remembered(self, token: str) -> dict[str, Any] | None:
        """The claims of `token` if it verified before, has not expired and its key is still published."""
        with self._lock:
            verified = self._verified.get(token)
            if verified is None:
                return None
            keys = self._keys.get(verified.issuer)
            expired = self._clock() > float(verified.claims["exp"]) + LEEWAY_SECONDS
            if expired or keys is None or verified.kid not in keys.keys:
                del self._verified[token]
                return None  # checked in full again, which says why it is refused
            self._verified.move_to_end(token)
            self.verified_from_memory += 1
            return dict(verified.claims)

    def _remember(self, token: str, verified: _Verified) -> None:
        with self._lock:
            self._verified[token] = verified
            self._verified.move_to_end(token)
            while len(self._verified) > REMEMBERED_TOKENS:
                self._verified.popitem(last=False)

    def _signing_key(self, issuer: str, kid: str) -> Any:
        with self._lock:
            cached = self._keys.get(issuer)
            age = self._clock() - cached.fetched_at if cached else None
            stale = age is None or age > JWKS_TTL_SECONDS
            unknown_kid = cached is not None and kid not in cached.keys
            may_refresh = age is None or age > MIN_REFRESH_INTERVAL_SECONDS
            if stale or (unknown_kid and may_refresh):
                cached = self._refresh(issuer)
            assert cached is not None
            key = cached.keys.get(kid)
        if key is None:
            raise TokenRejected(f"the issuer has no signing key {kid!r}")
        return key

    def _refresh(self, issuer: str) -> _IssuerKeys:
        try:
            config = self._fetch(f"{issuer}/.well-known/openid-configuration")
            jwks_uri = str(config.get("jwks_uri", ""))
            if not jwks_uri:
                raise TokenRejected(f"{issuer} publishes no jwks_uri")
            jwks = self._fetch(jwks_uri)
        except (urllib.error.URLError, TimeoutError, ValueError, OSError) as error:
            previous = self._keys.get(issuer)
            if previous is not None and previous.keys:
                return previous  # keep serving with the keys we have while the issuer is unreachable
            raise TokenRejected(f"could not fetch the signing keys of {issuer}") from error
        keys: dict[str, Any] = {}
        for jwk in jwks.get("keys", []):
            if isinstance(jwk, dict) and jwk.get("kty") == "RSA" and jwk.get("kid"):
                keys[str(jwk["kid"])] = RSAAlgorithm.from_jwk(jwk)
        entry = _IssuerKeys(keys=keys, fetched_at=self._clock())
        self._keys[issuer] = entry
        return entry
