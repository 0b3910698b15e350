"""Reading the web pages in tests: what a page shows (its text, links, forms) parsed with the stdlib parser,
and a person's session cookie as the browser would send it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

SESSION_COOKIE = "__Host-modelyard-session"


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Page:
    """A parsed page: its visible text (whitespace collapsed), links (href, text), forms and every element."""

    text: str
    links: list[tuple[str, str]]
    forms: list[Form]
    elements: list[tuple[str, dict[str, str]]]

    def link_to(self, href: str) -> str:
        """The text of the first link to `href` (AssertionError when there is none)."""
        for target, text in self.links:
            if target == href:
                return text
        raise AssertionError(f"no link to {href}; links: {self.links[:30]}")

    def hrefs(self) -> list[str]:
        return [target for target, _ in self.links]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.forms: list[Form] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self._link: tuple[str, list[str]] | None = None
        self._hidden_depth = 0  # inside <title>, <style>, <script>: not shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag in ("title", "style", "script"):
            self._hidden_depth += 1
        if tag == "a" and "href" in attributes:
            self._link = (attributes["href"], [])
        if tag == "form":
            self.forms.append(Form(attributes.get("method", "get").lower(), attributes.get("action", "")))
        if tag in ("input", "textarea", "select") and self.forms and attributes.get("name"):
            self.forms[-1].fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("title", "style", "script"):
            self._hidden_depth = max(0, self._hidden_depth - 1)
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join("".join(self._link[1]).split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        self.text.append(data)
        if self._link is not None:
            self._link[1].append(data)


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return Page(" ".join(" ".join(reader.text).split()), reader.links, reader.forms, reader.elements)


def session_cookie(token: str) -> list[str]:
    """The Cookie pairs a signed-in browser sends (API Gateway payload v2 puts them in `cookies`)."""
    return [f"{SESSION_COOKIE}={token}"]


def set_cookies(lines: list[str]) -> dict[str, str]:
    """The cookies a response sets (its Set-Cookie values), by name: `value; Path=/; ...`."""
    found: dict[str, str] = {}
    for line in lines:
        name, _, rest = line.partition("=")
        found[name] = rest
    return found
