"""GitHub's OAuth web application flow, the registry's side: where to send the browser, and the code exchange.

The browser goes to `{github_url}/login/oauth/authorize` with a `state` (bound to the browser by the
sign-in route) and a PKCE challenge; GitHub sends it back with a one-time code, which the registry
exchanges for the person's user token with its client secret and the PKCE verifier. The only request
this module makes is that POST to `{github_url}/login/oauth/access_token`. The client secret, the
code and the token are never logged or put into an error message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import Any

from modelyard_server.adapters.github_users import retry_after
from modelyard_server.adapters.urls import is_safe_to_call
from modelyard_server.ports.identity import GitHubTokenRefused, GitHubUnreachable
from modelyard_server.settings import Settings

TIMEOUT_SECONDS = 10
PKCE_VERIFIER_BYTES = 48  # token_urlsafe(48) is 64 characters: RFC 7636 wants 43 to 128
STATE_BYTES = 32
MAX_ANSWER_BYTES = 64 * 1024


def configured_client_secret(settings: Settings) -> str | None:
    """The OAuth client secret the settings lead to (inline, or read from Secrets Manager), or None."""
    if settings.github_client_secret:
        return settings.github_client_secret
    if settings.github_client_secret_arn:
        from modelyard_server.adapters.secrets import secret_string

        return secret_string(settings.github_client_secret_arn)
    return None


def new_pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge): the verifier stays with the registry, the challenge goes to GitHub."""
    verifier = secrets.token_urlsafe(PKCE_VERIFIER_BYTES)
    return verifier, pkce_s256(verifier)


def pkce_s256(verifier: str) -> str:
    """RFC 7636 S256: base64url(sha256(verifier)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def new_state() -> str:
    """An unguessable `state` for one sign-in (GitHub sends it back; the callback checks it)."""
    return secrets.token_urlsafe(STATE_BYTES)


class _RedirectsAreAnswers(urllib.request.HTTPRedirectHandler):
    """A redirect is GitHub's answer (an error here), never followed: the exchange goes to GitHub and nowhere else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_NO_REDIRECTS = urllib.request.build_opener(_RedirectsAreAnswers)


class GitHubWebFlow:
    """One OAuth client (GitHub App or OAuth App) of one GitHub host."""

    def __init__(self, github_url: str, client_id: str, client_secret: str) -> None:
        self._github_url = github_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"GitHubWebFlow({self._github_url!r}, client_id={self._client_id!r})"

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str, scopes: Iterable[str]) -> str:
        """Where to send the browser: GitHub asks the person (if need be) and comes back to `redirect_uri`."""
        query = {
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "scope": " ".join(scopes),
        }
        return f"{self._github_url}/login/oauth/authorize?{urllib.parse.urlencode(query)}"

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> str:
        """The person's user token for the code GitHub sent back.

        Raises GitHubTokenRefused (its `error` is GitHub's code, e.g. "bad_verification_code") when
        GitHub refuses, GitHubUnreachable when GitHub cannot be asked or answers something else.
        """
        url = f"{self._github_url}/login/oauth/access_token"
        if not is_safe_to_call(url):
            raise GitHubUnreachable(f"refusing to call GitHub over plain HTTP: {self._github_url}")
        form = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "code": code,
            "code_verifier": code_verifier,
            "redirect_uri": redirect_uri,
        }
        answer = self._post(url, urllib.parse.urlencode(form).encode())
        token = answer.get("access_token")
        if isinstance(token, str) and token:
            return token
        error = answer.get("error")
        if isinstance(error, str) and error:
            refusal = error[
                :64
            ]  # GitHub's error code only: nothing we sent, nor its description, goes into the message
            raise GitHubTokenRefused(f"GitHub refused the sign-in code: {refusal}", error=refusal)
        raise GitHubUnreachable("GitHub's code exchange answered neither a token nor an error")

    def _post(self, url: str, body: bytes) -> dict[str, Any]:
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - scheme checked by the caller
        request.add_header("Accept", "application/json")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("User-Agent", "modelyard")
        try:
            with _NO_REDIRECTS.open(request, timeout=TIMEOUT_SECONDS) as response:
                answer = json.loads(response.read(MAX_ANSWER_BYTES))
        except urllib.error.HTTPError as error:
            headers, status = error.headers, error.code
            error.close()
            raise GitHubUnreachable(f"GitHub answered {status} to the code exchange", retry_after(headers)) from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise GitHubUnreachable(
                f"GitHub could not be reached for the code exchange: {type(error).__name__}"
            ) from None
        if not isinstance(answer, dict):
            raise GitHubUnreachable("GitHub's code exchange answer is not a JSON object")
        return answer
