"""Where the bearer token comes from.

1. ``--token`` / ``Client(token=...)``;
2. ``MODELYARD_TOKEN``;
3. inside GitHub Actions, a fresh OIDC token for the registry's audience
   (``MODELYARD_AUDIENCE``, default ``modelyard``), asked from the runner's
   ``ACTIONS_ID_TOKEN_REQUEST_URL`` with ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``;
4. outside Actions, the session ``modelyard login`` stored for the registry's URL
   (:mod:`modelyard.sessions`), renewed with GitHub before it expires.

In Actions every token is announced with ``::add-mask::`` before anything else is
printed, so it can never show up in a job log.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from modelyard.errors import ClientError, RegistryUnreachable
from modelyard.transport import (
    CONNECTION_ERRORS,
    USER_AGENT,
    RetryableFailure,
    RetryPolicy,
    TokenSource,
    call_with_retries,
    describe_failure,
)

DEFAULT_AUDIENCE = "modelyard"
#: refresh a cached token this many seconds before it expires
EXPIRY_MARGIN = 60.0

PERMISSION_HINT = (
    "this GitHub Actions job cannot ask for an OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL / "
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set. Give the job `permissions: id-token: write` "
    "(and keep `contents: read` if it checks out code), or set MODELYARD_TOKEN"
)
NO_TOKEN_HINT = (
    "no token for the registry: sign in with `modelyard login`, or set MODELYARD_TOKEN or pass --token "  # noqa: S105
    "(in GitHub Actions the job's OIDC token is used; locally, mint one with `modelyard dev-token`)"
)


def _announce_mask(token: str) -> None:
    sys.stdout.write(f"::add-mask::{token}\n")
    sys.stdout.flush()


def in_github_actions(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("GITHUB_ACTIONS") == "true"


def token_claims(token: str) -> dict[str, Any]:
    """A JWT's claims, not verified (only to refresh in time and to advise); {} when it is no JWT."""
    try:
        payload = token.split(".")[1]
        claims: Any = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (not verified: only used to know when to refresh)."""
    exp = token_claims(token).get("exp")
    return float(exp) if isinstance(exp, int | float) else None


class StaticToken:
    """A token given by the user; announced to the Actions log masker on first use."""

    def __init__(self, value: str, *, mask: bool = False, announce: Callable[[str], None] = _announce_mask) -> None:
        self._value = value.strip()
        self._mask = mask
        self._announce = announce

    def get(self) -> str:
        if self._mask:
            self._announce(self._value)
            self._mask = False
        return self._value

    def invalidate(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "StaticToken(<hidden>)"


class MissingToken:
    """No token anywhere: fails with advice when a request actually needs one."""

    def __init__(self, message: str) -> None:
        self.message = message

    def get(self) -> str:
        raise ClientError(self.message)

    def invalidate(self) -> bool:
        return False


class GitHubActionsToken:
    """Fetches (and caches, and refreshes) the job's OIDC token from the Actions runner."""

    def __init__(
        self,
        request_url: str,
        request_token: str,
        audience: str = DEFAULT_AUDIENCE,
        *,
        retry: RetryPolicy | None = None,
        announce: Callable[[str], None] = _announce_mask,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._request_url = request_url
        self._request_token = request_token
        self.audience = audience
        self._retry = retry or RetryPolicy(attempts=4, timeout=15.0)
        self._announce = announce
        self._clock = clock
        self._cached: str | None = None
        self._expires: float | None = None

    def __repr__(self) -> str:
        return f"GitHubActionsToken(audience={self.audience!r})"

    def get(self) -> str:
        if self._cached is not None and (self._expires is None or self._clock() < self._expires - EXPIRY_MARGIN):
            return self._cached
        token = self.fetch()
        self._announce(token)
        self._cached = token
        self._expires = token_expiry(token)
        return token

    def invalidate(self) -> bool:
        self._cached = None
        return True

    def fetch(self) -> str:
        """One fresh token: ``GET $URL&audience=<aud>`` with the runner's request token."""
        separator = "&" if "?" in self._request_url else "?"
        url = f"{self._request_url}{separator}audience={urllib.parse.quote(self.audience, safe='')}"

        def attempt() -> bytes:
            req = urllib.request.Request(url, method="GET")  # noqa: S310 - URL comes from the runner
            req.add_header("Authorization", f"bearer {self._request_token}")
            req.add_header("Accept", "application/json")
            req.add_header("User-Agent", USER_AGENT)
            try:
                with urllib.request.urlopen(req, timeout=self._retry.timeout) as resp:  # noqa: S310
                    body: bytes = resp.read()
                    return body
            except urllib.error.HTTPError as exc:
                exc.close()  # its unread answer holds the connection's socket
                if exc.code >= 500 or exc.code == 429:
                    raise RetryableFailure(f"HTTP {exc.code} from the GitHub OIDC endpoint") from None
                raise ClientError(
                    f"GitHub refused the OIDC token request (HTTP {exc.code} {exc.reason}); "
                    "check that the job has `permissions: id-token: write`"
                ) from None
            except CONNECTION_ERRORS as exc:
                raise RetryableFailure(describe_failure(exc, self._retry.timeout)) from None

        try:
            body = call_with_retries(attempt, policy=self._retry, url=url)
        except RegistryUnreachable as exc:
            raise ClientError(
                f"could not get an OIDC token from the Actions runner at {exc.url} "
                f"after {exc.attempts} attempts: {exc.reason}"
            ) from None
        try:
            answer: Any = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            answer = None
        value = answer.get("value") if isinstance(answer, dict) else None
        if not isinstance(value, str) or not value:
            raise ClientError('the GitHub OIDC endpoint answered without a token (expected {"value": "<jwt>"})')
        return value


def token_source(
    explicit: str | None = None, env: Mapping[str, str] | None = None, registry_url: str | None = None
) -> TokenSource:
    """Pick the token source for this process (see the module docstring for the order)."""
    env = os.environ if env is None else env
    actions = in_github_actions(env)
    if explicit:
        return StaticToken(explicit, mask=actions)
    from_env = env.get("MODELYARD_TOKEN", "").strip()
    if from_env:
        return StaticToken(from_env, mask=actions)
    request_url = env.get("ACTIONS_ID_TOKEN_REQUEST_URL", "")
    request_token = env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
    if request_url and request_token:
        audience = env.get("MODELYARD_AUDIENCE", "").strip() or DEFAULT_AUDIENCE
        return GitHubActionsToken(request_url, request_token, audience)
    if actions:
        return MissingToken(PERMISSION_HINT)
    if registry_url:
        from modelyard.sessions import stored_session_source

        session = stored_session_source(registry_url, env)
        if session is not None:
            return session
    return MissingToken(NO_TOKEN_HINT)


def get_token(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The token a request would carry now (raises :class:`ClientError` with advice)."""
    return token_source(explicit, env).get()
