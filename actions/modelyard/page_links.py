"""Addresses of the registry's web pages, for the step summaries: a version's page and two versions compared.

The registry builds the same addresses in ``modelyard_server/page_addresses.py``; this package cannot import the
server (standard library only), so a test holds the two to the same answers (tests/unit/test_page_links.py).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

UI_PREFIX = "/ui/"


def _name(model: str) -> str:
    return quote(model, safe="/")  # a namespaced name keeps its `/`: /ui/models/marketing/churn


def version(name: str, number: int) -> str:
    return f"{UI_PREFIX}models/{_name(name)}/versions/{number}"


def version_uri(name: str, number: int) -> str:
    return f"models:/{name}/{number}"


def compare(base: str, head: str) -> str:
    """Two versions side by side; `base` and `head` are model URIs."""
    return f"{UI_PREFIX}compare?" + urlencode([("base", base), ("head", head)])


def absolute(registry_url: str | None, path: str) -> str | None:
    """`path` on the registry at `registry_url`, or None when that is no web address."""
    if not registry_url or not registry_url.startswith(("https://", "http://")):
        return None
    return registry_url.rstrip("/") + path
