"""What browser tests use besides fixtures: where a page's requests went, screenshots, screen widths.

The web pages promise that a browser showing them talks to the registry and nothing else (no CDN,
no fonts, no analytics): `RequestLog` records every request a browser context makes and names the
ones that went elsewhere. The only other origin a page may send the browser to is GitHub's, as a
top-level navigation while signing in.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Request

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "ui"  # uploaded by CI; gitignored
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (`make test` installs it); Playwright downloads none
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
DESKTOP_WIDTH, PHONE_WIDTH = 1280, 390
HEIGHTS = {DESKTOP_WIDTH: 800, PHONE_WIDTH: 844}
# Schemes that never leave the browser (data: images in the pages' SVG/CSS, the blank page a context opens with).
LOCAL_SCHEMES = ("data", "about", "blob")


def origin_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class SeenRequest:
    method: str
    url: str
    resource_type: str
    top_level_navigation: bool

    def __str__(self) -> str:
        kind = "top-level navigation" if self.top_level_navigation else self.resource_type
        return f"{self.method} {self.url} ({kind})"


def _is_top_level_navigation(request: Request) -> bool:
    if not request.is_navigation_request():
        return False
    try:
        return request.frame.parent_frame is None
    except Exception:  # a service worker's request has no frame: never a top-level navigation
        return False


@dataclass
class RequestLog:
    """Every request of a browser context, and which of them went where they must not.

    `site` is the registry's origin; `sign_in_origins` (GitHub's) are allowed for top-level
    navigations only: an image, stylesheet or frame from GitHub is as wrong as one from a CDN.
    """

    site: str
    sign_in_origins: tuple[str, ...] = ()
    seen: list[SeenRequest] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> RequestLog:
        context.on("request", self._record)
        return self

    def _record(self, request: Request) -> None:
        self.seen.append(
            SeenRequest(request.method, request.url, request.resource_type, _is_top_level_navigation(request))
        )

    def off_origin(self) -> list[SeenRequest]:
        site = origin_of(self.site)
        sign_in = {origin_of(origin) for origin in self.sign_in_origins}
        wrong = []
        for request in self.seen:
            if urllib.parse.urlsplit(request.url).scheme in LOCAL_SCHEMES:
                continue
            origin = origin_of(request.url)
            if origin == site or (origin in sign_in and request.top_level_navigation):
                continue
            wrong.append(request)
        return wrong


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG at test-artifacts/ui/<name>.png (CI keeps them as artifacts); its path."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"a screenshot name is a plain file stem, not {name!r}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def at_width(page: Page, width: int) -> Page:
    """The page at a screen `width` (DESKTOP_WIDTH or PHONE_WIDTH, or any other) and a matching height."""
    page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 800)})
    return page


def at_desktop_width(page: Page) -> Page:
    return at_width(page, DESKTOP_WIDTH)


def at_phone_width(page: Page) -> Page:
    return at_width(page, PHONE_WIDTH)
