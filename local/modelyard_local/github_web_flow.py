"""The OAuth web application flow of the local GitHub stand-in: `/login/oauth/authorize` and the code exchange.

Shaped after GitHub's documentation ("Authorizing OAuth apps: web application flow" and
"Troubleshooting OAuth app access token request errors"). The stand-in has no login page: who is
"signed in at GitHub in this browser" is arranged by the test or demo (`sign_in_browser`), and
pressing "Cancel" on GitHub's consent screen is `deny_next_authorization`. Codes are single-use,
live ten minutes, remember their redirect_uri and their PKCE challenge (S256 only).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CODE_TTL_SECONDS = 600  # GitHub: "codes expire after 10 minutes"
ERROR_URI = "/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"
Answer = tuple[int, Any, dict[str, str]]
HTML = {"Content-Type": "text/html; charset=utf-8"}

# GitHub's own wording for each refusal of the code exchange (answered with status 200).
EXCHANGE_ERRORS = {
    "incorrect_client_credentials": "The client_id and/or client_secret passed are incorrect.",
    "redirect_uri_mismatch": "The redirect_uri MUST match the registered callback URL for this application.",
    "bad_verification_code": "The code passed is incorrect or expired.",
    "unsupported_grant_type": "The grant type is not supported.",
}


@dataclass
class AuthorizationCode:
    login: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    expires_at: float


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class WebFlow:
    """Who is signed in at "GitHub" in the browser, and the authorization codes handed out to the client."""

    def __init__(self, client_id: str, client_secret: str, issue_token: Callable[[str], str]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._issue_token = issue_token  # the people's token table: a web-flow token works with /user like any other
        self._browser_login: str | None = None
        self._deny_next = False
        self._codes: dict[str, AuthorizationCode] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------------- arranging (tests, demo)

    def sign_in_browser(self, login: str | None) -> None:
        with self._lock:
            self._browser_login = login

    def deny_next_authorization(self) -> None:
        with self._lock:
            self._deny_next = True

    def expire_codes(self) -> None:
        """Every code handed out so far is past its ten minutes."""
        with self._lock:
            for code in self._codes.values():
                code.expires_at = 0.0

    # ---------------------------------------------------------------------- GitHub's endpoints

    def authorize(self, query: dict[str, str]) -> Answer:
        if query.get("client_id") != self.client_id:
            return 404, _page("Not Found", "No OAuth application has this client_id."), HTML
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            return 400, _page("Bad request", "The redirect_uri is missing or not an http(s) URL."), HTML
        challenge = query.get("code_challenge") or None
        if challenge is not None and query.get("code_challenge_method") != "S256":
            return 400, _page("Bad request", "code_challenge_method must be S256."), HTML
        state = query.get("state", "")
        with self._lock:
            login, denied, self._deny_next = self._browser_login, self._deny_next, False
            if login is None:
                hint = "No one is signed in to GitHub in this browser (the local stand-in: POST /_local/browser/sign-in"
                return 200, _page("Sign in to GitHub", hint + " with login=<name>, then try again)."), HTML
            if denied:
                return _redirect(
                    redirect_uri,
                    error="access_denied",
                    error_description="The user has denied your application access.",
                    error_uri="/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
                    state=state,
                )
            code = secrets.token_hex(10)
            self._codes[code] = AuthorizationCode(
                login=login,
                redirect_uri=redirect_uri,
                scope=query.get("scope", ""),
                code_challenge=challenge,
                expires_at=time.time() + CODE_TTL_SECONDS,
            )
        return _redirect(redirect_uri, code=code, state=state)

    def exchange(self, form: dict[str, str]) -> Answer:
        given_secret = form.get("client_secret", "")
        if form.get("client_id") != self.client_id or not hmac.compare_digest(given_secret, self.client_secret):
            return _refusal("incorrect_client_credentials")
        with self._lock:
            # single-use: any exchange with the right client credentials spends the code, failed or not
            code = self._codes.pop(form.get("code", ""), None)
        if code is None or time.time() > code.expires_at:
            return _refusal("bad_verification_code")
        if form.get("redirect_uri", code.redirect_uri) != code.redirect_uri:
            return _refusal("redirect_uri_mismatch")
        if code.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            if not hmac.compare_digest(pkce_challenge(verifier), code.code_challenge):
                return _refusal("bad_verification_code")
        token = self._issue_token(code.login)
        return 200, {"access_token": token, "token_type": "bearer", "scope": code.scope}, {}


def _refusal(error: str) -> Answer:
    anchor = error.replace("_", "-")
    return 200, {"error": error, "error_description": EXCHANGE_ERRORS[error], "error_uri": f"{ERROR_URI}#{anchor}"}, {}


def _redirect(redirect_uri: str, **parameters: str) -> Answer:
    separator = "&" if urllib.parse.urlsplit(redirect_uri).query else "?"
    return 302, "", {"Location": redirect_uri + separator + urllib.parse.urlencode(parameters), **HTML}


def _page(title: str, message: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)} · GitHub</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
