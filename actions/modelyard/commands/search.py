"""Finding versions and models: across the registry (``search``, ``models``) or in one model (``versions``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelyard.commands.results import JSON

if TYPE_CHECKING:
    from modelyard.client import Client


@dataclass(frozen=True)
class Hits:
    """Versions or models that matched: a version with the stages and aliases it holds (when the registry
    reports them), a model with the version holding each of its stages.

    ``more`` is True when the listing stopped at the caller's limit with matches left.
    """

    data: list[JSON]
    more: bool = False


def _first(found: Any, limit: int | None) -> tuple[list[JSON], bool]:
    """At most ``limit`` items of a paged listing, and whether more were left (one more is read to know)."""
    if limit is None:
        return list(found), False
    items = list(itertools.islice(found, limit + 1))
    return items[:limit], len(items) > limit


def search_versions(client: Client, filters: dict[str, Any], *, limit: int | None = None) -> Hits:
    """``filters`` are :meth:`Client.search_versions`'s keywords (checked before anything is sent)."""
    items, more = _first(client.search_versions(**filters), limit)
    return Hits(items, more)


def list_versions(client: Client, name: str, filters: dict[str, Any], *, limit: int | None = None) -> Hits:
    """One model's versions, newest first unless ordered otherwise; the same filters but model/model_prefix."""
    items, more = _first(client.list_versions(name, **filters), limit)
    return Hits(items, more)


def search_models(client: Client, filters: dict[str, Any], *, limit: int | None = None) -> Hits:
    items, more = _first(client.search_models(**filters), limit)
    return Hits(items, more)
