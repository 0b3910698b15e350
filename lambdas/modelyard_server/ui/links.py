"""Every /ui/ address, built in one place: the pages, the notifications and the tests all use these.

The addresses that code outside the pages links to (a model, a version, a comparison, an absolute address)
are built in modelyard_server/page_addresses.py, so the notifications need not import the pages; this module
builds the pages' own addresses on the same grammar and offers those too, so a page names every address here.
"""

from __future__ import annotations

from urllib.parse import quote

from modelyard_server.page_addresses import (
    COMPARE,
    UI_PREFIX,
    absolute,
    compare,
    model,
    query_string,
    quote_name,
    version,
    version_uri,
)

# The shared addresses are part of this module's offer: a page names every /ui/ address as `links.<name>`.
__all__ = [
    "COMPARE",
    "REGISTRY_AUDIT",
    "SIGN_IN",
    "SIGN_IN_CALLBACK",
    "SIGN_IN_GITHUB",
    "SIGN_OUT",
    "STATIC_PREFIX",
    "UI_PREFIX",
    "absolute",
    "archive",
    "catalog",
    "compare",
    "download",
    "model",
    "model_audit",
    "registry_audit",
    "rollback",
    "sign_in",
    "sign_in_with_github",
    "static",
    "version",
    "version_uri",
]

STATIC_PREFIX = "/ui/static/"
SIGN_IN = "/ui/sign-in"
SIGN_IN_GITHUB = "/ui/sign-in/github"
SIGN_IN_CALLBACK = "/ui/sign-in/callback"
SIGN_OUT = "/ui/sign-out"
REGISTRY_AUDIT = "/ui/audit"


def catalog(**filters: str | list[str]) -> str:
    """The catalog, with its filters (`tag` may be a list)."""
    pairs: list[tuple[str, str | int]] = []
    for key, value in filters.items():
        pairs += [(key, item) for item in value] if isinstance(value, list) else [(key, value)]
    return UI_PREFIX + query_string(pairs)


def model_audit(name: str, **paging: str) -> str:
    """A model's audit trail; `paging`: `order`, `limit`, `next_token` (oldest first) or `before` (newest first)."""
    return f"{UI_PREFIX}models/{quote_name(name)}/events" + query_string(list(paging.items()))


def registry_audit(**filters: str) -> str:
    """The registry's governance trail, with its filters (`kind`, `actor`, `after`, `before`, `order`)."""
    return REGISTRY_AUDIT + query_string(list(filters.items()))


def rollback(name: str, stage: str) -> str:
    return f"{UI_PREFIX}models/{quote_name(name)}/stages/{quote(stage, safe='')}/rollback"


def archive(name: str, number: int) -> str:
    return f"{UI_PREFIX}models/{quote_name(name)}/versions/{number}/archive"


def download(name: str, number: int) -> str:
    return f"{UI_PREFIX}models/{quote_name(name)}/versions/{number}/download"


def static(file: str) -> str:
    return STATIC_PREFIX + quote(file, safe="")


def sign_in(next_page: str | None = None) -> str:
    return SIGN_IN + (query_string([("next", next_page)]) if next_page else "")


def sign_in_with_github(next_page: str | None = None) -> str:
    return SIGN_IN_GITHUB + (query_string([("next", next_page)]) if next_page and next_page != UI_PREFIX else "")
