"""The server calls https URLs, and plain http only on this machine."""

from __future__ import annotations

import pytest

from modelyard_server.adapters.urls import is_safe_to_call


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://token.actions.githubusercontent.com/.well-known/jwks", True),
        ("http://127.0.0.1:8643/.well-known/jwks", True),
        ("http://localhost:8643/x", True),
        ("http://[::1]:8643/x", True),
        ("http://localhost.evil.com/x", False),
        ("http://127.0.0.1.evil.com/x", False),
        ("http://10.0.0.1/x", False),
        ("http://example.com/x", False),
        ("file:///etc/passwd", False),
        ("ftp://example.com/x", False),
        ("https:///nohost", False),
    ],
)
def test_safe_urls(url: str, safe: bool) -> None:
    assert is_safe_to_call(url) is safe
