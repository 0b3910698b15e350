"""Markdown and HTML injection in model cards and descriptions stays inert in a real browser: no dialog opens,
no script, frame or image from the text is in the document, no element carries an event handler, no link runs
script, nothing is fetched from the attacker's host (the `page` fixture fails the test on any request off the
registry), and none of it needed the Content-Security-Policy to step in (no violation, no console message).
The hostile text is still there for a reader, as text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, expect

from modelyard_local.stack import LocalStack
from modelyard_server.ui import links
from tests.browser.arranged import EVIL_HOST, HOSTILE_DATA_URI, MODEL, Arranged
from tests.browser.conftest import DEVELOPER
from tests.browser.harness import RequestLog
from tests.browser.reading import signed_in_locally

# Installed before any page script could run: CSP violations reported by the browser itself.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
# What may not be in a page built from hostile text, whatever the text said.
ACTIVE_CONTENT = (
    "script, iframe, frame, object, embed, img, image, video, audio, source, link[rel=import], base, meta[http-equiv]"
)
FINDINGS = """active => ({
    active: [...document.querySelectorAll(active)].map(e => e.outerHTML.slice(0, 120)),
    handlers: [...document.querySelectorAll('*')].flatMap(
        e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => `${e.localName} ${a.name}`)),
    links: [...document.querySelectorAll('a[href], area[href]')].map(a => a.protocol)
        .filter(p => !['http:', 'https:', 'mailto:'].includes(p)),
    styles: [...document.querySelectorAll('[style]')].map(e => e.localName),
    forms: [...document.forms].map(f => f.action).filter(a => !a.startsWith(location.origin + '/')),
})"""


@dataclass
class Watched:
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def message(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text}")


@pytest.fixture
def watched(page: Page, registry: LocalStack) -> Watched:
    seen = Watched()
    page.on("dialog", seen.dialog)
    page.on("console", seen.message)
    page.add_init_script(RECORD_VIOLATIONS)
    signed_in_locally(page, registry, DEVELOPER.login)
    return seen


PAGES = {
    "catalog": links.catalog(),
    "model": links.model(MODEL),
    "version": links.version(MODEL, 2),
    "lineage": links.version(MODEL, 1),
    "compare": links.compare(links.version_uri(MODEL, 1), links.version_uri(MODEL, 2)),
    "model-audit": links.model_audit(MODEL),
}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_hostile_text_is_inert_on_every_page_that_shows_it(
    page: Page, arranged: Arranged, watched: Watched, requests_seen: RequestLog, path: str
) -> None:
    answer = page.goto(path)
    assert answer is not None and answer.status == 200
    page.wait_for_load_state("networkidle")
    page.keyboard.press("End")  # anything lazy would load now

    findings: dict[str, Any] = page.evaluate(FINDINGS, ACTIVE_CONTENT)
    assert findings == {"active": [], "handlers": [], "links": [], "styles": [], "forms": []}
    assert watched.dialogs == []
    assert page.evaluate("window.__violations") == []
    assert watched.console == []
    assert [r.url for r in requests_seen.seen if EVIL_HOST in r.url] == []


def test_the_model_card_shows_every_attempt_as_text(page: Page, arranged: Arranged, watched: Watched) -> None:
    page.goto(links.version(MODEL, 2))
    card = page.locator("section.model-card")

    expect(card.get_by_role("heading", name="Churn model card")).to_be_visible()
    for attempt in (
        "<script>alert('card script')</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
    ):
        expect(card).to_contain_text(attempt)
    expect(card).to_contain_text(f'<iframe src="https://{EVIL_HOST}/frame"></iframe>')
    # the remote image is its alt text and a link to where it is (never loaded)
    expect(card.get_by_role("link", name=f"https://{EVIL_HOST}/a.png")).to_have_attribute(
        "rel", "nofollow noopener noreferrer"
    )
    expect(card.locator("strong")).to_have_text("monthly")  # markdown itself still works

    page.goto(links.model(MODEL))
    description = page.locator("div.description")
    expect(description).to_contain_text("<script>alert('description')</script>")
    expect(description).to_contain_text("[click](javascript:alert(6))")


def test_a_script_url_in_the_lineage_is_text_not_a_link(page: Page, arranged: Arranged, watched: Watched) -> None:
    page.goto(links.version(MODEL, 1))
    lineage = page.locator("section", has=page.get_by_role("heading", name="Lineage"))

    expect(lineage).to_contain_text(f"Data: {HOSTILE_DATA_URI}")
    expect(lineage.get_by_role("link", name=HOSTILE_DATA_URI)).to_have_count(0)
