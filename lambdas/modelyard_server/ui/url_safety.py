"""Which URLs taken from registry data (model cards, lineage, run links) may become links on our pages.

Anyone who can register a version writes that data, so a URL is a link only when it cannot run code or
leave the page in a surprising way: web pages (http/https with a host), mail addresses, and links
relative to the page. Everything else (`javascript:`, `data:`, `file:`, `vbscript:`, protocol-relative
`//host`, anything with a scheme we do not know) is shown as text.
"""

from __future__ import annotations

import re
from enum import Enum
from urllib.parse import urlsplit

# Every link leaving the registry, in a model card or the lineage, carries these: no referrer, no opener
# handle, no ranking credit for whoever wrote the card; and one class the stylesheet marks it with.
EXTERNAL_LINK_REL = "nofollow noopener noreferrer"
EXTERNAL_LINK_CLASS = "external"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Browsers drop tabs and newlines anywhere in a URL and strip leading controls and spaces, so any of
# them could hide a scheme or a second slash from a check that reads the URL as written.
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")


class LinkKind(Enum):
    WEB = "web"  # http or https, with a host: leaves the registry
    MAIL = "mail"
    LOCAL = "local"  # relative or fragment: stays on the registry


def link_kind(url: str) -> LinkKind | None:
    """What kind of link `url` makes, or None when it must not become a link at all."""
    if _INVISIBLE.search(url) or url.startswith(("//", "\\", "/\\")):
        return None
    scheme = _SCHEME.match(url)
    if scheme is None:
        before_path = re.split(r"[/?#]", url, maxsplit=1)[0]
        return None if ":" in before_path else LinkKind.LOCAL
    name = scheme.group(1).lower()
    if name in ("http", "https"):
        return LinkKind.WEB if web_host(url) else None
    return LinkKind.MAIL if name == "mailto" else None


def web_host(url: str) -> str | None:
    """The host an http(s) URL leads to, or None when `url` is no such URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 literal
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return host


def is_web_url(url: str) -> bool:
    """True for an http(s) URL with a host, the only URLs from registry data that lead off the registry."""
    return link_kind(url) is LinkKind.WEB


def web_link(url: str | None) -> str | None:
    """`url` when it may become a link on our pages (a web page), else None: it is then shown as text."""
    return url if url and is_web_url(url) else None
