"""Reading a page as its reader would: the signed-in person, a table's cells, the accessible names the browser
computes for controls, and whether the page scrolls sideways."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, expect

from modelyard_local.stack import LocalStack

# Roles a person operates (the browser's own accessibility tree, as a screen reader gets it).
INTERACTIVE_ROLES = frozenset(
    {"link", "button", "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio", "DisclosureTriangle"}
)


def signed_in_locally(page: Page, registry: LocalStack, login: str) -> Page:
    """`login` opens the one-time link `modelyard dev` prints; the page they land on says who they are."""
    page.goto(registry.sign_in_link(login))
    expect(signed_in_as(page)).to_have_text(login)
    return page


def signed_in_as(page: Page) -> Locator:
    """The name in the header's "Signed in as …"."""
    return page.locator("header.site form.who strong")


def table_rows(table: Locator) -> list[list[str]]:
    """Every body row of `table` as the text its cells show (whitespace collapsed)."""
    rows: list[list[str]] = table.evaluate(
        "t => [...t.tBodies].flatMap(b => [...b.rows])"
        ".map(r => [...r.cells].map(c => c.innerText.replace(/\\s+/g, ' ').trim()))"
    )
    return rows


def headings(page: Page) -> list[tuple[int, str]]:
    """The page's headings in document order: (level, text)."""
    found: list[list[Any]] = page.evaluate(
        "[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => [Number(h.localName[1]), h.innerText])"
    )
    return [(int(level), " ".join(str(text).split())) for level, text in found]


def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page itself scrolls sideways (0: none; a table scrolling in its wrapper is fine)."""
    overflow: int = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    return overflow


@dataclass(frozen=True)
class Control:
    role: str
    name: str
    html: str  # what the element is, to find it in the template

    def __str__(self) -> str:
        return f"{self.role} {self.html}"


def unnamed_controls(page: Page) -> list[Control]:
    """Every control of the page the browser gives no accessible name (CDP's full accessibility tree)."""
    session = page.context.new_cdp_session(page)
    try:
        tree: dict[str, Any] = session.send("Accessibility.getFullAXTree")
        missing = []
        for node in tree["nodes"]:
            role = (node.get("role") or {}).get("value", "")
            name = str((node.get("name") or {}).get("value", "")).strip()
            if node.get("ignored") or role not in INTERACTIVE_ROLES or name:
                continue
            described = session.send("DOM.describeNode", {"backendNodeId": node["backendDOMNodeId"]})["node"]
            attributes = described.get("attributes", [])
            shown = " ".join(f'{k}="{v}"' for k, v in zip(attributes[::2], attributes[1::2], strict=True))
            missing.append(Control(role, name, f"<{described['localName']} {shown}>"))
        return missing
    finally:
        session.detach()
