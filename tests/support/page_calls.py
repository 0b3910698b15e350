"""The web pages in-process, as a signed-in person's browser calls them: the session cookie, forms posted
with the page's CSRF token, and the HTML read back with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from tests.support.api_events import ApiResponse, http_event, invoke

SESSION_COOKIE = "__Host-modelyard-session"
FORM = "application/x-www-form-urlencoded"


@dataclass
class PageText(HTMLParser):
    """A page's visible text (whitespace folded), its links and its forms' hidden fields."""

    text_parts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)
    forms: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "form" and found.get("method") == "post":
            self.forms.append(str(found.get("action")))
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.hidden[str(found["name"])] = str(found.get("value") or "")

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())


def read_page(answer: ApiResponse) -> PageText:
    page = PageText()
    page.feed(answer.raw)
    return page


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
        event["cookies"] = [f"{SESSION_COOKIE}={session}"]
    return invoke(lambda_handler, event)


def csrf_of(session: str, page: str = "/ui/") -> str:
    """The CSRF token a page of this session carries in its forms."""
    answer = page_call(session, "GET", page)
    assert answer.status == 200, answer
    return read_page(answer).hidden["csrf"]
