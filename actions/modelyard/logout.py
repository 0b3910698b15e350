"""``modelyard logout``: the registry ends the session, then this machine forgets it.

``DELETE /v1/sessions/current`` with the stored session token makes the registry refuse that token from then
on, wherever a copy of it is. The session is forgotten here whatever the registry answered: when it could not
be reached, or refused for another reason, the result says why, and that a copy of the token stays valid
until it expires.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from modelyard.errors import ClientError, RegistryError
from modelyard.sessions import SessionStore, StoredSession
from modelyard.transport import RetryPolicy, Transport

# Signing out does not wait long for a registry that is down: the session is forgotten here either way.
ATTEMPTS = 2
TIMEOUT_SECONDS = 10.0
# The registry accepts a session token a little past its `exp` (clock leeway), and this machine's clock may run
# ahead of the registry's: only a session expired longer ago than this is over without asking the registry.
EXPIRED_FOR_SURE_SECONDS = 300


@dataclass(frozen=True)
class SignOut:
    forgotten: bool  # this machine held a session for the registry, and forgot it
    ended: bool  # the registry refuses the session's token from now on (it ended it, or had already)
    problem: str | None = None  # why the registry did not end it, when it did not
    expires_at: float | None = None  # when a token the registry did not end stops working anyway (unix seconds)


class _StoredToken:
    """The session's own token, never renewed: a 401 means the session is over already."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get(self) -> str:
        return self._token

    def invalidate(self) -> bool:
        return False


def logout(
    registry_url: str,
    *,
    store: SessionStore | None = None,
    env: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    clock: Callable[[], float] = time.time,
) -> SignOut:
    """End this machine's session for `registry_url` on the registry, then forget it here."""
    store = store or SessionStore.from_env(env)
    session = store.get(registry_url)
    if session is None:
        return SignOut(forgotten=store.delete(registry_url), ended=False)  # an unreadable entry goes too
    if session.expires_at + EXPIRED_FOR_SURE_SECONDS <= clock():
        ended, problem = True, None  # refused as expired already: nothing to ask the registry
    else:
        policy = retry or RetryPolicy.from_env(env)
        policy = dataclasses.replace(
            policy, attempts=min(policy.attempts, ATTEMPTS), timeout=min(policy.timeout, TIMEOUT_SECONDS)
        )
        ended, problem = _end_on_registry(session, policy)
    store.delete(registry_url)
    return SignOut(forgotten=True, ended=ended, problem=problem, expires_at=None if ended else session.expires_at)


def _end_on_registry(session: StoredSession, retry: RetryPolicy) -> tuple[bool, str | None]:
    transport = Transport(session.registry_url, _StoredToken(session.session_token), retry=retry)
    try:
        transport.request("DELETE", "/v1/sessions/current")
    except RegistryError as refused:
        if refused.status == 401:
            return True, None  # signed out elsewhere, expired, or the registry's key rotated: refused already
        return False, f"the registry answered HTTP {refused.status} ({refused.message})"
    except ClientError as failed:  # unreachable after retries, or an answer that is no registry's
        return False, str(failed)
    finally:
        transport.close()
    return True, None
