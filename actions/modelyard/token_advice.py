"""What to do when the registry refuses a token (401): the advice depends on where the token came from.

* In GitHub Actions the job's own OIDC token is the one to use: the job needs
  ``permissions: id-token: write`` (and no stale ``MODELYARD_TOKEN``).
* A person's session (``modelyard login``) was renewed with GitHub before it was refused: sign in again.
* A token of the local issuer (``modelyard dev``) lives 15 minutes and only as long as the stack
  that minted it: the advice is the exact ``modelyard dev-token`` command for the same claims.
"""

from __future__ import annotations

import datetime
import ipaddress
import shlex
import urllib.parse
from collections.abc import Mapping
from typing import Any

from modelyard.oidc import in_github_actions, token_claims

ACTIONS_ADVICE = (
    "in GitHub Actions the job's own OIDC token is used: give the job `permissions: id-token: write` "
    "and do not set MODELYARD_TOKEN"
)
#: claims `modelyard dev-token` takes as options (the others are the issuer's defaults)
DEV_TOKEN_OPTIONS = ("repository", "environment")


def _is_local_issuer(issuer: str) -> bool:
    host = urllib.parse.urlsplit(issuer).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dev_token_command(claims: Mapping[str, Any]) -> str:
    """The ``modelyard dev-token …`` that mints a token with the same identity."""
    words = ["modelyard", "dev-token"]
    for name in DEV_TOKEN_OPTIONS:
        if claims.get(name):
            words += [f"--{name}", str(claims[name])]
    return shlex.join(words)


def _expired_at(claims: Mapping[str, Any], now: float) -> str | None:
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp > now:
        return None
    return datetime.datetime.fromtimestamp(exp, datetime.UTC).strftime("%H:%M:%S UTC")


def rejected_token_advice(token: str, env: Mapping[str, str], now: float) -> str:
    """One sentence saying how to get a token the registry accepts."""
    if in_github_actions(env):
        return ACTIONS_ADVICE
    claims = token_claims(token)
    if claims.get("kind") == "person":  # the registry's own session (`modelyard login`)
        return "your session was not accepted (renewed with GitHub and still refused): run `modelyard login` again"
    expired = _expired_at(claims, now)
    why = f"the token expired at {expired}" if expired else "the token is not valid any more"
    if _is_local_issuer(str(claims.get("iss", ""))):
        if not expired:
            why = "the local issuer that minted this token was restarted (its keys are new each time)"
        return f"{why}; mint a new one: export MODELYARD_TOKEN=$({dev_token_command(claims)})"
    return f"{why}; get a fresh OIDC token from an issuer the registry trusts and set MODELYARD_TOKEN to it"
