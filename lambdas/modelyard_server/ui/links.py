"""Every /ui/ address, built in one place: the pages, the notifications and the tests all use these.

A model's name keeps its `/` (`/ui/models/marketing/churn`): the path router joins a namespaced name's two
segments for /ui/models/ as for /v1/models/ (handlers/model_paths.py). Every other part is percent-encoded.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode

UI_PREFIX = "/ui/"
STATIC_PREFIX = "/ui/static/"
SIGN_IN = "/ui/sign-in"
SIGN_IN_GITHUB = "/ui/sign-in/github"
SIGN_IN_CALLBACK = "/ui/sign-in/callback"
SIGN_OUT = "/ui/sign-out"
REGISTRY_AUDIT = "/ui/audit"
COMPARE = "/ui/compare"


def _name(model: str) -> str:
    return quote(model, safe="/")


def _query(pairs: Iterable[tuple[str, str | int]]) -> str:
    given = [(key, str(value)) for key, value in pairs if value != ""]
    return "?" + urlencode(given) if given else ""


def catalog(**filters: str | list[str]) -> str:
    """The catalog, with its filters (`tag` may be a list)."""
    pairs: list[tuple[str, str | int]] = []
    for key, value in filters.items():
        pairs += [(key, item) for item in value] if isinstance(value, list) else [(key, value)]
    return UI_PREFIX + _query(pairs)


def model(name: str, **choices: str | list[str]) -> str:
    """A model's page; `choices` are its view options (`metric`, `column`)."""
    pairs: list[tuple[str, str | int]] = []
    for key, value in choices.items():
        pairs += [(key, item) for item in value] if isinstance(value, list) else [(key, value)]
    return f"{UI_PREFIX}models/{_name(name)}" + _query(pairs)


def version(name: str, number: int) -> str:
    return f"{UI_PREFIX}models/{_name(name)}/versions/{number}"


def version_uri(name: str, number: int) -> str:
    """The registry URI of a version, as the compare page takes it."""
    return f"models:/{name}/{number}"


def compare(base: str, head: str) -> str:
    """Two versions side by side; `base` and `head` are model URIs (`models:/churn/3`, `models:/churn@champion`)."""
    return COMPARE + _query([("base", base), ("head", head)])


def model_audit(name: str, **paging: str) -> str:
    """A model's audit trail; `paging`: `order`, `limit`, `next_token` (oldest first) or `before` (newest first)."""
    return f"{UI_PREFIX}models/{_name(name)}/events" + _query(list(paging.items()))


def registry_audit(**filters: str) -> str:
    """The registry's governance trail, with its filters (`kind`, `actor`, `after`, `before`, `order`)."""
    return REGISTRY_AUDIT + _query(list(filters.items()))


def rollback(name: str, stage: str) -> str:
    return f"{UI_PREFIX}models/{_name(name)}/stages/{quote(stage, safe='')}/rollback"


def archive(name: str, number: int) -> str:
    return f"{UI_PREFIX}models/{_name(name)}/versions/{number}/archive"


def download(name: str, number: int) -> str:
    return f"{UI_PREFIX}models/{_name(name)}/versions/{number}/download"


def static(file: str) -> str:
    return STATIC_PREFIX + quote(file, safe="")


def sign_in(next_page: str | None = None) -> str:
    return SIGN_IN + (_query([("next", next_page)]) if next_page else "")


def sign_in_with_github(next_page: str | None = None) -> str:
    return SIGN_IN_GITHUB + (_query([("next", next_page)]) if next_page and next_page != UI_PREFIX else "")


def absolute(base_url: str | None, path: str) -> str | None:
    """`path` on the registry at `base_url` (its public URL), or None when the registry has none configured."""
    if not base_url or not base_url.startswith(("https://", "http://")):
        return None
    return base_url.rstrip("/") + path
