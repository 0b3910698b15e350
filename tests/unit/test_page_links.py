"""The client's addresses of the registry's pages (step summaries) are the registry's own (ui/links.py): the
packages share no code, so this holds the two copies to the same answers."""

from __future__ import annotations

import pytest

from modelyard import page_links
from modelyard_server.ui import links

NAMES = ["fraud", "marketing/churn", "fraud-v2.x_y", "a" * 128]
URIS = ["models:/fraud/7", "models:/marketing/churn@champion", "models:/fraud/stage/production", "models:/fraud/1.4.0"]
REGISTRIES = [
    "https://models.acme.example",
    "https://models.acme.example/",
    "http://127.0.0.1:8642",
    "",
    None,
    "ftp://x",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("number", [1, 7, 10**9])
def test_a_versions_page_and_uri_are_the_registrys(name: str, number: int) -> None:
    assert page_links.version(name, number) == links.version(name, number)
    assert page_links.version_uri(name, number) == links.version_uri(name, number)


@pytest.mark.parametrize("base", URIS)
@pytest.mark.parametrize("head", URIS)
def test_the_compare_page_is_the_registrys(base: str, head: str) -> None:
    assert page_links.compare(base, head) == links.compare(base, head)


@pytest.mark.parametrize("registry", REGISTRIES)
def test_a_page_on_the_registry_is_the_registrys(registry: str | None) -> None:
    path = links.version("marketing/churn", 3)
    assert page_links.absolute(registry, path) == links.absolute(registry, path)
