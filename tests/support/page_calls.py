"""The web pages in-process, as a person's browser calls them: the session cookie, forms posted with the page's
CSRF token, and the cookies an answer sets. What a page shows is read with tests/support/markup_inspection.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.support.api_events import ApiResponse, http_event, invoke
from tests.support.markup_inspection import ParsedMarkup, parse_markup

SESSION_COOKIE = "__Host-modelyard-session"
FORM = "application/x-www-form-urlencoded"


def read_page(answer: ApiResponse) -> ParsedMarkup:
    return parse_markup(answer.raw)


def session_cookie(token: str) -> list[str]:
    """The Cookie pairs a signed-in browser sends (API Gateway payload v2 puts them in `cookies`)."""
    return [f"{SESSION_COOKIE}={token}"]


def set_cookies(lines: list[str]) -> dict[str, str]:
    """The cookies an answer sets (its Set-Cookie values), by name: `value; Path=/; ...`."""
    found: dict[str, str] = {}
    for line in lines:
        name, _, rest = line.partition("=")
        found[name] = rest
    return found


def page_call(
    session: str | None,
    method: str,
    path: str,
    *,
    form: dict[str, str] | None = None,
    query: dict[str, str] | list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse:
    """`path` as a browser asks it: the session cookie (when signed in), a form body, no bearer token."""
    from modelyard_server.handlers.api import lambda_handler

    sent = {
        "sec-fetch-site": "same-origin",
        "accept": "text/html,application/xhtml+xml",
        **({"content-type": FORM} if form is not None else {}),
        **(headers or {}),
    }
    event: dict[str, Any] = http_event(
        method, path, raw_body=urlencode(form) if form is not None else None, query=query, headers=sent
    )
    if session is not None:
        event["cookies"] = session_cookie(session)
    return invoke(lambda_handler, event)


def csrf_of(session: str, page: str = "/ui/") -> str:
    """The CSRF token a page of this session carries in its forms."""
    answer = page_call(session, "GET", page)
    assert answer.status == 200, answer
    return read_page(answer).hidden_fields()["csrf"]
