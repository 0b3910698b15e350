"""``modelyard login``: a person signs in with GitHub's OAuth device flow, then gets a registry session.

1. ``GET /v1/sign-in`` tells which GitHub and which OAuth client id the registry trusts.
2. ``POST {github}/login/device/code`` (``client_id``, ``scope=read:org``) answers a user code and the
   URL to enter it at; the person does so in any browser.
3. ``POST {github}/login/oauth/access_token`` is polled every ``interval`` seconds
   (``authorization_pending``: keep waiting; ``slow_down``: five seconds more; ``expired_token``,
   ``access_denied``: stop) until GitHub hands out the user token.
4. ``POST /v1/sessions`` exchanges it for the registry's session, stored by :mod:`modelyard.sessions`.

The GitHub token is sent to GitHub and to the registry, and kept in the session file (mode 0600)
so the session can be renewed; it is never printed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from modelyard.errors import ClientError, RegistryError
from modelyard.sessions import (
    SessionStore,
    StoredSession,
    call_without_token,
    exchange,
    registry_key,
    session_from_answer,
)
from modelyard.transport import CONNECTION_ERRORS, USER_AGENT, RetryPolicy

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_SECONDS = 5
TIMEOUT_SECONDS = 15.0


class SignInFailed(ClientError):
    """The device flow ended without a token (denied, expired, or GitHub refused it); says what to do."""


@dataclass(frozen=True)
class SignInConfig:
    github_url: str
    client_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    expires_in: int
    interval: int


def sign_in_config(registry_url: str, *, retry: RetryPolicy | None = None) -> SignInConfig:
    """What the registry says about signing in (``GET /v1/sign-in``)."""
    try:
        answer = call_without_token(registry_url, "GET", "/v1/sign-in", retry=retry)
    except RegistryError as exc:
        if exc.status == 404:
            raise SignInFailed(f"{registry_key(registry_url)} does not sign people in: {exc.detail}") from None
        raise
    if not isinstance(answer, dict) or not answer.get("client_id") or not answer.get("github_url"):
        raise ClientError(f"the registry at {registry_url} answered GET /v1/sign-in without a client id")
    listed = answer.get("scopes")
    scopes: list[Any] = listed if isinstance(listed, list) else ["read:org"]
    github_url = str(answer["github_url"]).rstrip("/")
    parts = urllib.parse.urlsplit(github_url)
    loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
    if not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ClientError(f"the registry names {github_url!r} as GitHub: only https (or a local http) is used")
    return SignInConfig(github_url, str(answer["client_id"]), tuple(map(str, scopes)))


def _post_form(url: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """POST form fields to GitHub's OAuth endpoints, asking for JSON (their default answer is a query string)."""
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - the registry names GitHub's URL
    request.add_header("Accept", "application/json")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("User-Agent", USER_AGENT)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise SignInFailed(f"GitHub answered HTTP {exc.code} to POST {url}") from None
    except CONNECTION_ERRORS as exc:
        raise SignInFailed(f"GitHub could not be reached at {url}: {exc}") from None
    try:
        answer: Any = json.loads(raw)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise SignInFailed(f"GitHub answered POST {url} with something that is not a JSON object")
    return answer


def request_device_code(config: SignInConfig) -> DeviceCode:
    answer = _post_form(
        f"{config.github_url}/login/device/code", {"client_id": config.client_id, "scope": " ".join(config.scopes)}
    )
    if "error" in answer:
        raise SignInFailed(f"GitHub refused to start the device flow: {_describe(answer)}")
    try:
        return DeviceCode(
            device_code=str(answer["device_code"]),
            user_code=str(answer["user_code"]),
            verification_uri=str(answer["verification_uri"]),
            expires_in=int(answer.get("expires_in", 900)),
            interval=int(answer.get("interval", 5)),
        )
    except (KeyError, TypeError, ValueError):
        raise SignInFailed("GitHub's device code answer lacks device_code, user_code or verification_uri") from None


def wait_for_token(
    config: SignInConfig,
    code: DeviceCode,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Poll GitHub until the person authorizes (the user token), declines, or the code expires."""
    interval = max(code.interval, 0)
    deadline = clock() + code.expires_in
    fields = {"client_id": config.client_id, "device_code": code.device_code, "grant_type": DEVICE_GRANT}
    while True:
        sleep(interval)
        answer = _post_form(f"{config.github_url}/login/oauth/access_token", fields)
        token = answer.get("access_token")
        if isinstance(token, str) and token:
            return token
        error = str(answer.get("error", ""))
        if error == "authorization_pending":
            pass
        elif error == "slow_down":
            suggested = answer.get("interval")
            interval = int(suggested) if isinstance(suggested, int) else interval + SLOW_DOWN_SECONDS
        elif error == "expired_token":
            raise SignInFailed("the code expired before it was entered; run `modelyard login` again")
        elif error == "access_denied":
            raise SignInFailed("the sign-in was declined on GitHub; nothing was stored")
        else:
            raise SignInFailed(f"GitHub refused the sign-in: {_describe(answer)}")
        if clock() > deadline:
            raise SignInFailed("the code expired before it was entered; run `modelyard login` again")


def login(
    registry_url: str,
    *,
    store: SessionStore | None = None,
    announce: Callable[[DeviceCode], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    env: Mapping[str, str] | None = None,
) -> StoredSession:
    """The whole device flow for `registry_url`; the session is stored and returned."""
    store = store or SessionStore.from_env(env)
    config = sign_in_config(registry_url)
    code = request_device_code(config)
    (announce or print_instructions)(code)
    github_token = wait_for_token(config, code, sleep=sleep)
    session = session_from_answer(registry_url, github_token, exchange(registry_url, github_token))
    store.put(session)
    return session


def print_instructions(code: DeviceCode) -> None:
    print(f"First copy your one-time code: {code.user_code}")
    print(f"Then open {code.verification_uri} in a browser and enter it.")
    print(f"Waiting for GitHub (the code expires in {code.expires_in // 60} minutes)...", flush=True)


def _describe(answer: Mapping[str, Any]) -> str:
    error = str(answer.get("error", "unknown error"))
    description = answer.get("error_description")
    return f"{error} ({description})" if description else error
