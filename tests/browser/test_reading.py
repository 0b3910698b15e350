"""The page-reading helpers the page tests judge by, on pages written here (no registry, no request): they name
the controls a screen reader could not name, measure a page scrolling sideways but not a table scrolling in its
wrapper, and read a table's cells as shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.harness import at_phone_width
from tests.browser.reading import sideways_overflow, table_rows, unnamed_controls


@pytest.fixture
def site_origins() -> tuple[str, tuple[str, ...]]:
    return "http://127.0.0.1:9", ()  # nothing is served: each test writes its page with set_content


def test_controls_without_an_accessible_name_are_listed(page: Page) -> None:
    page.set_content(
        """<a href="/x"><img src="data:," alt=""></a> <a href="/y" aria-label="Next page">→</a>
        <input id="bare"> <label>Name <input name="n"></label> <label for="t">Tag</label><input id="t">
        <select name="s"><option>a</option></select> <button>Go</button> <button></button>
        <details><summary></summary>x</details> <input type="hidden" name="csrf">"""
    )

    assert [str(control) for control in unnamed_controls(page)] == [
        'link <a href="/x">',
        'textbox <input id="bare">',
        'combobox <select name="s">',
        "button <button >",
        "DisclosureTriangle <summary >",
    ]


def test_a_page_wider_than_the_phone_is_measured_a_table_in_its_wrapper_is_not(page: Page) -> None:
    at_phone_width(page)
    wide_table = '<table><tr><td style="min-width: 900px">wide</td></tr></table>'

    page.set_content(f'<div style="overflow-x: auto">{wide_table}</div>')
    assert sideways_overflow(page) == 0

    page.set_content(wide_table)
    assert sideways_overflow(page) > 0


def test_table_rows_are_the_body_cells_as_shown(page: Page) -> None:
    page.set_content(
        """<table><thead><tr><th>Metric</th><th>Value</th></tr></thead>
        <tbody><tr><th scope="row">auc</th><td> 0.81\n <span>(best)</span></td></tr>
        <tr><th>loss</th><td></td></tr></tbody>
        </table>"""
    )

    assert table_rows(page.locator("table")) == [["auc", "0.81 (best)"], ["loss", ""]]
