"""The browser harness itself, on two tiny loopback sites (no registry): it sees every request a page makes,
names the ones that left the site's origin, lets GitHub's origin through only as a top-level navigation,
and writes full-page screenshots at the width asked for."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.harness import PHONE_WIDTH, RequestLog, at_phone_width, screenshot
from tests.support.loopback_http import serving_handler

PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def tiny_site(pages: dict[str, tuple[str, bytes]]) -> type[BaseHTTPRequestHandler]:
    """Pages by path (the dict may grow while it serves); `/go?to=URL` redirects the browser there."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if path == "/go":
                self.send_response(302)
                self.send_header("Location", query.removeprefix("to="))
                self.end_headers()
                return
            content_type, body = pages.get(path, ("text/plain", b"not here"))
            self.send_response(200 if path in pages else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _html(body: str) -> tuple[str, bytes]:
    page = f'<!doctype html><html><head><link rel="stylesheet" href="/site.css"></head><body>{body}</body></html>'
    return "text/html; charset=utf-8", page.encode()


@pytest.fixture(scope="module")
def github_site() -> Iterator[str]:
    pages = {"/login/oauth/authorize": _html("<h1>Authorize</h1>"), "/avatar.png": ("image/png", PIXEL)}
    with serving_handler(tiny_site(pages)) as url:
        yield url


@pytest.fixture(scope="module")
def site(github_site: str) -> Iterator[str]:
    tall = "".join(f"<p>row {n}</p>" for n in range(60))
    pages = {
        "/site.css": ("text/css", b"body { font-family: sans-serif; } .wide { width: 1000px; }"),
        "/pixel.png": ("image/png", PIXEL),
        "/clean": _html('<img src="/pixel.png" alt=""><img src="data:image/png;base64,iVBORw0KGgo=" alt="">'),
        "/leaky": _html(f'<img src="{github_site}/avatar.png" alt="">'),
        "/tall": _html(f"<h1>Catalog</h1>{tall}"),
        "/sign-in": _html(f'<a id="go" href="/go?to={github_site}/login/oauth/authorize">Sign in</a>'),
    }
    with serving_handler(tiny_site(pages)) as url:
        yield url


@pytest.fixture
def site_origins(site: str, github_site: str) -> tuple[str, tuple[str, ...]]:
    return site, (github_site,)


def test_a_page_on_its_own_origin_passes_and_every_request_was_seen(page: Page, requests_seen: RequestLog) -> None:
    page.goto("/clean")

    assert [(r.resource_type, r.url.rsplit("/", 1)[1]) for r in requests_seen.seen] == [
        ("document", "clean"),
        ("stylesheet", "site.css"),
        ("image", "pixel.png"),
    ]
    assert requests_seen.off_origin() == []


def test_an_image_from_another_origin_is_named(
    context: BrowserContext, requests_seen: RequestLog, github_site: str
) -> None:
    # not the `page` fixture: that one would fail this test at teardown, which is what this shows it would do
    context.new_page().goto("/leaky")

    wrong = requests_seen.off_origin()
    assert [(r.url, r.resource_type) for r in wrong] == [(f"{github_site}/avatar.png", "image")]
    assert "image" in str(wrong[0])


def test_githubs_origin_is_allowed_for_the_sign_in_navigation_only(
    context: BrowserContext, requests_seen: RequestLog, github_site: str
) -> None:
    browser_page = context.new_page()
    browser_page.goto("/sign-in")
    browser_page.click("#go")
    browser_page.wait_for_url(f"{github_site}/login/oauth/authorize")

    authorize = [r for r in requests_seen.seen if r.url == f"{github_site}/login/oauth/authorize"]
    assert [r.top_level_navigation for r in authorize] == [True]
    # GitHub's page itself asked for its stylesheet from GitHub: a subresource, so off-origin
    assert [r.url for r in requests_seen.off_origin()] == [f"{github_site}/site.css"]


def test_screenshots_are_full_page_pngs_at_the_width_asked_for(page: Page) -> None:
    at_phone_width(page).goto("/tall")
    path = screenshot(page, "harness-tall-phone")

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width == PHONE_WIDTH
    assert height > 844  # the whole page, not the viewport: sixty rows do not fit on one phone screen
    with pytest.raises(ValueError, match="plain file stem"):
        screenshot(page, "../escape")
