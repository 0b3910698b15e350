"""The addresses of the registry's pages that code outside the pages links to: a model's page, a version's
page, two versions compared, and any page made absolute on the registry's public URL.

The notifications (domain/notice_links.py) and the pages (ui/links.py, which builds every other /ui/ address
on these) both use this one source, so a message and the pages never disagree on an address; it sits outside
`ui/` so the domain depends on no page machinery. The client keeps its own copy (modelyard/page_links.py),
held equal by tests/unit/test_page_links.py.

A model's name keeps its `/` (`/ui/models/marketing/churn`): the path router joins a namespaced name's two
segments for /ui/models/ as for /v1/models/ (handlers/model_paths.py). Every other part is percent-encoded.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode

UI_PREFIX = "/ui/"
COMPARE = "/ui/compare"


def quote_name(model: str) -> str:
    """A model's name as a path part: percent-encoded, its namespace's `/` kept."""
    return quote(model, safe="/")


def query_string(pairs: Iterable[tuple[str, str | int]]) -> str:
    """`?key=value&...` for the pairs whose value is not empty ("" when none is left)."""
    given = [(key, str(value)) for key, value in pairs if value != ""]
    return "?" + urlencode(given) if given else ""


def model(name: str, **choices: str | list[str]) -> str:
    """A model's page; `choices` are its view options (`metric`, `column`)."""
    pairs: list[tuple[str, str | int]] = []
    for key, value in choices.items():
        pairs += [(key, item) for item in value] if isinstance(value, list) else [(key, value)]
    return f"{UI_PREFIX}models/{quote_name(name)}" + query_string(pairs)


def version(name: str, number: int) -> str:
    return f"{UI_PREFIX}models/{quote_name(name)}/versions/{number}"


def version_uri(name: str, number: int) -> str:
    """The registry URI of a version, as the compare page takes it."""
    return f"models:/{name}/{number}"


def compare(base: str, head: str) -> str:
    """Two versions side by side; `base` and `head` are model URIs (`models:/churn/3`, `models:/churn@champion`)."""
    return COMPARE + query_string([("base", base), ("head", head)])


def absolute(base_url: str | None, path: str) -> str | None:
    """`path` on the registry at `base_url` (its public URL), or None when the registry has none configured."""
    if not base_url or not base_url.startswith(("https://", "http://")):
        return None
    return base_url.rstrip("/") + path
