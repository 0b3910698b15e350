"""Which URLs from registry data become links on the web pages."""

from __future__ import annotations

import pytest

from modelyard_server.ui.url_safety import LinkKind, is_web_url, link_kind, web_host


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/org/repo/actions/runs/1", LinkKind.WEB),
        ("HTTP://example.com/", LinkKind.WEB),
        ("mailto:ml@team.example", LinkKind.MAIL),
        ("#section", LinkKind.LOCAL),
        ("../3", LinkKind.LOCAL),
        ("/ui/models/fraud", LinkKind.LOCAL),
        ("notes.md?x=a:b", LinkKind.LOCAL),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("vbscript:msgbox(1)", None),
        ("data:text/html,x", None),
        ("file:///etc/passwd", None),
        ("s3://bucket/key", None),
        ("//evil.example/", None),
        ("/\\evil.example/", None),
        ("\\\\evil.example\\share", None),
        ("java\tscript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("\x01javascript:alert(1)", None),
        ("%6Aavascript:alert(1)", None),
        ("https:///nohost", None),
        ("https://[::1", None),
    ],
)
def test_link_kinds(url: str, kind: LinkKind | None) -> None:
    assert link_kind(url) is kind


def test_web_urls_and_their_hosts() -> None:
    assert is_web_url("https://mlflow.example/runs/1")
    assert not is_web_url("s3://bucket/data.parquet")
    assert web_host("https://user:pw@evil.example:8443/x") == "evil.example"
    assert web_host("ftp://example.com/") is None
