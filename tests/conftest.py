"""Suite-wide: tests that run the local stack over HTTP (tests/e2e, tests/actions) carry the `e2e` marker, the
ones that drive chromium (tests/browser) the `browser` marker."""

from __future__ import annotations

from pathlib import Path

import pytest

STACK_SUITES = {Path(__file__).parent / "e2e", Path(__file__).parent / "actions"}
BROWSER_SUITE = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folders = set(Path(str(item.fspath)).parents)
        if STACK_SUITES & folders:
            item.add_marker(pytest.mark.e2e)
        if BROWSER_SUITE in folders:
            item.add_marker(pytest.mark.browser)
