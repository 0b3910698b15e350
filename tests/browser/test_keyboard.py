"""Steps of the journey done with the keyboard alone: Tab to a control, type or choose with the arrow keys,
Enter. Each control reached shows where the focus is, and the controls are found by their labels."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from modelyard_local.stack import LocalStack
from tests.browser.arranged import MODEL, TAG, Arranged
from tests.browser.conftest import DEVELOPER
from tests.browser.reading import signed_in_locally, table_rows

MAX_TABS = 150  # a control further than this many Tab presses from the top is as good as unreachable


def tab_to(page: Page, element_id: str) -> None:
    """Press Tab until the element with `element_id` has the focus (and shows it); fail if it never does."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"#{element_id} has the focus but does not show it"
            return
    raise AssertionError(f"#{element_id} was not reached with {MAX_TABS} presses of Tab")


def test_finding_by_tag_and_comparing_two_versions_with_the_keyboard_alone(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    signed_in_locally(page, registry, DEVELOPER.login)

    tab_to(page, "f-tag")
    page.keyboard.type(TAG)
    page.keyboard.press("Enter")

    expect(page.get_by_role("textbox", name="Tag", exact=True)).to_have_value(TAG)
    catalog = page.locator("table.catalog")
    assert [row[0].split()[0] for row in table_rows(catalog)] == [MODEL]
    catalog.get_by_role("link", name=MODEL, exact=True).focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(MODEL)
    base = page.get_by_role("combobox", name="Base version")
    head = page.get_by_role("combobox", name="Head version")
    expect(base).to_have_value(f"models:/{MODEL}/2")  # the page proposes the latest version against the one before
    expect(head).to_have_value(f"models:/{MODEL}/3")
    tab_to(page, "compare-base")
    page.keyboard.press("ArrowDown")  # the options go newest first: v3, v2, v1
    tab_to(page, "compare-head")
    page.keyboard.press("ArrowDown")
    expect(base).to_have_value(f"models:/{MODEL}/1")
    expect(head).to_have_value(f"models:/{MODEL}/2")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Compare")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Compare two versions")
    expect(page.get_by_role("textbox", name="Base (compared against)")).to_have_value(f"models:/{MODEL}/1")
    expect(page.get_by_role("textbox", name="Head (its changes are shown)")).to_have_value(f"models:/{MODEL}/2")
    assert table_rows(page.locator("table.metrics"))[0] == ["auc", "0.81", "0.86", "+0.05", "+6.17 %"]


def test_the_first_tab_offers_to_skip_to_the_content(page: Page, registry: LocalStack, arranged: Arranged) -> None:
    signed_in_locally(page, registry, DEVELOPER.login)

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("searchbox", name="Name starts with")).to_be_focused()
