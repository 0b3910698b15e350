"""What the browser keeps while GitHub asks the person to authorize: the web flow's state, its PKCE verifier
and the page to return to, in a short-lived cookie MACed with the session key (the Lambda keeps nothing
between requests, and a forged or swapped cookie must not pass: RFC 6749 §10.12, RFC 7636)."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from dataclasses import dataclass

from modelyard_server.adapters.session_tokens import SessionTokens

SIGN_IN_COOKIE = "__Host-modelyard-sign-in"
SIGN_IN_SECONDS = 600  # as long as GitHub's authorization code lives
PURPOSE = "web-flow"


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    verifier: str
    next_page: str
    expires: int


def sealed(pending: PendingSignIn, tokens: SessionTokens) -> str:
    document = {"state": pending.state, "verifier": pending.verifier, "next": pending.next_page, "exp": pending.expires}
    payload = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode("ascii")
    return f"{payload}.{tokens.tag(PURPOSE, payload)}"


def opened(value: str | None, tokens: SessionTokens, now: float | None = None) -> PendingSignIn | None:
    """The pending sign-in the cookie holds, or None: absent, tampered with, malformed or expired."""
    if not value or value.count(".") != 1:
        return None
    payload, mac = value.split(".")
    if not hmac.compare_digest(mac.encode(), tokens.tag(PURPOSE, payload).encode()):
        return None
    try:
        document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        pending = PendingSignIn(
            str(document["state"]), str(document["verifier"]), str(document["next"]), int(document["exp"])
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return pending if (time.time() if now is None else now) < pending.expires else None


def new_pending(state: str, verifier: str, next_page: str) -> PendingSignIn:
    return PendingSignIn(state, verifier, next_page, int(time.time()) + SIGN_IN_SECONDS)
