"""Suite-wide: tests that run the local stack over HTTP (tests/e2e, tests/actions) carry the `e2e` marker."""

from __future__ import annotations

from pathlib import Path

import pytest

STACK_SUITES = {Path(__file__).parent / "e2e", Path(__file__).parent / "actions"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if STACK_SUITES & set(Path(str(item.fspath)).parents):
            item.add_marker(pytest.mark.e2e)
