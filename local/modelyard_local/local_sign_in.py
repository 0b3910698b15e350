"""One-time sign-in links for the web pages of a local registry (`modelyard dev` prints one).

A link names a person of the GitHub stand-in. Opening it signs the browser in as that person exactly as the
web flow would end: the stand-in issues them a GitHub token, and the registry's own session exchange
(`domain.sessions.open_session`: who they are, their teams, the allowed owners) turns it into the session
cookie. A link works once, within ten minutes; a HEAD of it (a link checker, `curl -I`) says where it leads and
spends nothing. This is development tooling: the Lambda has no such route.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qs

from modelyard_local.blob_transfers import AsgiApp, Receive, Scope, Send
from modelyard_local.github_people import GitHubPeople

LOCAL_SIGN_IN_PATH = "/ui/sign-in/local"
LINK_SECONDS = 600


class LocalSignInLinks:
    """The links handed out and not yet used."""

    def __init__(self, people: GitHubPeople, ttl_seconds: int = LINK_SECONDS) -> None:
        self._people = people
        self._ttl = ttl_seconds
        self._codes: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, login: str) -> str:
        """A one-time code signing `login` in (the stand-in adds them when GitHub does not know them yet)."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = (login, time.monotonic() + self._ttl)
        return code

    def redeem(self, code: str) -> str | None:
        """The person a code signs in, once; None for a used, expired or made-up code."""
        with self._lock:
            login, expires = self._codes.pop(code, ("", 0.0))
        return login if login and time.monotonic() < expires else None

    def usable(self, code: str) -> bool:
        """Whether a code would sign someone in now (it is not spent by asking)."""
        with self._lock:
            _, expires = self._codes.get(code, ("", 0.0))
        return time.monotonic() < expires

    def github_token(self, login: str) -> str:
        return self._people.token_for(login)


def _session_answer(
    links: LocalSignInLinks, code: str, *, head: bool = False
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body: the browser signed in and sent to the catalog, or a page saying why not; to a
    HEAD, where a usable link leads, without signing in."""
    # the server's own modules, imported on use: the stack installs the backend and settings first
    from modelyard_server.domain.errors import DomainError
    from modelyard_server.domain.sessions import open_session
    from modelyard_server.handlers.auth import github_users, session_tokens
    from modelyard_server.settings import get_settings
    from modelyard_server.ui import links as pages
    from modelyard_server.ui.page_responses import HTML, SECURITY_HEADERS
    from modelyard_server.ui.rendering import render
    from modelyard_server.ui.web_session import session_cookie

    headers = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]

    def refusal(status: int, title: str, detail: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        body = render("error.html", title=title, detail=detail, fields=[], status_code=status)
        return status, [*headers, (b"content-type", HTML.encode())], body.encode()

    tokens = session_tokens()
    if head and tokens is not None and links.usable(code):
        # a link checker's HEAD (or curl -I) hears where the link leads; only the browser's GET spends it
        return 303, [*headers, (b"location", pages.UI_PREFIX.encode())], b""
    login = None if head else links.redeem(code)
    if login is None or tokens is None:
        detail = "This sign-in link was already used or has expired. Ask `modelyard dev` for a new one (restart it)."
        return refusal(400, "Sign-in link not valid", detail)
    try:
        grant = open_session(links.github_token(login), github_users(), tokens, get_settings().allowed_owners)
    except DomainError as error:
        return refusal(error.status, error.title, error.detail)
    expires_in = int(grant.expires_at.timestamp() - time.time())
    cookie = str(session_cookie(grant.token, expires_in))
    return 303, [*headers, (b"location", pages.UI_PREFIX.encode()), (b"set-cookie", cookie.encode())], b""


def with_local_sign_in(app: AsgiApp, links: LocalSignInLinks) -> AsgiApp:
    """`app`, with `GET /ui/sign-in/local?code=...` (and its HEAD, which spends nothing) answered from `links`."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or scope.get("path") != LOCAL_SIGN_IN_PATH or method not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
        code = (query.get("code") or [""])[0]
        status, headers, body = await asyncio.to_thread(_session_answer, links, code, head=method == "HEAD")
        start: MutableMapping[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return route
