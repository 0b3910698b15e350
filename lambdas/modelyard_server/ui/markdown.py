"""Model cards and descriptions as HTML that cannot run, load or restyle anything (a Jinja filter).

Anyone who can register a version writes this text, so it is hostile input. CommonMark (markdown-it-py,
with tables and strikethrough) with raw HTML off shows any HTML as text; on top of that a final pass over
the parsed tokens decides every element and attribute that reaches the page:

* links only to web pages, mail addresses and places relative to the page (`url_safety`); any other
  link is shown as its text. Each link gets `rel="nofollow noopener noreferrer"`, and one leaving the
  registry has class `external`, followed by the host it leads to (unless its text is the URL itself);
* images never load (no request leaves our pages): an image is its alt text, marked as an image, and a
  link to its URL when that is a web page;
* no attribute from the input but a link's href and title; code blocks carry no language class,
  headings no ids, table cells a class instead of the parser's inline style (the CSP forbids it);
* headings start one level down (a `#` is an h2), under the page's own h1, or as many as the page asks
  (`heading_offset`: a card under a section's h2 starts at h3);
* bounded work and size: input beyond MAX_SOURCE_CHARS is cut with a note; nesting deeper than
  MAX_NESTING (quotes, lists, brackets, emphasis) is not parsed further, so no input can exhaust the
  stack; and links beyond MAX_LINKS (or MAX_LINK_URL_CHARS of URLs) are shown as text with a note, as
  one reference definition used thousands of times would otherwise make a short card a page of megabytes.
  tests/perf/test_markdown_render.py prints the time and size of the worst inputs known.

Classes emitted, for ui/static/modelyard.css: `external` (a link leaving the registry, as in the lineage),
`md-link-host` (the host shown after it), `md-image` (an image shown as its alt text),
`md-align-left`, `md-align-center`, `md-align-right` (table cells), `md-truncated` (the notes on cut input
and on links shown as text).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

from modelyard_server.ui.url_safety import EXTERNAL_LINK_CLASS, EXTERNAL_LINK_REL, LinkKind, link_kind, web_host

RENDERED_KEPT = 16  # cards kept rendered per warm function
MAX_SOURCE_CHARS = 65_536  # the API's own limit on a card; the worst such input takes about a second
MAX_LINKS = 500
MAX_LINK_URL_CHARS = 100_000
MAX_NESTING = 20  # markdown-it's own CommonMark default, stated here because the tests rely on it
HEADING_OFFSET = 1

# The only attributes any element may carry, whatever the parser or a future option produces.
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel", "class"},
    "ol": {"start"},
    "span": {"class"},
    "th": {"class"},
    "td": {"class"},
}
_ALIGN_CLASSES = {f"text-align:{side}": f"md-align-{side}" for side in ("left", "center", "right")}


class _CardMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        """Refused links never become links: the parser keeps their text (or source) as text."""
        return link_kind(url) is not None


@dataclass
class _LinkBudget:
    """The links one card may still make; spent by each anchor, so page size stays proportional to input."""

    links: int = MAX_LINKS
    url_chars: int = MAX_LINK_URL_CHARS
    exhausted: bool = False

    def spend(self, url: str, copies: int) -> bool:
        """Whether one more link to `url`, written `copies` times on the page, fits (and spend it if so)."""
        cost = len(url) * copies
        if self.links <= 0 or self.url_chars < cost:
            self.exhausted = True
            return False
        self.links -= 1
        self.url_chars -= cost
        return True


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _plain_text(tokens: Sequence[Token] | None) -> str:
    """An image's alt text with its markup dropped (CommonMark's rule for alt)."""
    parts: list[str] = []
    for token in tokens or ():
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type == "image":
            parts.append(_plain_text(token.children))
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _anchor(href: str, title: str | None, budget: _LinkBudget, copies: int = 1) -> Token | None:
    kind = link_kind(href)
    if kind is None or not budget.spend(href, copies):
        return None
    attrs: dict[str, str | int | float] = {"href": href}
    if title:
        attrs["title"] = title
    attrs["rel"] = EXTERNAL_LINK_REL  # on relative links too: a card's link is the card writer's, not ours
    if kind is LinkKind.WEB:
        attrs["class"] = EXTERNAL_LINK_CLASS
    return Token("link_open", "a", 1, attrs=attrs)


def _host_note(host: str) -> list[Token]:
    return [
        Token("span_open", "span", 1, attrs={"class": "md-link-host"}),
        _text(f" ({host})"),
        Token("span_close", "span", -1),
    ]


def _image(token: Token, inside_link: bool, budget: _LinkBudget) -> list[Token]:
    alt = _plain_text(token.children)
    shown = [
        Token("span_open", "span", 1, attrs={"class": "md-image"}),
        _text(f"image: {alt}" if alt else "image"),
        Token("span_close", "span", -1),
    ]
    src = str(token.attrGet("src") or "")
    anchor = None if inside_link or link_kind(src) is not LinkKind.WEB else _anchor(src, None, budget, copies=2)
    if anchor is not None:  # a link inside a link is not HTML: inside one, the alt text is enough
        shown += [_text(" ("), anchor, _text(src), Token("link_close", "a", -1), _text(")")]
    return shown


def _inline(children: list[Token], budget: _LinkBudget) -> list[Token]:
    kept: list[Token] = []
    open_links: list[tuple[bool, str | None]] = []  # per open link: anchor kept?, host to show after it
    for token in children:
        if token.type == "link_open":
            anchor = _anchor(str(token.attrGet("href") or ""), str(token.attrGet("title") or "") or None, budget)
            is_autolink = token.markup == "autolink"
            host = None if anchor is None or is_autolink else web_host(str(anchor.attrGet("href")))
            open_links.append((anchor is not None, host))
            if anchor is not None:
                kept.append(anchor)
        elif token.type == "link_close":
            anchor_kept, host = open_links.pop() if open_links else (False, None)
            if anchor_kept:
                kept.append(token)
                kept.extend(_host_note(host) if host else [])
        elif token.type == "image":
            kept.extend(_image(token, any(anchor for anchor, _ in open_links), budget))
        elif token.type in ("s_open", "s_close"):
            token.tag = "del"  # strikethrough in a card marks something withdrawn: a deletion
            kept.append(token)
        elif token.type == "html_inline":  # only with html on; shown as text should that ever change
            kept.append(_text(token.content))
        else:
            kept.append(token)
    return kept


def _only_allowed_attributes(tokens: Sequence[Token]) -> None:
    for token in tokens:
        allowed = _ALLOWED_ATTRIBUTES.get(token.tag, set())
        token.attrs = {name: value for name, value in token.attrs.items() if name in allowed}
        if token.children:
            _only_allowed_attributes(token.children)


def _sanitize(state: StateCore) -> None:
    """The last core rule: rewrite the token stream so only allowed markup is rendered."""
    budget = _LinkBudget()
    for index, token in enumerate(state.tokens):
        if token.type == "inline":
            token.children = _inline(token.children or [], budget)
        elif token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + state.env['heading_offset'], 6)}"
        elif token.type in ("th_open", "td_open"):
            align = _ALIGN_CLASSES.get(str(token.attrGet("style") or ""))
            token.attrs = {"class": align} if align else {}
        elif token.type == "fence":
            token.info = ""  # the info string would become a class on <code>
        elif token.type == "html_block":
            state.tokens[index] = _as_text_block(token)
    _only_allowed_attributes(state.tokens)
    state.env["links_cut"] = budget.exhausted


def _as_text_block(token: Token) -> Token:
    """Raw HTML (only with html on) as a preformatted block of text."""
    block = Token("code_block", "code", 0, content=token.content, block=True)
    block.map = token.map
    return block


def _parser() -> MarkdownIt:
    parser = _CardMarkdown("commonmark", {"html": False, "maxNesting": MAX_NESTING})
    parser.enable(["table", "strikethrough"])
    parser.core.ruler.push("modelyard_sanitize", _sanitize)
    return parser


_PARSER = _parser()


def render_markdown(text: str, *, heading_offset: int = HEADING_OFFSET) -> Markup:
    """`text` as safe HTML: CommonMark with tables and strikethrough, hostile markup inert.

    `heading_offset`: how many levels down its headings go, so that they sit under the page's heading of the
    text (a card under the version page's h2 "Model card" takes 2: its `#` is an h3).
    """
    return Markup(_rendered(text, heading_offset))  # noqa: S704 (escaped by the renderer; see the module docstring)


# A version's card never changes once registered, and the worst card costs about a second to render: a warm
# function renders each card once (at most RENDERED_KEPT of them, a few MiB at the renderer's output bound).
@functools.lru_cache(maxsize=RENDERED_KEPT)
def _rendered(text: str, heading_offset: int) -> str:
    env: dict[str, Any] = {"heading_offset": heading_offset}
    html: str = _PARSER.render(text[:MAX_SOURCE_CHARS], env)
    if env.get("links_cut"):
        html += f'<p class="md-truncated">Links beyond the first {MAX_LINKS} are shown as text.</p>\n'
    if len(text) > MAX_SOURCE_CHARS:
        html += (
            f'<p class="md-truncated">Shortened: the first {MAX_SOURCE_CHARS:,} of {len(text):,} characters '
            "are shown.</p>\n"
        )
    return html
