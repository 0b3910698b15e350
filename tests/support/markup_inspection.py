"""Read rendered HTML or inline SVG the way a browser's parser would, to assert what a page shows and
that nothing in it can run: every element, every attribute, the text, the links and the forms.

Calling the pages as a browser does (session cookie, forms with their CSRF token) is tests/support/page_calls.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    depth: int
    text: str = ""  # all the text inside it, its children's included

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # each named input, textarea and select: its value


@dataclass
class ParsedMarkup:
    elements: list[Element] = field(default_factory=list)
    text: str = ""  # all the text, as it stands in the markup
    shown: str = ""  # what a person reads: the text outside <title>, <style> and <script>, whitespace folded
    comments: list[str] = field(default_factory=list)
    max_depth: int = 0

    def tags(self) -> set[str]:
        return {element.tag for element in self.elements}

    def hrefs(self) -> list[str]:
        return [element.attrs["href"] or "" for element in self.elements if "href" in element.attrs]

    def link_to(self, href: str) -> str:
        """The text of the first link to `href`, whitespace folded (AssertionError when there is none)."""
        for element in self.with_tag("a"):
            if element.attrs.get("href") == href:
                return " ".join(element.text.split())
        raise AssertionError(f"no link to {href}; links: {self.hrefs()[:30]}")

    def forms(self) -> list[Form]:
        """The forms, each with the named fields that follow its opening tag."""
        found: list[Form] = []
        for element in self.elements:
            if element.tag == "form":
                found.append(Form((element.attrs.get("method") or "get").lower(), element.attrs.get("action") or ""))
            elif element.tag in ("input", "textarea", "select") and found and element.attrs.get("name"):
                found[-1].fields[str(element.attrs["name"])] = element.attrs.get("value") or ""
        return found

    def post_actions(self) -> list[str]:
        """Where the page's forms post to (the actions it offers)."""
        return [form.action for form in self.forms() if form.method == "post"]

    def hidden_fields(self) -> dict[str, str]:
        """Every hidden input's value by its name (the CSRF token, what the page saw)."""
        hidden = [e for e in self.with_tag("input") if e.attrs.get("type") == "hidden" and e.attrs.get("name")]
        return {str(element.attrs["name"]): element.attrs.get("value") or "" for element in hidden}

    def with_tag(self, tag: str) -> list[Element]:
        return [element for element in self.elements if element.tag == tag]

    def with_class(self, name: str) -> list[Element]:
        return [element for element in self.elements if name in element.classes()]


class _Collector(HTMLParser):
    _VOID = frozenset({"br", "hr", "img", "input", "meta", "link"})
    _UNSHOWN = frozenset({"title", "style", "script"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = ParsedMarkup()
        self._open: list[Element] = []
        self._text: list[str] = []
        self._shown: list[str] = []

    @property
    def _depth(self) -> int:
        return len(self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self._depth)
        self.result.elements.append(element)
        if tag not in self._VOID:
            self._open.append(element)
            self.result.max_depth = max(self.result.max_depth, self._depth)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.result.elements.append(Element(tag, dict(attrs), self._depth))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if not any(element.tag in self._UNSHOWN for element in self._open):
            self._shown.append(data)
        for element in self._open:
            element.text += data

    def handle_comment(self, data: str) -> None:
        self.result.comments.append(data)

    def handle_decl(self, decl: str) -> None:
        self.result.comments.append(decl)  # a doctype or CDATA has no place in a fragment either

    def handle_pi(self, data: str) -> None:
        self.result.comments.append(data)


def parse_markup(markup: str) -> ParsedMarkup:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    collector.result.text = "".join(collector._text)
    collector.result.shown = " ".join(" ".join(collector._shown).split())
    return collector.result


def scheme_of(href: str) -> str | None:
    """The scheme a browser would see (it strips leading controls/spaces and drops tabs and newlines)."""
    cleaned = "".join(ch for ch in href.lstrip("\x00 \t\n\r\f") if ch not in "\t\n\r")
    head = cleaned.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return head.split(":", 1)[0].lower() if ":" in head else None
